"""Gated feed-forward units for Transformer blocks: SwiGLU and GeGLU.

Both compute ``FFN(x) = (act(x W) ⊙ x V) W₂``: one projection, passed through an activation,
gates a second, linear projection elementwise before the output projection.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def default_hidden_dim(dim: int) -> int:
    """``⌊8·dim/3⌋``: three matrices of this width cost as much as a ``4·dim`` two-matrix FFN."""
    return max(1, (8 * dim) // 3)


class GatedFeedForward(nn.Module):
    """``(act(x W) ⊙ x V) W₂`` with a configurable activation.

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202, building on
    Dauphin, Fan, Auli, Grangier (2017), "Language Modeling with Gated Convolutional Networks",
    arXiv:1612.08083.

    Args:
        dim: Input and output width.
        hidden_dim: Width of the gated hidden layer (default ``⌊8·dim/3⌋``).
        bias: Whether the three projections have biases (the paper uses none).
        activation: The gate's nonlinearity.

    """

    def __init__(self, dim: int, hidden_dim: int | None, bias: bool, activation: Callable[[Tensor], Tensor]) -> None:
        super().__init__()
        hidden = default_hidden_dim(dim) if hidden_dim is None else hidden_dim
        self.dim, self.hidden_dim, self.activation = dim, hidden, activation
        self.w = nn.Linear(dim, hidden, bias=bias)  # gate projection W
        self.v = nn.Linear(dim, hidden, bias=bias)  # value projection V
        self.w2 = nn.Linear(hidden, dim, bias=bias)  # output projection W₂

    def forward(self, x: Tensor) -> Tensor:
        """Apply the unit to the last axis of ``x`` (``[..., dim]``)."""
        out: Tensor = self.w2(self.activation(self.w(x)) * self.v(x))
        return out


class SwiGLU(GatedFeedForward):
    """Swish-gated linear unit: ``(Swish₁(x W) ⊙ x V) W₂`` with ``Swish₁(z) = z·σ(z)`` (SiLU).

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202.

    Args:
        dim: Input and output width.
        hidden_dim: Hidden width (default ``⌊8·dim/3⌋``).
        bias: Whether the projections have biases.

    """

    def __init__(self, dim: int, hidden_dim: int | None = None, bias: bool = False) -> None:
        super().__init__(dim, hidden_dim, bias, F.silu)


class GeGLU(GatedFeedForward):
    """GELU-gated linear unit: ``(GELU(x W) ⊙ x V) W₂`` with the exact (erf) GELU.

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202; GELU from
    Hendrycks & Gimpel (2016), arXiv:1606.08415.

    Args:
        dim: Input and output width.
        hidden_dim: Hidden width (default ``⌊8·dim/3⌋``).
        bias: Whether the projections have biases.

    """

    def __init__(self, dim: int, hidden_dim: int | None = None, bias: bool = False) -> None:
        super().__init__(dim, hidden_dim, bias, F.gelu)


class ReGLU(GatedFeedForward):
    """ReLU-gated linear unit: ``(ReLU(x W) ⊙ x V) W₂``.

    Reference: Shazeer (2020), "GLU Variants Improve Transformer", arXiv:2002.05202.

    Args:
        dim: Input and output width.
        hidden_dim: Hidden width (default ``⌊8·dim/3⌋``).
        bias: Whether the projections have biases.

    """

    def __init__(self, dim: int, hidden_dim: int | None = None, bias: bool = False) -> None:
        super().__init__(dim, hidden_dim, bias, F.relu)


# --- Oracles: the closed form in float64 from the module's own weights -----------------------------


def _affine(x: Tensor, layer: nn.Linear) -> Tensor:
    y = x @ layer.weight.double().T
    return y + layer.bias.double() if layer.bias is not None else y


def swiglu_oracle(module: GatedFeedForward, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """silu(x W) ⊙ (x V) W₂ with silu(z) = z / (1 + e^−z)."""
    x = inputs[0].double()
    gate = _affine(x, module.w)
    return _affine(gate / (1.0 + torch.exp(-gate)) * _affine(x, module.v), module.w2)


def geglu_oracle(module: GatedFeedForward, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """GELU(x W) ⊙ (x V) W₂ with GELU(z) = z · Φ(z) = z · (1 + erf(z/√2)) / 2."""
    x = inputs[0].double()
    gate = _affine(x, module.w)
    return _affine(gate * 0.5 * (1.0 + torch.erf(gate / math.sqrt(2.0))) * _affine(x, module.v), module.w2)


def reglu_oracle(module: GatedFeedForward, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """max(x W, 0) ⊙ (x V) W₂."""
    x = inputs[0].double()
    return _affine(_affine(x, module.w).clamp(min=0.0) * _affine(x, module.v), module.w2)
