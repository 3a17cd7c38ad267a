"""Adversarial generators: GAN, Wasserstein GAN (weight clipping or gradient penalty) and a tiny StyleGAN generator.

The GAN modules' forward is ``discriminator(generator(z))``; :func:`gan_training_step` runs one
discriminator update and one generator update with the model's own losses. Registrations are in
:mod:`implementations.architectures.generative`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.architectures.feedforward import build_mlp
from implementations.components.training.penalties import gradient_penalty


class GenerativeAdversarialNetwork(nn.Module):
    """An MLP generator and an MLP discriminator (returning logits), with the non-saturating GAN losses.

    Goodfellow, Pouget-Abadie, Mirza, Xu, Warde-Farley, Ozair, Courville & Bengio (2014),
    "Generative Adversarial Nets", NeurIPS, arXiv:1406.2661. The generator maximises
    ``log D(G(z))`` (the paper's recommended non-saturating form); the discriminator's sigmoid is
    folded into a logits loss for numerical stability.

    Args:
        latent_dim: Size of the noise ``z``.
        hidden_features: Hidden width of both networks.
        data_features: Width of a data sample.

    """

    def __init__(self, latent_dim: int = 8, hidden_features: int = 32, data_features: int = 16) -> None:
        super().__init__()
        self.generator = build_mlp(latent_dim, hidden_features, data_features, depth=2)
        self.discriminator = build_mlp(data_features, hidden_features, 1, depth=2)

    def forward(self, z: Tensor) -> Tensor:
        """``D(G(z))``: the discriminator's score ``[B, 1]`` of generated samples."""
        result: Tensor = self.discriminator(self.generator(z))
        return result

    def discriminator_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        """``−log D(x) − log(1 − D(G(z)))``, averaged."""
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits)) + F.binary_cross_entropy_with_logits(
            fake_logits, torch.zeros_like(fake_logits)
        )

    def generator_loss(self, fake: Tensor) -> Tensor:
        """``−log D(G(z))``, averaged (non-saturating)."""
        logits = self.discriminator(fake)
        return F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))


class WassersteinGAN(GenerativeAdversarialNetwork):
    """A GAN whose critic outputs an unbounded score, kept Lipschitz by weight clipping or a gradient penalty.

    Arjovsky, Chintala & Bottou (2017), "Wasserstein Generative Adversarial Networks", ICML,
    arXiv:1701.07875: train the critic with the registered ``weight-clipping`` optimizer
    (:class:`~implementations.components.training.optim_wrappers.WeightClipping`: RMSProp, then
    every weight clamped to ``[−c, c]``). Gulrajani et al. (2017), arXiv:1704.00028 (WGAN-GP):
    with ``gradient_penalty_weight > 0`` the critic loss carries the penalty instead, and a plain
    optimizer (Adam) is used.

    Args:
        latent_dim: Size of the noise ``z``.
        hidden_features: Hidden width of generator and critic.
        data_features: Width of a data sample.
        gradient_penalty_weight: λ of the gradient penalty (0 for the original, clipped WGAN; 10 in WGAN-GP).

    """

    def __init__(
        self, latent_dim: int = 8, hidden_features: int = 32, data_features: int = 16, gradient_penalty_weight: float = 0.0
    ) -> None:
        super().__init__(latent_dim, hidden_features, data_features)
        self.gradient_penalty_weight = gradient_penalty_weight

    def discriminator_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        """Critic loss ``E[D(G(z))] − E[D(x)]`` (+ λ · gradient penalty)."""
        loss: Tensor = self.discriminator(fake).mean() - self.discriminator(real).mean()
        if self.gradient_penalty_weight > 0:
            loss = loss + self.gradient_penalty_weight * gradient_penalty(self.discriminator, real, fake)
        return loss

    def generator_loss(self, fake: Tensor) -> Tensor:
        """``−E[D(G(z))]``."""
        score: Tensor = self.discriminator(fake).mean()
        return -score


def gan_training_step(
    model: GenerativeAdversarialNetwork,
    real: Tensor,
    z: Tensor,
    discriminator_optimizer: torch.optim.Optimizer,
    generator_optimizer: torch.optim.Optimizer,
) -> tuple[float, float]:
    """One discriminator (critic) update on ``real`` and ``G(z)``, then one generator update; returns both losses.

    The losses are the model's (GAN or WGAN); WGAN's weight clipping is the critic optimizer's
    (``weight-clipping``). Each call does one step of each network (WGAN's ``n_critic`` = 1).
    """
    discriminator_optimizer.zero_grad()
    discriminator_loss = model.discriminator_loss(real, model.generator(z).detach())
    discriminator_loss.backward()  # type: ignore[no-untyped-call]
    discriminator_optimizer.step()
    generator_optimizer.zero_grad()
    generator_loss = model.generator_loss(model.generator(z))
    generator_loss.backward()  # type: ignore[no-untyped-call]
    generator_optimizer.step()
    return float(discriminator_loss.detach()), float(generator_loss.detach())


class AdaptiveInstanceNorm(nn.Module):
    """``AdaIN(x, w) = y_s · (x − μ(x)) / σ(x) + y_b`` with ``(y_s, y_b) = A(w)``, a learned affine map of the style."""

    def __init__(self, channels: int, w_dim: int) -> None:
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels)
        self.style = nn.Linear(w_dim, 2 * channels)
        with torch.no_grad():  # y_s starts at 1 and y_b at 0, as in the paper
            self.style.bias[:channels].fill_(1.0)
            self.style.bias[channels:].zero_()

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        """Normalise each channel of ``x`` ``[B, C, H, W]`` and re-style it from ``w`` ``[B, w_dim]``."""
        scale, bias = self.style(w)[:, :, None, None].chunk(2, dim=1)
        result: Tensor = scale * self.norm(x) + bias
        return result


class StyledLayer(nn.Module):
    """Optional 2× upsampling and 3×3 convolution, per-pixel noise with a learned per-channel scale, LeakyReLU, AdaIN."""

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, upsample: bool = False, conv: bool = True) -> None:
        super().__init__()
        self.upsample = upsample
        self.conv = nn.Conv2d(in_channels, out_channels, 3, padding=1) if conv else nn.Identity()
        self.noise_scale = nn.Parameter(torch.zeros(1, out_channels, 1, 1))
        self.adain = AdaptiveInstanceNorm(out_channels, w_dim)

    def forward(self, x: Tensor, w: Tensor) -> Tensor:
        """Apply the layer to ``x`` under style ``w``."""
        if self.upsample:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = self.conv(x)
        x = x + self.noise_scale * torch.randn(x.shape[0], 1, *x.shape[2:], dtype=x.dtype, device=x.device)
        result: Tensor = self.adain(F.leaky_relu(x, 0.2), w)
        return result


class StyleGANGenerator(nn.Module):
    """A mapping MLP ``z → w`` and a synthesis network from a learned 4×4 constant, styled by AdaIN at every layer.

    Karras, Laine & Aila (2019), "A Style-Based Generator Architecture for Generative Adversarial
    Networks", CVPR, arXiv:1812.04948. Scaled down: fewer mapping layers (the paper has 8), few
    channels, no equalised learning rate, truncation or style mixing.

    Args:
        latent_dim: Size of ``z``.
        w_dim: Size of the intermediate latent ``w``.
        mapping_layers: Depth of the mapping MLP.
        channels: Channels of every synthesis layer.
        num_blocks: Synthesis blocks; the output side is ``4 · 2^(num_blocks − 1)``.
        out_channels: Channels of the generated image.

    """

    def __init__(
        self, latent_dim: int = 32, w_dim: int = 32, mapping_layers: int = 4, channels: int = 32, num_blocks: int = 2, out_channels: int = 3
    ) -> None:
        super().__init__()
        mapping: list[nn.Module] = []
        for index in range(mapping_layers):
            mapping += [nn.Linear(latent_dim if index == 0 else w_dim, w_dim), nn.LeakyReLU(0.2)]
        self.mapping = nn.Sequential(*mapping)
        self.constant = nn.Parameter(torch.ones(1, channels, 4, 4))
        layers = [StyledLayer(channels, channels, w_dim, conv=False), StyledLayer(channels, channels, w_dim)]
        for _ in range(num_blocks - 1):
            layers += [StyledLayer(channels, channels, w_dim, upsample=True), StyledLayer(channels, channels, w_dim)]
        self.synthesis = nn.ModuleList(layers)
        self.to_rgb = nn.Conv2d(channels, out_channels, 1)

    def forward(self, z: Tensor) -> Tensor:
        """Images ``[B, out_channels, side, side]`` from latents ``z`` ``[B, latent_dim]``."""
        w = self.mapping(z * torch.rsqrt(z.pow(2).mean(-1, keepdim=True) + 1e-8))  # pixel norm of z
        x = self.constant.expand(z.shape[0], -1, -1, -1)
        for layer in self.synthesis:
            x = layer(x, w)
        result: Tensor = self.to_rgb(x)
        return result
