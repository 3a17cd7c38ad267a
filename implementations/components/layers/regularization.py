"""Reference implementations of structured dropout: stochastic depth, DropBlock, DropConnect.

All three are identity-in-expectation during training (kept values are rescaled by the inverse
keep probability) and deterministic in evaluation mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _check_probability(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"drop probability must lie in [0, 1], got {p}")


class StochasticDepth(nn.Module):
    """Randomly skip a residual branch during training (a.k.a. DropPath).

    Huang, Sun, Liu, Sedra, Weinberger (2016), "Deep Networks with Stochastic Depth",
    arXiv:1603.09382. The paper drops a whole residual block for the mini-batch and multiplies the
    branch by its survival probability at test time; here (as is now usual) kept branches are
    divided by ``1 − p`` during training instead, so evaluation is the identity on the branch.

    Args:
        p: Probability of dropping the branch.
        mode: ``"row"`` draws one decision per sample, ``"batch"`` one for the whole batch (the
            paper's form).
        module: Optional residual branch ``f``; the output is then ``x + drop(f(x))``. Without it
            the layer acts on a branch output: ``drop(x)``.

    """

    def __init__(self, p: float = 0.5, mode: str = "row", module: nn.Module | None = None) -> None:
        super().__init__()
        _check_probability(p)
        if mode not in ("row", "batch"):
            raise ValueError("mode must be 'row' or 'batch'")
        self.p, self.mode, self.module = p, mode, module

    def drop(self, branch: Tensor) -> Tensor:
        """Zero whole samples (row) or the whole batch (batch) of ``branch``, rescaling the rest."""
        if not self.training or self.p == 0.0:
            return branch
        keep = 1.0 - self.p
        shape = (branch.shape[0],) + (1,) * (branch.dim() - 1) if self.mode == "row" else (1,) * branch.dim()
        mask = torch.empty(shape, dtype=branch.dtype, device=branch.device).bernoulli_(keep)
        return branch * mask / keep if keep > 0 else branch * mask

    def forward(self, x: Tensor) -> Tensor:
        """``x + drop(module(x))`` when wrapping a branch, else ``drop(x)``."""
        if self.module is None:
            return self.drop(x)
        return x + self.drop(self.module(x))

    def extra_repr(self) -> str:
        """Show ``p`` and ``mode``."""
        return f"p={self.p}, mode={self.mode!r}"


class DropBlock2d(nn.Module):
    """Drop contiguous ``block_size × block_size`` regions of feature maps.

    Ghiasi, Lin, Le (2018), "DropBlock: A regularization method for convolutional networks",
    arXiv:1810.12890. Block centres are sampled with rate
    ``γ = p / b² · HW / ((H − b + 1)(W − b + 1))`` inside the region where a whole block fits, the
    blocks are zeroed, and the survivors are rescaled by ``count / count_kept`` (Algorithm 1).

    Args:
        p: Target fraction of dropped units (``1 − keep_prob`` in the paper).
        block_size: Side ``b`` of the square blocks (clipped to the feature-map size).
        shared_channels: Use one mask for all channels instead of one per channel.

    """

    def __init__(self, p: float = 0.1, block_size: int = 7, shared_channels: bool = False) -> None:
        super().__init__()
        _check_probability(p)
        if block_size < 1:
            raise ValueError("block_size must be positive")
        self.p, self.block_size, self.shared_channels = p, block_size, shared_channels

    def block_mask(self, x: Tensor) -> Tensor:
        """A 0/1 keep-mask broadcastable to ``x`` (``[B, C or 1, H, W]``)."""
        batch, channels, height, width = x.shape
        size = min(self.block_size, height, width)
        valid_h, valid_w = height - size + 1, width - size + 1
        gamma = self.p / size**2 * (height * width) / (valid_h * valid_w)
        seed_shape = (batch, 1 if self.shared_channels else channels, valid_h, valid_w)
        seeds = torch.empty(seed_shape, dtype=x.dtype, device=x.device).bernoulli_(min(gamma, 1.0))
        # A seed at (i, j) zeroes rows i..i+size-1 and columns j..j+size-1.
        dropped = F.max_pool2d(F.pad(seeds, (size - 1,) * 4), kernel_size=size, stride=1)
        return 1.0 - dropped

    def forward(self, x: Tensor) -> Tensor:
        """Feature maps ``[B, C, H, W]``; identity in eval mode or with ``p = 0``."""
        if not self.training or self.p == 0.0:
            return x
        mask = self.block_mask(x).expand_as(x)
        kept = mask.sum()
        return x * mask * (mask.numel() / kept.clamp_min(1.0))

    def extra_repr(self) -> str:
        """Show ``p`` and ``block_size``."""
        return f"p={self.p}, block_size={self.block_size}"


class DropConnectLinear(nn.Linear):
    """A linear layer whose weights (not activations) are randomly zeroed during training.

    Wan, Zeiler, Zhang, LeCun, Fergus (2013), "Regularization of Neural Networks using
    DropConnect", ICML. Each weight is kept with probability ``1 − p`` and kept weights are scaled
    by ``1 / (1 − p)``; evaluation uses the full weights (the mean network rather than the paper's
    Gaussian moment-matching inference). The bias is not dropped.

    Args:
        in_features: Input size.
        out_features: Output size.
        p: Probability of dropping each weight.
        bias: Learn an additive bias.
        per_sample: Draw a separate weight mask for every example (as in the paper) instead of one
            mask per forward call.

    """

    def __init__(self, in_features: int = 16, out_features: int = 8, p: float = 0.5, bias: bool = True, per_sample: bool = False) -> None:
        super().__init__(in_features, out_features, bias)
        _check_probability(p)
        self.p, self.per_sample = p, per_sample

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``[..., in_features]`` (``[B, in_features]`` when ``per_sample``)."""
        if not self.training or self.p == 0.0:
            return F.linear(x, self.weight, self.bias)
        keep = 1.0 - self.p
        if not self.per_sample:
            mask = torch.empty_like(self.weight).bernoulli_(keep)
            return F.linear(x, self.weight * mask / max(keep, 1e-12), self.bias)
        masks = torch.empty((x.shape[0], *self.weight.shape), dtype=x.dtype, device=x.device).bernoulli_(keep)
        out = torch.einsum("boi,bi->bo", self.weight * masks / max(keep, 1e-12), x)
        return out + self.bias if self.bias is not None else out

    def extra_repr(self) -> str:
        """Linear's summary plus ``p``."""
        return f"{super().extra_repr()}, p={self.p}, per_sample={self.per_sample}"


# --- oracle for the smoke tests ----------------------------------------------------------------


def identity_oracle(module: nn.Module, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """In evaluation mode these layers pass the input through unchanged."""
    return inputs[0]


def linear_oracle(module: DropConnectLinear, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Evaluation-mode DropConnect is the plain affine map ``x Wᵀ + b`` (float64)."""
    out = inputs[0].double() @ module.weight.detach().double().T
    return out + module.bias.detach().double() if module.bias is not None else out
