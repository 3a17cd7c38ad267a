"""Generative architectures written here, registered as data (the networks are in the ``generative_*`` modules).

* :mod:`~implementations.architectures.generative_latent`: autoencoder, sparse autoencoder, VAE,
  VQ-VAE and a SoundStream-like neural audio codec;
* :mod:`~implementations.architectures.generative_adversarial`: GAN, WGAN (clipping or gradient
  penalty), StyleGAN generator;
* :mod:`~implementations.architectures.generative_density`: DDPM, noise-conditional score network, PixelCNN;
* :mod:`~implementations.architectures.generative_flow`: RealNVP and planar normalizing flows;
* :mod:`~implementations.architectures.generative_energy`: restricted and general Boltzmann machines.

Sample inputs and output shapes below import torch lazily; the registrations import nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_HERE = "implementations.architectures.generative:"
_LATENT = "implementations.architectures.generative_latent:"
_ADVERSARIAL = "implementations.architectures.generative_adversarial:"
_DENSITY = "implementations.architectures.generative_density:"
_FLOWS = "implementations.architectures.generative_flow:"
_ENERGY = "implementations.architectures.generative_energy:"
_SAMPLES = "implementations.registry.samples:"
BATCH = 4


def latents(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Noise ``z`` ``[B, latent_dim]`` for a generator."""
    import torch

    return (torch.randn(BATCH, int(args["latent_dim"])),)


def binary_visible(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Binary visible vectors ``[B, visible_units]`` for a Boltzmann machine."""
    import torch

    return (torch.bernoulli(torch.full((BATCH, int(args["visible_units"])), 0.5)),)


def unit_images(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Images ``[B, in_channels, 8, 8]`` with intensities in [0, 1]."""
    import torch

    return (torch.rand(BATCH, int(args["in_channels"]), 8, 8),)


def images_and_steps(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """Noisy images ``[B, channels, 8, 8]`` and a step (or noise-level) index per image."""
    import torch

    steps = int(args.get("num_timesteps", args.get("num_noise_levels", 1)))
    return torch.randn(BATCH, int(args["channels"]), 8, 8), torch.randint(0, steps, (BATCH,))


def input_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of the first input (a reconstruction, a latent, predicted noise or a score)."""
    return tuple(int(n) for n in inputs[0].shape)


def score_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[B, 1]``: the discriminator's (critic's) score of each generated sample."""
    return (int(inputs[0].shape[0]), 1)


def free_energy_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[B]``: one free energy per visible vector."""
    return (int(inputs[0].shape[0]),)


def stylegan_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[B, out_channels, side, side]`` with ``side = 4 · 2^(num_blocks − 1)``."""
    side = 4 * 2 ** (int(args["num_blocks"]) - 1)
    return (int(inputs[0].shape[0]), int(args["out_channels"]), side, side)


def pixelcnn_shape(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[B, num_levels, C, H, W]``: a softmax over intensity levels for every sub-pixel."""
    batch, channels, height, width = (int(n) for n in inputs[0].shape)
    return (batch, int(args["num_levels"]), channels, height, width)


_AE = {"in_features": 16, "hidden_features": 32, "code_features": 4}
_SAE = {"in_features": 16, "dictionary_size": 64, "l1_coefficient": 1e-3}
_VAE = {"in_features": 16, "hidden_features": 32, "latent_dim": 4, "beta": 1.0}
_VQ = {"in_channels": 3, "hidden_channels": 32, "embedding_dim": 16, "num_embeddings": 64, "commitment_cost": 0.25}
_CODEC = {"in_channels": 1, "hidden_channels": 32, "embedding_dim": 16, "num_embeddings": 64, "num_quantizers": 4}
_GAN = {"latent_dim": 8, "hidden_features": 32, "data_features": 16}
_WGAN = {**_GAN, "gradient_penalty_weight": 0.0}
_STYLEGAN = {"latent_dim": 32, "w_dim": 32, "mapping_layers": 4, "channels": 32, "num_blocks": 2, "out_channels": 3}
_DDPM = {"channels": 3, "hidden_channels": 32, "num_timesteps": 1000, "beta_start": 1e-4, "beta_end": 0.02}
_NCSN = {"channels": 3, "hidden_channels": 32, "num_noise_levels": 10, "sigma_max": 1.0, "sigma_min": 0.01}
_FLOW = {"in_features": 8, "hidden_features": 32, "num_couplings": 4}
_PLANAR = {"in_features": 8, "num_layers": 4}
_PIXELCNN = {"in_channels": 1, "hidden_channels": 32, "num_layers": 4, "num_levels": 16}
_RBM = {"visible_units": 16, "hidden_units": 8}
_BM = {"visible_units": 8, "hidden_units": 4}


def _types(defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``arg_types`` from the defaults' types (every argument here is an int or a float)."""
    return {name: type(value) for name, value in defaults.items()}


def _spec(concept: str, target: str, defaults: Mapping[str, Any], sample: str, shape: str, notes: str, **extra: Any) -> ImplementationSpec:
    return ImplementationSpec(
        concept,
        target,
        Family.ARCHITECTURE,
        defaults=defaults,
        arg_types=_types(defaults),
        sample=sample,
        output_shape=_HERE + shape,
        notes=notes,
        **extra,
    )


register_all(
    [
        _spec(
            "autoencoder",
            _LATENT + "Autoencoder",
            _AE,
            _SAMPLES + "vectors",
            "input_shape",
            "MLP encoder to a 4-wide code and back; forward = reconstruction, loss(x) = MSE.",
        ),
        _spec(
            "sparse-autoencoder",
            _LATENT + "SparseAutoencoder",
            _SAE,
            _SAMPLES + "vectors",
            "input_shape",
            "Overcomplete ReLU dictionary (16 → 64) with pre-encoder bias; sparsity_penalty(a) = λ‖f‖₁, "
            "loss(a) adds it to the reconstruction error.",
        ),
        _spec(
            "vae",
            _LATENT + "VariationalAutoencoder",
            _VAE,
            _SAMPLES + "vectors",
            "input_shape",
            "Diagonal-Gaussian encoder, reparameterised sample (posterior mean in eval mode), unit-variance Gaussian decoder; "
            "elbo(x) per example.",
        ),
        _spec(
            "vq-vae",
            _LATENT + "build_vq_vae",
            _VQ,
            _SAMPLES + "images",
            "input_shape",
            "Conv encoder (4× down), nearest-codeword lookup with straight-through gradients, EMA codebook (paper App. A.1), "
            "loss(x) = MSE + β·commitment.",
        ),
        _spec(
            "neural-audio-codec",
            _LATENT + "build_neural_audio_codec",
            _CODEC,
            _SAMPLES + "signals",
            "input_shape",
            "SoundStream-like: 1-D conv encoder (4× down), 4-stage residual VQ with EMA codebooks, 1-D conv decoder; "
            "no adversarial or feature-matching losses.",
        ),
        _spec(
            "gan",
            _ADVERSARIAL + "GenerativeAdversarialNetwork",
            _GAN,
            _HERE + "latents",
            "score_shape",
            "MLP generator and discriminator; forward = D(G(z)) logits; gan_training_step() runs one D and one G update.",
        ),
        _spec(
            "wgan",
            _ADVERSARIAL + "WassersteinGAN",
            _WGAN,
            _HERE + "latents",
            "score_shape",
            "Critic without sigmoid; clip it by training with the weight-clipping optimizer (RMSProp, c = 0.01), "
            "or set gradient_penalty_weight > 0 for WGAN-GP (10 in the paper).",
        ),
        _spec(
            "stylegan",
            _ADVERSARIAL + "StyleGANGenerator",
            _STYLEGAN,
            _HERE + "latents",
            "stylegan_shape",
            "Generator only: 4-layer mapping MLP z → w, learned 4×4 constant, per-layer noise and AdaIN styles, 8×8 output.",
        ),
        _spec(
            "diffusion-model",
            _DENSITY + "DenoisingDiffusionModel",
            _DDPM,
            _HERE + "images_and_steps",
            "input_shape",
            "DDPM: linear β schedule (T = 1000), q_sample() closed form, a small conv ε-network with sinusoidal step embedding "
            "(a stand-in for the U-Net); loss(x0) = L_simple.",
        ),
        _spec(
            "score-based-model",
            _DENSITY + "NoiseConditionalScoreNetwork",
            _NCSN,
            _HERE + "images_and_steps",
            "input_shape",
            "NCSN: score s_θ(x, σ_i) on 10 geometric noise levels (1 → 0.01); denoising_score_matching_loss() with λ(σ) = σ².",
        ),
        _spec(
            "realnvp",
            _FLOWS + "RealNVP",
            _FLOW,
            _SAMPLES + "vectors",
            "input_shape",
            "Four affine couplings with alternating masks on vectors; forward = z, inverse(z), log_prob(x) exact.",
        ),
        _spec(
            "normalizing-flow",
            _FLOWS + "PlanarFlow",
            _PLANAR,
            _SAMPLES + "vectors",
            "input_shape",
            "Four planar maps z + û tanh(wᵀz + b) (Rezende & Mohamed 2015) from base samples; sample_log_prob(z) exact; "
            "the coupling flow is registered as realnvp.",
        ),
        _spec(
            "pixelcnn",
            _DENSITY + "PixelCNN",
            _PIXELCNN,
            _HERE + "unit_images",
            "pixelcnn_shape",
            "Type-A 7×7 then type-B 3×3 masked convolutions; logits over 16 levels per sub-pixel; loss(x) = NLL.",
        ),
        _spec(
            "autoregressive-models",
            _DENSITY + "PixelCNN",
            _PIXELCNN,
            _HERE + "unit_images",
            "pixelcnn_shape",
            "Canonical instance: PixelCNN, p(x) = Π p(x_i | x_<i) over pixels in raster order (gpt-2 is the text instance).",
        ),
        _spec(
            "restricted-boltzmann-machine",
            _ENERGY + "RestrictedBoltzmannMachine",
            _RBM,
            _HERE + "binary_visible",
            "free_energy_shape",
            "Bernoulli RBM; forward = free energy F(v) (oracle: explicit sum over the 2^8 hidden states); "
            "contrastive_divergence_loss(v, k).",
            oracle=_ENERGY + "free_energy_by_enumeration",
            tolerance=1e-4,
        ),
        _spec(
            "boltzmann-machine",
            _ENERGY + "BoltzmannMachine",
            _BM,
            _HERE + "binary_visible",
            "free_energy_shape",
            "General BM (symmetric weights among all 12 units); forward = exact free energy over 2^4 hidden states; CD with Gibbs sweeps.",
        ),
    ]
)
