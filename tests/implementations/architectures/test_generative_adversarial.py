"""GAN and WGAN training steps, the gradient penalty's closed form, StyleGAN's AdaIN and mapping network."""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.optim import Optimizer

from implementations.architectures.generative_adversarial import (
    AdaptiveInstanceNorm,
    GenerativeAdversarialNetwork,
    StyleGANGenerator,
    WassersteinGAN,
    gan_training_step,
)
from implementations.components.training.optim_wrappers import WeightClipping
from implementations.components.training.penalties import gradient_penalty
from implementations.registry.factory import create
from implementations.registry.smoke import run_smoke_test


def _changed(before: nn.Module, after: nn.Module) -> bool:
    return all(not torch.equal(a, b) for a, b in zip(before.parameters(), after.parameters(), strict=True))


def _step(model: GenerativeAdversarialNetwork, lr: float = 0.05, d_opt: Optimizer | None = None) -> tuple[float, float, float]:
    """The step's discriminator loss, and the discriminator loss on the step's batch before and after it."""
    torch.manual_seed(1)
    real, z = torch.randn(16, 16) + 2.0, torch.randn(16, 8)
    fake = model.generator(z).detach()
    before = float(model.discriminator_loss(real, fake).detach())
    d_opt = d_opt or torch.optim.SGD(model.discriminator.parameters(), lr=lr)
    g_opt = torch.optim.SGD(model.generator.parameters(), lr=lr)
    d_loss, _ = gan_training_step(model, real, z, d_opt, g_opt)
    return d_loss, before, float(model.discriminator_loss(real, fake).detach())


def test_gan_training_step_updates_both_networks_and_lowers_the_discriminator_loss_on_its_batch() -> None:
    torch.manual_seed(0)
    model = GenerativeAdversarialNetwork()
    initial = copy.deepcopy(model)
    d_loss, before, after = _step(model)
    assert abs(d_loss - before) < 1e-6
    assert _changed(initial.generator, model.generator) and _changed(initial.discriminator, model.discriminator)
    assert after < before


def test_gan_losses_are_the_non_saturating_binary_cross_entropies() -> None:
    torch.manual_seed(0)
    model, real, fake = GenerativeAdversarialNetwork(), torch.randn(8, 16), torch.randn(8, 16)
    d_real, d_fake = torch.sigmoid(model.discriminator(real)), torch.sigmoid(model.discriminator(fake))
    expected = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    assert torch.allclose(model.discriminator_loss(real, fake), expected, atol=1e-5)
    assert torch.allclose(model.generator_loss(fake), -torch.log(d_fake).mean(), atol=1e-5)
    assert model(torch.randn(3, 8)).shape == (3, 1)


def test_wgan_step_with_the_weight_clipping_optimizer_clips_every_critic_weight() -> None:
    torch.manual_seed(0)
    model = WassersteinGAN()
    _step(model, d_opt=WeightClipping(model.discriminator.parameters(), base="sgd", lr=0.5, clip=0.01))
    assert all(p.abs().max() <= 0.01 for p in model.discriminator.parameters())
    real, fake = torch.randn(8, 16), torch.randn(8, 16)
    expected = model.discriminator(fake).mean() - model.discriminator(real).mean()
    assert torch.allclose(model.discriminator_loss(real, fake), expected)
    assert torch.allclose(model.generator_loss(fake), -model.discriminator(fake).mean())


def test_gradient_penalty_of_a_linear_critic_is_the_squared_distance_of_its_norm_from_one() -> None:
    torch.manual_seed(0)
    critic = nn.Linear(5, 1)
    real, fake = torch.randn(9, 5), torch.randn(9, 5)
    expected = (critic.weight.norm() - 1) ** 2
    penalty = gradient_penalty(critic, real, fake)
    assert torch.allclose(penalty, expected, atol=1e-6)
    penalty.backward()  # differentiable in the critic's weights (double backprop)
    assert critic.weight.grad is not None and critic.weight.grad.abs().sum() > 0


def test_wgan_gp_adds_the_penalty_and_does_not_clip() -> None:
    torch.manual_seed(0)
    model = WassersteinGAN(gradient_penalty_weight=10.0)
    _step(model, lr=0.5)
    assert max(float(p.detach().abs().max()) for p in model.discriminator.parameters()) > 0.01
    assert run_smoke_test("wgan", {"gradient_penalty_weight": 10.0}).ok


def test_adain_sets_each_channel_mean_and_std_from_the_style() -> None:
    torch.manual_seed(0)
    adain, x, w = AdaptiveInstanceNorm(channels=3, w_dim=5), torch.randn(2, 3, 16, 16) * 4 + 1, torch.randn(2, 5)
    scale, bias = adain.style(w).chunk(2, dim=1)
    out = adain(x, w)
    assert torch.allclose(out.mean((2, 3)), bias, atol=1e-4)
    assert torch.allclose(out.std((2, 3), unbiased=False), scale.abs(), atol=1e-3)


def test_stylegan_mapping_ignores_the_scale_of_z_and_blocks_set_the_resolution() -> None:
    torch.manual_seed(0)
    model = StyleGANGenerator(num_blocks=3).eval()
    z = torch.randn(2, 32)
    torch.manual_seed(5)
    first = model(z)
    torch.manual_seed(5)
    assert torch.allclose(model(3 * z), first, atol=1e-5)  # pixel norm of z
    assert first.shape == (2, 3, 16, 16)
    assert create("stylegan", num_blocks=1, out_channels=1)(z).shape == (2, 1, 4, 4)
