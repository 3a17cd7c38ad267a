"""Denoising and autoregressive generative models: DDPM, a noise-conditional score network and PixelCNN.

Each forward returns one tensor (predicted noise, score, logits); the objectives and the closed
forms they rest on (``q_sample``, ``denoising_score_matching_loss``, ``loss``) are methods tested
directly. Registrations are in
:mod:`implementations.architectures.generative`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.components.layers.positional import sinusoid_table


class ConditionalDenoiser(nn.Module):
    """A small conv net on images conditioned on a step (or noise-level) index through a sinusoidal embedding.

    A stand-in for the U-Net of DDPM and NCSN, small enough for a smoke test.

    Args:
        channels: Image channels.
        hidden_channels: Channels of the hidden convolutions (even).
        num_steps: Number of distinct step indices.

    """

    steps: Tensor

    def __init__(self, channels: int, hidden_channels: int, num_steps: int) -> None:
        super().__init__()
        self.register_buffer("steps", sinusoid_table(num_steps, hidden_channels))
        self.embed = nn.Sequential(nn.Linear(hidden_channels, hidden_channels), nn.SiLU())
        self.conv_in = nn.Conv2d(channels, hidden_channels, 3, padding=1)
        self.conv_mid = nn.Conv2d(hidden_channels, hidden_channels, 3, padding=1)
        self.conv_out = nn.Conv2d(hidden_channels, channels, 3, padding=1)

    def forward(self, x: Tensor, step: Tensor) -> Tensor:
        """The output for images ``x`` ``[B, C, H, W]`` at integer steps ``[B]``, same shape as ``x``."""
        h = F.silu(self.conv_in(x)) + self.embed(self.steps[step])[:, :, None, None]
        result: Tensor = self.conv_out(F.silu(self.conv_mid(h)))
        return result


class DenoisingDiffusionModel(nn.Module):
    """DDPM: a linear β schedule, the closed-form forward process and a noise-prediction network ``ε_θ(x_t, t)``.

    Ho, Jain & Abbeel (2020), "Denoising Diffusion Probabilistic Models", NeurIPS,
    arXiv:2006.11239. ``q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I)`` with ``ᾱ_t = Π_{s≤t} (1 − β_s)``.

    Args:
        channels: Image channels.
        hidden_channels: Width of the denoiser.
        num_timesteps: ``T``.
        beta_start: ``β_1``.
        beta_end: ``β_T``.

    """

    alpha_bars: Tensor

    def __init__(
        self, channels: int = 3, hidden_channels: int = 32, num_timesteps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02
    ) -> None:
        super().__init__()
        self.denoiser = ConditionalDenoiser(channels, hidden_channels, num_timesteps)
        betas = torch.linspace(beta_start, beta_end, num_timesteps, dtype=torch.float64)
        self.register_buffer("alpha_bars", torch.cumprod(1 - betas, 0).float())

    def forward(self, x_t: Tensor, t: Tensor) -> Tensor:
        """The predicted noise ``ε_θ(x_t, t)``, shaped like ``x_t``."""
        result: Tensor = self.denoiser(x_t, t)
        return result

    def q_sample(self, x0: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """``x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε``: a draw from the forward process at steps ``t`` ``[B]``."""
        alpha_bar = self.alpha_bars[t].view(-1, *([1] * (x0.dim() - 1)))
        return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * noise

    def loss(self, x0: Tensor) -> Tensor:
        """``L_simple = ‖ε − ε_θ(x_t, t)‖²`` at uniformly drawn steps, averaged."""
        t = torch.randint(0, self.alpha_bars.shape[0], (x0.shape[0],), device=x0.device)
        noise = torch.randn_like(x0)
        return F.mse_loss(self(self.q_sample(x0, t, noise), t), noise)


class NoiseConditionalScoreNetwork(nn.Module):
    """A score network ``s_θ(x, σ_i) ≈ ∇_x log p_{σ_i}(x)`` over a geometric ladder of noise levels.

    Song & Ermon (2019), "Generative Modeling by Estimating Gradients of the Data Distribution",
    NeurIPS, arXiv:1907.05600; trained by denoising score matching (Vincent 2011), weighted by
    ``λ(σ) = σ²``. The score is the net's output divided by σ (Song & Ermon 2020, arXiv:2006.09011).

    Args:
        channels: Image channels.
        hidden_channels: Width of the score network.
        num_noise_levels: Number of levels ``L``.
        sigma_max: Largest σ.
        sigma_min: Smallest σ.

    """

    sigmas: Tensor

    def __init__(
        self, channels: int = 3, hidden_channels: int = 32, num_noise_levels: int = 10, sigma_max: float = 1.0, sigma_min: float = 0.01
    ) -> None:
        super().__init__()
        self.net = ConditionalDenoiser(channels, hidden_channels, num_noise_levels)
        sigmas = torch.exp(torch.linspace(math.log(sigma_max), math.log(sigma_min), num_noise_levels))
        self.register_buffer("sigmas", sigmas)

    def forward(self, x: Tensor, level: Tensor) -> Tensor:
        """The estimated score at noise levels ``level`` ``[B]`` (indices into ``sigmas``), shaped like ``x``."""
        sigma = self.sigmas[level].view(-1, *([1] * (x.dim() - 1)))
        result: Tensor = self.net(x, level) / sigma
        return result

    def denoising_score_matching_loss(self, x: Tensor, level: Tensor, noise: Tensor) -> Tensor:
        """``½ E[σ² ‖s_θ(x + σz, σ) + z/σ‖²]``: the perturbation kernel's score is ``−(x̃ − x)/σ² = −z/σ``."""
        sigma = self.sigmas[level].view(-1, *([1] * (x.dim() - 1)))
        score: Tensor = self(x + sigma * noise, level)
        return 0.5 * (sigma.pow(2) * (score + noise / sigma).pow(2)).flatten(1).sum(-1).mean()


class MaskedConv2d(nn.Conv2d):
    """A convolution that sees only pixels above, and left of, the centre (type A) or also the centre (type B)."""

    mask: Tensor

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, mask_type: str) -> None:
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        centre = kernel_size // 2
        mask = torch.ones_like(self.weight)
        mask[:, :, centre, centre + (mask_type == "B") :] = 0
        mask[:, :, centre + 1 :] = 0
        self.register_buffer("mask", mask)

    def forward(self, x: Tensor) -> Tensor:
        """The masked convolution."""
        out: Tensor = self._conv_forward(x, self.weight * self.mask, self.bias)
        return out


class PixelCNN(nn.Module):
    """An autoregressive image model: a type-A masked convolution, type-B masked layers, per-pixel softmax over levels.

    van den Oord, Kalchbrenner & Kavukcuoglu (2016), "Pixel Recurrent Neural Networks", ICML,
    arXiv:1601.06759. The output at a pixel depends only on the pixels before it in raster order;
    the channels of one pixel are predicted together (no R → G → B ordering within a pixel).

    Args:
        in_channels: Image channels.
        hidden_channels: Channels of the masked layers.
        num_layers: Number of type-B 3×3 layers.
        num_levels: Intensity levels of the softmax (256 in the paper).

    """

    def __init__(self, in_channels: int = 1, hidden_channels: int = 32, num_layers: int = 4, num_levels: int = 16) -> None:
        super().__init__()
        self.num_levels = num_levels
        layers: list[nn.Module] = [MaskedConv2d(in_channels, hidden_channels, 7, "A")]
        for _ in range(num_layers):
            layers += [nn.ReLU(), MaskedConv2d(hidden_channels, hidden_channels, 3, "B")]
        layers += [nn.ReLU(), MaskedConv2d(hidden_channels, in_channels * num_levels, 1, "B")]
        self.net = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        """Logits ``[B, num_levels, C, H, W]`` for images ``x`` in [0, 1]."""
        logits: Tensor = self.net(x)
        return logits.reshape(x.shape[0], x.shape[1], self.num_levels, *x.shape[2:]).transpose(1, 2)

    def loss(self, x: Tensor) -> Tensor:
        """Negative log-likelihood (nats per sub-pixel) of ``x`` quantised to ``num_levels`` levels."""
        target = (x.clamp(0, 1) * (self.num_levels - 1)).round().long()
        return F.cross_entropy(self(x), target)
