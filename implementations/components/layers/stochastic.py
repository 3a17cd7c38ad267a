"""Stochastic layers: embedding dropout (whole rows) and stochastic pooling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class EmbeddingDropout(nn.Embedding):
    """An embedding whose rows are dropped as a whole in training: every occurrence of a dropped word loses its vector.

    Each batch draws a mask over the vocabulary (keep probability ``1 − p``) and scales kept
    rows by ``1 / (1 − p)``; evaluation uses the plain embedding.

    Reference: Gal, Ghahramani (2016), "A Theoretically Grounded Application of Dropout in
    Recurrent Neural Networks", arXiv:1512.05287 (section 4.2); Merity, Keskar, Socher (2018),
    "Regularizing and Optimizing LSTM Language Models", arXiv:1708.02182.

    Args:
        num_embeddings: Vocabulary size.
        embedding_dim: Vector width.
        p: Probability of dropping a row.

    """

    def __init__(self, num_embeddings: int, embedding_dim: int, p: float = 0.1) -> None:
        super().__init__(num_embeddings, embedding_dim)
        self.p = p

    def forward(self, ids: Tensor) -> Tensor:
        """Token ids ``[...]`` → vectors ``[..., embedding_dim]``."""
        if not self.training or self.p == 0:
            return super().forward(ids)
        keep = (torch.rand(self.num_embeddings, 1, device=self.weight.device) >= self.p).to(self.weight.dtype) / (1 - self.p)
        return F.embedding(ids, self.weight * keep)


class StochasticPool2d(nn.Module):
    """Stochastic pooling: in training, each window outputs one activation drawn with probability ``a_i / Σ a``.

    At test time the window outputs the probability-weighted average ``Σ a_i² / Σ a_i``. Inputs
    must be non-negative (e.g. after a ReLU); an all-zero window outputs zero.

    Reference: Zeiler, Fergus (2013), "Stochastic Pooling for Regularization of Deep Convolutional
    Neural Networks", arXiv:1301.3557.

    Args:
        kernel_size: Window size (also the stride).

    """

    def __init__(self, kernel_size: int = 2) -> None:
        super().__init__()
        self.kernel_size = kernel_size

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C, H, W]`` (non-negative) → ``[B, C, H/k, W/k]``."""
        b, c, h, w = x.shape
        k = self.kernel_size
        windows = x.reshape(b, c, h // k, k, w // k, k).permute(0, 1, 2, 4, 3, 5).reshape(b, c, h // k, w // k, k * k)
        total = windows.sum(-1, keepdim=True)
        probs = torch.where(total > 0, windows / total.clamp_min(1e-12), torch.full_like(windows, 1.0 / (k * k)))
        if not self.training:
            return (probs * windows).sum(-1)
        pick = torch.multinomial(probs.reshape(-1, k * k), 1).reshape(*probs.shape[:-1], 1)
        return windows.gather(-1, pick).squeeze(-1)


# --- sample and float64 oracles -------------------------------------------------------------------


def nonnegative_images(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """ReLU'd images ``[4, 4, 8, 8]`` (some windows all zero)."""
    x = torch.randn(4, 4, 8, 8).relu()
    x[0, 0, :2, :2] = 0.0
    return (x,)


def embedding_dropout_oracle(module: EmbeddingDropout, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Evaluation: a row lookup ``W[id]``."""
    weight = module.weight.double()
    return torch.stack([weight[i] for i in inputs[0].flatten().tolist()]).reshape(*inputs[0].shape, -1)


def stochastic_pool_oracle(module: StochasticPool2d, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Evaluation: ``Σ a_i² / Σ a_i`` window by window (zero for an all-zero window)."""
    x, k = inputs[0].double(), module.kernel_size
    b, c, h, w = x.shape
    out = torch.zeros(b, c, h // k, w // k, dtype=torch.float64)
    for i in range(h // k):
        for j in range(w // k):
            window = x[:, :, i * k : (i + 1) * k, j * k : (j + 1) * k]
            total = window.sum(dim=(2, 3))
            out[:, :, i, j] = torch.where(total > 0, (window**2).sum(dim=(2, 3)) / total.clamp_min(1e-300), 0.0)
    return out
