"""DDPM's forward process, denoising score matching and PixelCNN's causality against closed forms."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from implementations.architectures.generative_density import DenoisingDiffusionModel, NoiseConditionalScoreNetwork, PixelCNN


def test_ddpm_alpha_bar_is_the_product_of_one_minus_beta() -> None:
    model = DenoisingDiffusionModel(num_timesteps=10, beta_start=0.1, beta_end=0.5)
    betas = [0.1 + i * 0.4 / 9 for i in range(10)]
    expected, running = [], 1.0
    for beta in betas:
        running *= 1 - beta
        expected.append(running)
    assert torch.allclose(model.alpha_bars, torch.tensor(expected), atol=1e-6)


def test_forward_noising_has_mean_sqrt_alpha_bar_x0_and_variance_one_minus_alpha_bar() -> None:
    torch.manual_seed(0)
    model = DenoisingDiffusionModel()
    x0 = torch.tensor([[1.0, -2.0, 0.5]]).expand(100_000, 3)
    t = torch.full((100_000,), 300)
    x_t = model.q_sample(x0, t, torch.randn(100_000, 3))
    alpha_bar = model.alpha_bars[300]
    assert torch.allclose(x_t.mean(0), alpha_bar.sqrt() * x0[0], atol=0.01)
    assert torch.allclose(x_t.var(0), (1 - alpha_bar).expand(3), atol=0.01)


def test_ddpm_predicts_noise_shaped_like_the_image_and_its_loss_trains_every_parameter() -> None:
    torch.manual_seed(0)
    model, x0 = DenoisingDiffusionModel(channels=1, hidden_channels=8, num_timesteps=50), torch.randn(3, 1, 8, 8)
    assert model(x0, torch.tensor([0, 10, 49])).shape == x0.shape
    model.loss(x0).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_denoising_score_matching_targets_the_score_of_the_gaussian_perturbation_kernel() -> None:
    torch.manual_seed(0)
    model = NoiseConditionalScoreNetwork(channels=1, hidden_channels=8, num_noise_levels=5)
    assert torch.allclose(model.sigmas[1:] / model.sigmas[:-1], (model.sigmas[1] / model.sigmas[0]).expand(4))
    x, noise, level = torch.randn(2, 1, 4, 4), torch.randn(2, 1, 4, 4), torch.tensor([0, 3])
    sigma = model.sigmas[level].view(-1, 1, 1, 1)
    perturbed = (x + sigma * noise).requires_grad_(True)
    log_kernel = torch.distributions.Normal(x, sigma).log_prob(perturbed).sum()
    (true_score,) = torch.autograd.grad(log_kernel, perturbed)
    assert torch.allclose(true_score, -noise / sigma, atol=1e-4)
    score = model(x + sigma * noise, level)
    expected = 0.5 * (sigma**2 * (score - true_score) ** 2).sum((1, 2, 3)).mean()
    assert torch.allclose(model.denoising_score_matching_loss(x, level, noise), expected, atol=1e-5)


def test_pixelcnn_output_at_a_pixel_depends_only_on_earlier_pixels_in_raster_order() -> None:
    torch.manual_seed(0)
    model = PixelCNN(in_channels=2, hidden_channels=8, num_layers=2, num_levels=4)
    x = torch.rand(1, 2, 6, 6, requires_grad=True)
    logits = model(x)
    assert logits.shape == (1, 4, 2, 6, 6)
    for row in range(6):
        for col in range(6):
            (grad,) = torch.autograd.grad(logits[..., row, col].sum(), x, retain_graph=True)
            seen = grad.abs().sum(1)[0].flatten() > 0
            position = row * 6 + col
            assert not seen[position:].any(), f"pixel {(row, col)} sees itself or later pixels"
            assert position == 0 or seen[:position].any()


def test_pixelcnn_loss_is_the_cross_entropy_of_quantised_intensities() -> None:
    torch.manual_seed(0)
    model, x = PixelCNN(num_levels=4), torch.rand(2, 1, 5, 5)
    target = (x * 3).round().long()
    assert torch.allclose(model.loss(x), F.cross_entropy(model(x), target))
