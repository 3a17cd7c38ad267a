"""Latent-variable autoencoders: plain, sparse, variational, vector-quantised and a neural audio codec.

Each forward returns the reconstruction; the training objectives are methods (``loss``, ``elbo``,
``sparsity_penalty``, ``commitment_loss``) tested directly. Registrations are in
:mod:`implementations.architectures.generative`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.architectures.feedforward import build_mlp


def standard_normal_log_density(x: Tensor) -> Tensor:
    """``log N(x; 0, I)`` summed over the last dimension."""
    return (-0.5 * x.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)


class Autoencoder(nn.Module):
    """An undercomplete autoencoder: an MLP encoder to a narrow code and an MLP decoder back.

    Hinton & Salakhutdinov (2006), "Reducing the Dimensionality of Data with Neural Networks",
    Science 313(5786):504–507, doi:10.1126/science.1127647 (here trained end to end, without the
    paper's RBM pre-training).

    Args:
        in_features: Input width.
        hidden_features: Width of the hidden layer of encoder and decoder.
        code_features: Width of the code (the bottleneck).

    """

    def __init__(self, in_features: int = 16, hidden_features: int = 32, code_features: int = 4) -> None:
        super().__init__()
        self.encoder = build_mlp(in_features, hidden_features, code_features, depth=1)
        self.decoder = build_mlp(code_features, hidden_features, in_features, depth=1)

    def forward(self, x: Tensor) -> Tensor:
        """The reconstruction ``g(f(x))``."""
        result: Tensor = self.decoder(self.encoder(x))
        return result

    def loss(self, x: Tensor) -> Tensor:
        """Mean squared reconstruction error ``‖x − g(f(x))‖²`` (averaged over elements)."""
        return F.mse_loss(self(x), x)


class SparseAutoencoder(nn.Module):
    """An overcomplete autoencoder with an L1 penalty on its ReLU features, as used on model activations.

    ``f = ReLU(W_e (a − b_d) + b_e)``, ``â = W_d f + b_d``, ``L = ‖a − â‖² + λ‖f‖₁``. Cunningham,
    Ewart, Riggs, Huben & Sharkey (2023), "Sparse Autoencoders Find Highly Interpretable Features
    in Language Models", arXiv:2309.08600.

    Args:
        in_features: Width of the activations ``a``.
        dictionary_size: Number of features (overcomplete: larger than ``in_features``).
        l1_coefficient: λ of the sparsity penalty.

    """

    def __init__(self, in_features: int = 16, dictionary_size: int = 64, l1_coefficient: float = 1e-3) -> None:
        super().__init__()
        self.encoder = nn.Linear(in_features, dictionary_size)
        self.decoder = nn.Linear(dictionary_size, in_features)  # its bias is the pre-encoder bias b_d
        self.l1_coefficient = l1_coefficient

    def features(self, a: Tensor) -> Tensor:
        """The sparse code ``f = ReLU(W_e (a − b_d) + b_e)``."""
        return F.relu(self.encoder(a - self.decoder.bias))

    def forward(self, a: Tensor) -> Tensor:
        """The reconstruction ``â = W_d f + b_d``."""
        result: Tensor = self.decoder(self.features(a))
        return result

    def sparsity_penalty(self, a: Tensor) -> Tensor:
        """``λ · ‖f‖₁``, averaged over the batch."""
        return self.l1_coefficient * self.features(a).abs().sum(-1).mean()

    def loss(self, a: Tensor) -> Tensor:
        """Squared reconstruction error (summed over features, averaged over the batch) plus the sparsity penalty."""
        error: Tensor = (self(a) - a).pow(2).sum(-1).mean()
        return error + self.sparsity_penalty(a)


class VariationalAutoencoder(nn.Module):
    """A VAE with a diagonal-Gaussian posterior, a standard-normal prior and a unit-variance Gaussian decoder.

    Kingma & Welling (2014), "Auto-Encoding Variational Bayes", ICLR, arXiv:1312.6114.

    Args:
        in_features: Data width.
        hidden_features: Hidden width of encoder and decoder.
        latent_dim: Size of the latent code ``z``.
        beta: Weight of the KL term in :meth:`elbo` (1 is the ELBO; > 1 gives a β-VAE).

    """

    def __init__(self, in_features: int = 16, hidden_features: int = 32, latent_dim: int = 4, beta: float = 1.0) -> None:
        super().__init__()
        self.encoder = build_mlp(in_features, hidden_features, 2 * latent_dim, depth=1)
        self.decoder = build_mlp(latent_dim, hidden_features, in_features, depth=1)
        self.beta = beta

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The posterior's mean and log-variance ``(μ, log σ²)``, each ``[B, latent_dim]``."""
        mu, log_var = self.encoder(x).chunk(2, dim=-1)
        return mu, log_var

    @staticmethod
    def reparameterize(mu: Tensor, log_var: Tensor) -> Tensor:
        """``z = μ + σ ⊙ ε`` with ``ε ~ N(0, I)``: a posterior sample differentiable in μ and σ."""
        return mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)

    @staticmethod
    def kl_divergence(mu: Tensor, log_var: Tensor) -> Tensor:
        """``KL(N(μ, σ²) ‖ N(0, I)) = ½ Σ (μ² + σ² − 1 − log σ²)`` per example ``[B]``."""
        return 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(-1)

    def forward(self, x: Tensor) -> Tensor:
        """The decoded mean: from a posterior sample in training, from the posterior mean in eval mode."""
        mu, log_var = self.encode(x)
        z = self.reparameterize(mu, log_var) if self.training else mu
        result: Tensor = self.decoder(z)
        return result

    def elbo(self, x: Tensor) -> Tensor:
        """One-sample ELBO per example ``[B]``: ``log N(x; g(z), I) − β · KL(q(z|x) ‖ p(z))``."""
        mu, log_var = self.encode(x)
        reconstruction = self.decoder(self.reparameterize(mu, log_var))
        log_likelihood = standard_normal_log_density(x - reconstruction)
        return log_likelihood - self.beta * self.kl_divergence(mu, log_var)


class VectorQuantizer(nn.Module):
    """Nearest-codeword quantisation with a straight-through gradient; several stages make a residual quantiser.

    The codebooks are updated by exponential moving averages of their assigned encoder outputs
    (van den Oord et al. 2017, Appendix A.1; also SoundStream's residual VQ), so they are buffers
    rather than parameters. With ``num_quantizers > 1`` each stage quantises the residual left by
    the previous ones (Zeghidour et al. 2021, Algorithm 1).

    Args:
        num_embeddings: Codewords per codebook ``K``.
        embedding_dim: Width of a codeword ``D``.
        num_quantizers: Number of residual stages.
        commitment_cost: β of the commitment loss.
        decay: EMA decay γ of the codebook updates.

    """

    codebooks: Tensor
    cluster_size: Tensor
    embed_sum: Tensor

    def __init__(
        self, num_embeddings: int = 64, embedding_dim: int = 16, num_quantizers: int = 1, commitment_cost: float = 0.25, decay: float = 0.99
    ) -> None:
        super().__init__()
        self.commitment_cost = commitment_cost
        self.decay = decay
        self.register_buffer("codebooks", torch.randn(num_quantizers, num_embeddings, embedding_dim))
        self.register_buffer("cluster_size", torch.ones(num_quantizers, num_embeddings))
        self.register_buffer("embed_sum", self.codebooks.clone())

    @torch.no_grad()
    def lookup(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """The quantised ``z`` (sum of the chosen codewords) ``[..., D]`` and the indices ``[..., Q]``; EMA update in training."""
        residual, total, indices = z.detach().reshape(-1, z.shape[-1]), torch.zeros_like(z).reshape(-1, z.shape[-1]), []
        for stage, codebook in enumerate(self.codebooks):
            index = torch.cdist(residual, codebook).argmin(-1)
            chosen = codebook[index]
            if self.training:
                one_hot = F.one_hot(index, codebook.shape[0]).to(z.dtype)
                self.cluster_size[stage].mul_(self.decay).add_(one_hot.sum(0), alpha=1 - self.decay)
                self.embed_sum[stage].mul_(self.decay).add_(one_hot.T @ residual, alpha=1 - self.decay)
                codebook.copy_(self.embed_sum[stage] / self.cluster_size[stage, :, None])
            total, residual = total + chosen, residual - chosen
            indices.append(index)
        return total.reshape(z.shape), torch.stack(indices, -1).reshape(*z.shape[:-1], -1)

    @staticmethod
    def straight_through(z: Tensor, quantized: Tensor) -> Tensor:
        """``z + sg[e − z]``: the codewords' value with the identity gradient to ``z``."""
        return z + (quantized - z).detach()

    def forward(self, z: Tensor) -> Tensor:
        """The quantised ``z``, differentiable straight through the lookup."""
        return self.straight_through(z, self.lookup(z)[0])

    def commitment_loss(self, z: Tensor, quantized: Tensor) -> Tensor:
        """``β · ‖z − sg[e]‖²`` averaged over elements."""
        return self.commitment_cost * F.mse_loss(z, quantized.detach())


def _conv_stack(dims: int, in_channels: int, hidden_channels: int, embedding_dim: int) -> tuple[nn.Sequential, nn.Sequential]:
    """An encoder downsampling 4× with two strided convolutions, and its mirrored decoder (1-D or 2-D)."""
    conv, transposed = (nn.Conv1d, nn.ConvTranspose1d) if dims == 1 else (nn.Conv2d, nn.ConvTranspose2d)
    encoder = nn.Sequential(
        conv(in_channels, hidden_channels, 4, stride=2, padding=1),
        nn.ELU(),
        conv(hidden_channels, hidden_channels, 4, stride=2, padding=1),
        nn.ELU(),
        conv(hidden_channels, embedding_dim, 1),
    )
    decoder = nn.Sequential(
        conv(embedding_dim, hidden_channels, 3, padding=1),
        nn.ELU(),
        transposed(hidden_channels, hidden_channels, 4, stride=2, padding=1),
        nn.ELU(),
        transposed(hidden_channels, in_channels, 4, stride=2, padding=1),
    )
    return encoder, decoder


class QuantizedAutoencoder(nn.Module):
    """A convolutional encoder, a (residual) vector quantiser on each latent position, and a decoder.

    Args:
        dims: 2 for images (VQ-VAE), 1 for waveforms (neural audio codec).
        in_channels: Channels of the data.
        hidden_channels: Channels of the convolutions.
        embedding_dim: Latent channels = codeword width.
        num_embeddings: Codewords per codebook.
        num_quantizers: Residual stages (1 is a plain VQ-VAE).
        commitment_cost: β of the commitment loss.

    """

    def __init__(
        self,
        dims: int = 2,
        in_channels: int = 3,
        hidden_channels: int = 32,
        embedding_dim: int = 16,
        num_embeddings: int = 64,
        num_quantizers: int = 1,
        commitment_cost: float = 0.25,
    ) -> None:
        super().__init__()
        self.encoder, self.decoder = _conv_stack(dims, in_channels, hidden_channels, embedding_dim)
        self.quantizer = VectorQuantizer(num_embeddings, embedding_dim, num_quantizers, commitment_cost)

    def encode(self, x: Tensor) -> Tensor:
        """Encoder outputs ``z_e`` channel-last ``[B, *positions, D]``."""
        z: Tensor = self.encoder(x).movedim(1, -1)
        return z

    def forward(self, x: Tensor) -> Tensor:
        """The reconstruction from the quantised latents (gradients reach the encoder straight through)."""
        result: Tensor = self.decoder(self.quantizer(self.encode(x)).movedim(-1, 1))
        return result

    def loss(self, x: Tensor) -> Tensor:
        """Reconstruction MSE plus the commitment loss (the codebooks learn by EMA, not by this loss)."""
        z = self.encode(x)
        quantized = self.quantizer.lookup(z)[0]
        reconstruction = self.decoder(self.quantizer.straight_through(z, quantized).movedim(-1, 1))
        return F.mse_loss(reconstruction, x) + self.quantizer.commitment_loss(z, quantized)


def build_vq_vae(
    in_channels: int = 3, hidden_channels: int = 32, embedding_dim: int = 16, num_embeddings: int = 64, commitment_cost: float = 0.25
) -> QuantizedAutoencoder:
    """A VQ-VAE on images: conv encoder (4× down), one codebook, conv decoder.

    van den Oord, Vinyals & Kavukcuoglu (2017), "Neural Discrete Representation Learning",
    NeurIPS, arXiv:1711.00937.
    """
    return QuantizedAutoencoder(2, in_channels, hidden_channels, embedding_dim, num_embeddings, 1, commitment_cost)


def build_neural_audio_codec(
    in_channels: int = 1, hidden_channels: int = 32, embedding_dim: int = 16, num_embeddings: int = 64, num_quantizers: int = 4
) -> QuantizedAutoencoder:
    """A tiny SoundStream-like codec: 1-D conv encoder (4× down), residual vector quantiser, 1-D conv decoder.

    Zeghidour, Luebs, Omran, Skoglund & Tagliasacchi (2021), "SoundStream: An End-to-End Neural
    Audio Codec", arXiv:2107.03312 (without its adversarial and feature-matching losses).
    """
    return QuantizedAutoencoder(1, in_channels, hidden_channels, embedding_dim, num_embeddings, num_quantizers)
