"""Autoencoders: sparsity penalty, VAE KL/ELBO closed forms and reparameterisation, VQ straight-through and commitment."""

from __future__ import annotations

import math

import torch

from implementations.architectures.generative_latent import (
    Autoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
    VectorQuantizer,
    build_neural_audio_codec,
    build_vq_vae,
)
from implementations.registry.factory import create


def test_autoencoder_reconstructs_through_a_narrow_code_and_its_loss_is_the_mse() -> None:
    torch.manual_seed(0)
    model, x = Autoencoder(in_features=16, code_features=3), torch.randn(5, 16)
    assert model.encoder(x).shape == (5, 3)
    assert torch.allclose(model.loss(x), ((model(x) - x) ** 2).mean())


def test_sparse_autoencoder_penalty_is_lambda_times_the_l1_norm_of_relu_features() -> None:
    torch.manual_seed(0)
    model, a = SparseAutoencoder(in_features=8, dictionary_size=32, l1_coefficient=0.1), torch.randn(6, 8)
    features = torch.relu((a - model.decoder.bias) @ model.encoder.weight.T + model.encoder.bias)
    assert (model.features(a) >= 0).all() and torch.allclose(model.features(a), features)
    assert torch.allclose(model.sparsity_penalty(a), 0.1 * features.abs().sum(-1).mean())
    reconstruction = features @ model.decoder.weight.T + model.decoder.bias
    assert torch.allclose(model.loss(a), ((reconstruction - a) ** 2).sum(-1).mean() + 0.1 * features.sum(-1).mean())
    model.sparsity_penalty(a).backward()
    assert model.encoder.weight.grad is not None and model.encoder.weight.grad.abs().sum() > 0


def test_vae_kl_matches_the_closed_form_of_diagonal_gaussians() -> None:
    torch.manual_seed(0)
    mu, log_var = torch.randn(7, 4), torch.randn(7, 4)
    posterior = torch.distributions.Normal(mu, torch.exp(0.5 * log_var))
    expected = torch.distributions.kl_divergence(posterior, torch.distributions.Normal(0.0, 1.0)).sum(-1)
    assert torch.allclose(VariationalAutoencoder.kl_divergence(mu, log_var), expected, atol=1e-5)
    assert torch.allclose(VariationalAutoencoder.kl_divergence(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2))


def test_reparameterised_samples_have_the_posterior_mean_and_std_and_pass_gradients() -> None:
    torch.manual_seed(0)
    mu = torch.tensor([1.5, -2.0], requires_grad=True)
    log_var = torch.log(torch.tensor([0.25, 4.0])).requires_grad_(True)
    z = VariationalAutoencoder.reparameterize(mu.expand(200_000, 2), log_var.expand(200_000, 2))
    assert torch.allclose(z.mean(0), torch.tensor([1.5, -2.0]), atol=0.02)
    assert torch.allclose(z.std(0), torch.tensor([0.5, 2.0]), atol=0.02)
    z.mean(0).sum().backward()
    assert torch.allclose(mu.grad, torch.ones(2))  # ∂z/∂μ = 1


def test_elbo_equals_a_hand_computation_with_the_same_noise() -> None:
    torch.manual_seed(0)
    model, x = VariationalAutoencoder(in_features=6, latent_dim=3, beta=2.0), torch.randn(4, 6)
    torch.manual_seed(1)
    got = model.elbo(x)
    torch.manual_seed(1)
    mu, log_var = model.encoder(x).chunk(2, -1)
    z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
    log_likelihood = (-0.5 * (x - model.decoder(z)) ** 2 - 0.5 * math.log(2 * math.pi)).sum(-1)
    kl = 0.5 * (mu**2 + log_var.exp() - 1 - log_var).sum(-1)
    assert got.shape == (4,)
    assert torch.allclose(got, log_likelihood - 2.0 * kl, atol=1e-5)
    assert torch.equal(model.eval()(x), model.decoder(mu))  # eval mode decodes the posterior mean


def _nearest(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    return torch.stack([codebook[min(range(len(codebook)), key=lambda k: float(((row - codebook[k]) ** 2).sum()))] for row in z])


def test_quantizer_picks_the_nearest_codeword_and_the_commitment_loss_has_its_closed_form() -> None:
    torch.manual_seed(0)
    quantizer = VectorQuantizer(num_embeddings=10, embedding_dim=3, commitment_cost=0.25).eval()
    z = torch.randn(12, 3, requires_grad=True)
    quantized, indices = quantizer.lookup(z)
    expected = _nearest(z.detach(), quantizer.codebooks[0])
    assert torch.equal(quantized, expected) and indices.shape == (12, 1)
    assert torch.allclose(quantizer.commitment_loss(z, quantized), 0.25 * ((z.detach() - expected) ** 2).mean())


def test_straight_through_copies_the_gradient_to_the_encoder_output() -> None:
    torch.manual_seed(0)
    quantizer = VectorQuantizer(num_embeddings=10, embedding_dim=3).eval()
    z = torch.randn(5, 3, requires_grad=True)
    out = quantizer(z)
    assert torch.allclose(out.detach(), quantizer.lookup(z)[0], atol=1e-6)
    (out * torch.arange(3.0)).sum().backward()
    assert torch.equal(z.grad, torch.arange(3.0).expand(5, 3))  # identity Jacobian through the lookup


def test_vq_vae_gradients_reach_the_encoder_through_the_quantiser() -> None:
    torch.manual_seed(0)
    model, x = build_vq_vae(), torch.randn(2, 3, 8, 8)
    model(x).pow(2).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.encoder.parameters())
    model.zero_grad()
    model.loss(x).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_ema_update_with_zero_decay_moves_each_used_codeword_to_the_mean_of_its_vectors() -> None:
    torch.manual_seed(0)
    quantizer = VectorQuantizer(num_embeddings=4, embedding_dim=2, decay=0.0).train()
    z = torch.randn(50, 2)
    _, indices = quantizer.lookup(z)
    for k in indices.unique():
        assert torch.allclose(quantizer.codebooks[0, k], z[indices[:, 0] == k].mean(0), atol=1e-5)


def test_residual_quantizer_sums_one_codeword_per_stage() -> None:
    torch.manual_seed(0)
    quantizer = VectorQuantizer(num_embeddings=8, embedding_dim=4, num_quantizers=3).eval()
    z = torch.randn(2, 5, 4)
    quantized, indices = quantizer.lookup(z)
    assert indices.shape == (2, 5, 3)
    chosen = sum(quantizer.codebooks[q][indices[..., q]] for q in range(3))
    assert torch.allclose(quantized, chosen, atol=1e-6)
    first = quantizer.codebooks[0][indices[..., 0]]
    assert torch.equal(first, _nearest(z.reshape(-1, 4), quantizer.codebooks[0]).reshape(2, 5, 4))


def test_codec_and_vq_vae_overrides_through_the_registry() -> None:
    torch.manual_seed(0)
    codec = create("neural-audio-codec", num_quantizers=2, hidden_channels=8)
    assert codec(torch.randn(3, 1, 64)).shape == (3, 1, 64)
    assert codec.quantizer.codebooks.shape == (2, 64, 16)
    assert create("vq-vae", in_channels=1, num_embeddings=8)(torch.randn(2, 1, 16, 16)).shape == (2, 1, 16, 16)
    assert build_neural_audio_codec().encode(torch.randn(2, 1, 32)).shape == (2, 8, 16)  # 4× down, channel-last
