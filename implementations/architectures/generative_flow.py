"""Normalizing flows: RealNVP affine couplings and planar flows, with exact log-determinants.

Registrations are in :mod:`implementations.architectures.generative`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.architectures.feedforward import build_mlp
from implementations.architectures.generative_latent import standard_normal_log_density


class AffineCoupling(nn.Module):
    """``y = x_m + (1 − m) ⊙ (x ⊙ exp(s(x_m)) + t(x_m))`` with ``x_m = m ⊙ x``: invertible, log-det ``Σ s``."""

    mask: Tensor

    def __init__(self, features: int, hidden_features: int, mask: Tensor) -> None:
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = build_mlp(features, hidden_features, 2 * features, depth=2)

    def _scale_shift(self, x_masked: Tensor) -> tuple[Tensor, Tensor]:
        scale, shift = self.net(x_masked).chunk(2, dim=-1)
        return torch.tanh(scale) * (1 - self.mask), shift * (1 - self.mask)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(y, log |det ∂y/∂x|)``."""
        scale, shift = self._scale_shift(x * self.mask)
        return x * self.mask + (1 - self.mask) * (x * scale.exp() + shift), scale.sum(-1)

    def inverse(self, y: Tensor) -> Tensor:
        """``x`` from ``y`` (the masked half passes unchanged, so ``s`` and ``t`` are recomputed from it)."""
        scale, shift = self._scale_shift(y * self.mask)
        return y * self.mask + (1 - self.mask) * (y - shift) * (-scale).exp()


class RealNVP(nn.Module):
    """A normalizing flow of affine coupling layers with alternating masks, on vectors, with a standard-normal base.

    Dinh, Sohl-Dickstein & Bengio (2017), "Density estimation using Real NVP", ICLR,
    arXiv:1605.08803 (MLP couplings on vectors; the paper's image flows use convolutional
    ResNets with checkerboard and channel masks).

    Args:
        in_features: Data width.
        hidden_features: Width of each coupling's scale/shift MLP.
        num_couplings: Number of coupling layers (masks alternate between even and odd entries).

    """

    def __init__(self, in_features: int = 8, hidden_features: int = 32, num_couplings: int = 4) -> None:
        super().__init__()
        even = (torch.arange(in_features) % 2 == 0).float()
        self.couplings = nn.ModuleList(
            AffineCoupling(in_features, hidden_features, even if i % 2 == 0 else 1 - even) for i in range(num_couplings)
        )

    def forward_and_log_det(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(z, log |det ∂z/∂x|)`` per example."""
        log_det = torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)
        for coupling in self.couplings:
            x, step = coupling(x)
            log_det = log_det + step
        return x, log_det

    def forward(self, x: Tensor) -> Tensor:
        """The latent ``z = f(x)``."""
        return self.forward_and_log_det(x)[0]

    def inverse(self, z: Tensor) -> Tensor:
        """``x = f⁻¹(z)``: the couplings inverted in reverse order."""
        for coupling in reversed(self.couplings):
            assert isinstance(coupling, AffineCoupling)
            z = coupling.inverse(z)
        return z

    def log_prob(self, x: Tensor) -> Tensor:
        """Exact ``log p(x) = log N(f(x); 0, I) + log |det ∂f/∂x|`` per example."""
        z, log_det = self.forward_and_log_det(x)
        return standard_normal_log_density(z) + log_det


class PlanarFlow(nn.Module):
    """A stack of planar maps ``f(z) = z + û tanh(wᵀz + b)``, from base samples to data, with exact log-determinants.

    Rezende & Mohamed (2015), "Variational Inference with Normalizing Flows", ICML,
    arXiv:1505.05770. ``û = u + (m(wᵀu) − wᵀu) w / ‖w‖²`` with ``m(x) = −1 + softplus(x)`` keeps
    ``wᵀû ≥ −1``, so every map is invertible (Appendix A.1); ``log |det ∂f/∂z| = log |1 + ûᵀψ(z)|``
    with ``ψ(z) = tanh′(wᵀz + b) w``. The inverse has no closed form.

    Args:
        in_features: Dimension of ``z``.
        num_layers: Number of planar maps.

    """

    def __init__(self, in_features: int = 8, num_layers: int = 4) -> None:
        super().__init__()
        self.u = nn.Parameter(0.1 * torch.randn(num_layers, in_features))
        self.w = nn.Parameter(0.1 * torch.randn(num_layers, in_features))
        self.b = nn.Parameter(torch.zeros(num_layers))

    def constrained_u(self) -> Tensor:
        """``û`` per layer ``[K, D]``: ``u`` moved along ``w`` until ``wᵀû ≥ −1``."""
        wu = (self.w * self.u).sum(-1, keepdim=True)
        return self.u + (F.softplus(wu) - 1 - wu) * self.w / self.w.pow(2).sum(-1, keepdim=True)

    def forward_and_log_det(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """``(f_K ∘ … ∘ f_1(z), Σ_k log |det ∂f_k/∂z|)`` per example."""
        log_det = torch.zeros(z.shape[0], dtype=z.dtype, device=z.device)
        for u, w, b in zip(self.constrained_u(), self.w, self.b, strict=True):
            activation = torch.tanh(z @ w + b)
            log_det = log_det + torch.log((1 + (1 - activation.pow(2)) * (w @ u)).abs())
            z = z + activation[:, None] * u
        return z, log_det

    def forward(self, z: Tensor) -> Tensor:
        """Transformed samples ``x = f(z)``."""
        return self.forward_and_log_det(z)[0]

    def sample_log_prob(self, z: Tensor) -> Tensor:
        """``log p(x)`` of ``x = f(z)`` for base samples ``z ~ N(0, I)``: ``log N(z) − Σ log |det ∂f_k/∂z|``."""
        return standard_normal_log_density(z) - self.forward_and_log_det(z)[1]
