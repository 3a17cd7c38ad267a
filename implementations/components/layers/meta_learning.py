"""Few-shot classifiers (prototypical and matching networks) and the DARTS mixed operation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class _Episode(nn.Module):
    """An embedding network ``f`` (``Linear → ReLU → Linear``) shared by support and query examples."""

    def __init__(self, in_features: int, embed_dim: int, num_classes: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.embed = nn.Sequential(nn.Linear(in_features, embed_dim), nn.ReLU(), nn.Linear(embed_dim, embed_dim))


class PrototypicalNetwork(_Episode):
    """Class prototypes ``c_k = mean f(x_i)`` over the support set; query logits ``−‖f(q) − c_k‖²``.

    Reference: Snell, Swersky, Zemel (2017), "Prototypical Networks for Few-shot Learning",
    arXiv:1703.05175.

    Args:
        in_features: Input width.
        embed_dim: Embedding width.
        num_classes: Classes per episode (``N`` of N-way).

    """

    def __init__(self, in_features: int = 8, embed_dim: int = 16, num_classes: int = 3) -> None:
        super().__init__(in_features, embed_dim, num_classes)

    def forward(self, support: Tensor, support_labels: Tensor, query: Tensor) -> Tensor:
        """Support ``[S, F]`` with labels ``[S]`` and queries ``[Q, F]`` → logits ``[Q, num_classes]``."""
        one_hot = F.one_hot(support_labels, self.num_classes).to(support.dtype)
        prototypes = (one_hot.T @ self.embed(support)) / one_hot.sum(0)[:, None]
        return -torch.cdist(self.embed(query), prototypes).square()


class MatchingNetwork(_Episode):
    """Attention over the support set: ``P(y|q) = Σ_i softmax_i(cos(f(q), f(x_i))) · onehot(y_i)``.

    The simple form without full-context embeddings (the paper's LSTM read-out is an option there).

    Reference: Vinyals, Blundell, Lillicrap, Kavukcuoglu, Wierstra (2016), "Matching Networks for
    One Shot Learning", arXiv:1606.04080.

    Args:
        in_features: Input width.
        embed_dim: Embedding width.
        num_classes: Classes per episode.

    """

    def __init__(self, in_features: int = 8, embed_dim: int = 16, num_classes: int = 3) -> None:
        super().__init__(in_features, embed_dim, num_classes)

    def forward(self, support: Tensor, support_labels: Tensor, query: Tensor) -> Tensor:
        """Support ``[S, F]`` with labels ``[S]`` and queries ``[Q, F]`` → class probabilities ``[Q, num_classes]``."""
        cosine = F.normalize(self.embed(query), dim=-1) @ F.normalize(self.embed(support), dim=-1).T
        return torch.softmax(cosine, dim=-1) @ F.one_hot(support_labels, self.num_classes).to(query.dtype)


class DartsMixedOp(nn.Module):
    """DARTS' continuous relaxation of one edge: ``Σ_o softmax(α)_o · o(x)`` over candidate operations.

    Candidates: zero, identity, 3×3 average pooling, 3×3 max pooling, 3×3 and 5×5 convolutions
    (ReLU–conv–BN as in the paper, BN without affine parameters). The architecture weights ``α``
    are trained by gradient descent beside the operation weights; the final cell keeps the argmax.

    Reference: Liu, Simonyan, Yang (2019), "DARTS: Differentiable Architecture Search",
    arXiv:1806.09055.

    Args:
        channels: Channels in and out.

    """

    def __init__(self, channels: int = 4) -> None:
        super().__init__()

        def relu_conv_bn(k: int) -> nn.Sequential:
            return nn.Sequential(
                nn.ReLU(), nn.Conv2d(channels, channels, k, padding=k // 2, bias=False), nn.BatchNorm2d(channels, affine=False)
            )

        self.convs = nn.ModuleList([relu_conv_bn(3), relu_conv_bn(5)])
        self.alpha = nn.Parameter(1e-3 * torch.randn(6))

    def candidates(self, x: Tensor) -> list[Tensor]:
        """Zero, identity, avg-pool, max-pool, conv 3×3, conv 5×5 outputs."""
        pooled = [F.avg_pool2d(x, 3, 1, 1, count_include_pad=False), F.max_pool2d(x, 3, 1, 1)]
        return [torch.zeros_like(x), x, *pooled, *(conv(x) for conv in self.convs)]

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C, H, W]`` → ``[B, C, H, W]``."""
        weights = torch.softmax(self.alpha, dim=0)
        return sum((w * out for w, out in zip(weights, self.candidates(x), strict=True)), torch.zeros_like(x))


# --- sample and float64 oracles -------------------------------------------------------------------


def episode(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """A 3-way, 2-shot episode: support ``[6, in_features]``, labels (each class twice), 5 queries."""
    width = int(args.get("in_features", 8))
    labels = torch.arange(int(args.get("num_classes", 3))).repeat(2)
    return torch.randn(labels.numel(), width), labels, torch.randn(5, width)


def _embed(module: _Episode, x: Tensor) -> Tensor:
    first, last = module.embed[0], module.embed[2]
    assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
    h = (x.double() @ first.weight.double().T + first.bias.double()).clamp_min(0)
    return h @ last.weight.double().T + last.bias.double()


def prototypical_oracle(module: PrototypicalNetwork, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Prototypes as explicit class means, squared distances summed coordinate by coordinate."""
    support, labels, query = _embed(module, inputs[0]), inputs[1].tolist(), _embed(module, inputs[2])
    prototypes = [torch.stack([support[i] for i, y in enumerate(labels) if y == k]).mean(0) for k in range(module.num_classes)]
    return torch.stack([torch.stack([-((q - c) ** 2).sum() for c in prototypes]) for q in query])


def matching_oracle(module: MatchingNetwork, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Cosines through explicit norms, softmax attention, label mass accumulated per class."""
    support, labels, query = _embed(module, inputs[0]), inputs[1].tolist(), _embed(module, inputs[2])
    rows = []
    for q in query:
        cosine = torch.stack([(q @ s) / (q.norm() * s.norm()) for s in support])
        attention = torch.exp(cosine) / torch.exp(cosine).sum()
        probs = torch.zeros(module.num_classes, dtype=torch.float64)
        for a, y in zip(attention, labels, strict=True):
            probs[y] += a
        rows.append(probs)
    return torch.stack(rows)


def darts_oracle(module: DartsMixedOp, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The softmax-weighted sum of the candidates computed one by one, accumulated in float64."""
    weights = torch.softmax(module.alpha.double(), dim=0)
    return sum((w * out.double() for w, out in zip(weights, module.candidates(inputs[0]), strict=True)), torch.zeros(()))
