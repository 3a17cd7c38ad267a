"""Networks whose computation depends on the input or is generated: hypernetworks, dynamic convolution, modular mixtures, mixture of depths.

Registered in :mod:`implementations.architectures.sequence` (mixture of depths) and
:mod:`implementations.architectures.dynamics` (the others).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.architectures.memory import encoder_layer
from implementations.components.layers.moe import MixtureOfExperts


class HyperNetwork(nn.Module):
    """A static hypernetwork that generates the weight matrices of an MLP from learned embeddings.

    Ha, Dai, Le (2017), "HyperNetworks", arXiv:1609.09106 (§3.1). Every weight matrix of the main
    network is tiled from ``chunk × chunk`` blocks; block ``(o, i)`` of layer ``j`` is
    ``g(z_j^{oi})`` for its own embedding ``z`` and one generator ``g`` shared by all layers
    (two linear maps, as in the paper). The main network's own parameters are only its biases.

    Args:
        in_features: Input width (a multiple of ``chunk``).
        hidden_features: Hidden width (a multiple of ``chunk``).
        out_features: Output width (a multiple of ``chunk``).
        depth: Hidden layers.
        z_dim: Embedding width.
        chunk: Block size.

    """

    def __init__(
        self, in_features: int = 16, hidden_features: int = 32, out_features: int = 4, depth: int = 2, z_dim: int = 4, chunk: int = 4
    ) -> None:
        super().__init__()
        widths = [in_features] + [hidden_features] * depth + [out_features]
        if any(w % chunk for w in widths):
            raise ValueError(f"every width must be a multiple of chunk={chunk}")
        self.chunk = chunk
        self.z = nn.ParameterList(nn.Parameter(torch.randn(b // chunk, a // chunk, z_dim)) for a, b in itertools.pairwise(widths))
        self.biases = nn.ParameterList(nn.Parameter(torch.zeros(b)) for b in widths[1:])
        self.generator = nn.Sequential(nn.Linear(z_dim, 4 * z_dim), nn.Linear(4 * z_dim, chunk * chunk))

    def target_weight(self, z: Tensor) -> Tensor:
        """The ``[out, in]`` matrix generated from block embeddings ``z [out/chunk, in/chunk, z_dim]``."""
        blocks = self.generator(z).view(*z.shape[:2], self.chunk, self.chunk)  # [O, I, c_out, c_in]
        weight = blocks.permute(0, 2, 1, 3).reshape(z.shape[0] * self.chunk, z.shape[1] * self.chunk)
        scaled: Tensor = weight / math.sqrt(weight.shape[1])
        return scaled

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]`` through the generated MLP (ReLU between layers)."""
        for j, (z, bias) in enumerate(zip(self.z, self.biases, strict=True)):
            x = F.linear(x, self.target_weight(z), bias)
            x = F.relu(x) if j < len(self.z) - 1 else x
        return x


class DynamicConv2d(nn.Module):
    """Dynamic convolution: ``K`` kernels mixed per input by attention, ``W̃(x) = Σ_k π_k(x) W_k``.

    Chen, Dai, Liu, Chen, Yuan, Liu (2020), "Dynamic Convolution: Attention over Convolution
    Kernels", arXiv:1912.03458. ``π(x) = softmax(FC(ReLU(FC(GAP(x)))) / τ)``; the per-sample
    convolutions run as one grouped convolution.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Square kernel size (same padding).
        stride: Stride.
        num_kernels: Kernels ``K``.
        temperature: Softmax temperature ``τ``.

    """

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1, num_kernels: int = 4, temperature: float = 1.0
    ) -> None:
        super().__init__()
        self.stride, self.padding, self.temperature = stride, kernel_size // 2, temperature
        self.weight = nn.Parameter(
            torch.randn(num_kernels, out_channels, in_channels, kernel_size, kernel_size) / math.sqrt(in_channels * kernel_size**2)
        )
        self.bias = nn.Parameter(torch.zeros(num_kernels, out_channels))
        hidden = max(4, in_channels // 4)
        self.attention = nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(), nn.Linear(hidden, num_kernels))

    def kernel_attention(self, x: Tensor) -> Tensor:
        """``π(x)`` ``[B, K]``."""
        return torch.softmax(self.attention(x.mean((2, 3))) / self.temperature, -1)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C_in, H, W]`` → ``[B, C_out, H', W']``."""
        batch = x.shape[0]
        pi = self.kernel_attention(x)
        weight = torch.einsum("bk,koihw->boihw", pi, self.weight).flatten(0, 1)
        out = F.conv2d(x.reshape(1, -1, *x.shape[2:]), weight, (pi @ self.bias).flatten(), self.stride, self.padding, groups=batch)
        return out.view(batch, -1, *out.shape[2:])


class DynamicConvNet(nn.Module):
    """A small classifier of :class:`DynamicConv2d` → BatchNorm → ReLU stages, global pooling and a linear head.

    Args:
        in_channels: Image channels.
        channels: Channels of each stage (each halves the resolution).
        num_classes: Classes.
        num_kernels: Kernels per dynamic convolution.

    """

    def __init__(self, in_channels: int = 4, channels: list[int] | None = None, num_classes: int = 10, num_kernels: int = 4) -> None:
        super().__init__()
        widths = [in_channels, *(channels or [16, 32])]
        self.features = nn.Sequential(
            *(nn.Sequential(DynamicConv2d(a, b, 3, 2, num_kernels), nn.BatchNorm2d(b), nn.ReLU()) for a, b in itertools.pairwise(widths))
        )
        self.head = nn.Linear(widths[-1], num_classes)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_channels, H, W]`` → logits ``[B, num_classes]``."""
        out: Tensor = self.head(self.features(x).mean((2, 3)))
        return out


class ModularNetwork(nn.Module):
    """Adaptive mixture of local experts: expert networks combined by a softmax gating network.

    Jacobs, Jordan, Nowlan, Hinton (1991), "Adaptive Mixtures of Local Experts", Neural
    Computation 3(1):79–87. ``y = W_out Σ_i g_i(h) E_i(h)`` with ``h = W_in x``; every expert sees
    every input (dense gating: the registered top-k mixture of experts with ``k = E``).

    Args:
        in_features: Input width.
        hidden_features: Width the experts work at.
        out_features: Output width.
        num_experts: Experts.

    """

    def __init__(self, in_features: int = 16, hidden_features: int = 32, out_features: int = 4, num_experts: int = 4) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden_features),
            MixtureOfExperts(hidden_features, num_experts, k=num_experts),
            nn.Linear(hidden_features, out_features),
        )

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]``."""
        out: Tensor = self.net(x)
        return out


class MixtureOfDepthsBlock(nn.Module):
    """A Transformer block that only the router's top-k tokens go through; the rest skip it unchanged.

    Raposo, Ritter, Richards, Lillicrap, Humphreys, Santoro (2024), "Mixture-of-Depths:
    Dynamically allocating compute in transformer-based language models", arXiv:2404.02258. A
    linear router scores each token, the ``⌈capacity·T⌉`` highest of each sequence are processed
    (in their original order, with a causal mask) and their update is scaled by the router
    weight, ``x_i + r_i·(f(X̃)_i − x_i)``, which makes the router learn from the language-model loss.

    Args:
        d_model: Width.
        num_heads: Attention heads.
        capacity: Fraction of tokens processed.

    """

    def __init__(self, d_model: int, num_heads: int = 4, capacity: float = 0.5) -> None:
        super().__init__()
        self.capacity = capacity
        self.router = nn.Linear(d_model, 1)
        self.block = encoder_layer(d_model, num_heads)

    def selected(self, x: Tensor) -> Tensor:
        """Indices ``[B, k]`` (ascending) of the tokens the block processes."""
        k = max(1, math.ceil(self.capacity * x.shape[1]))
        scores: Tensor = self.router(x)[..., 0]
        return scores.topk(k, dim=-1).indices.sort(-1).values

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` → ``[B, T, D]``."""
        index = self.selected(x)[..., None].expand(-1, -1, x.shape[-1])
        chosen = x.gather(1, index)
        mask = nn.Transformer.generate_square_subsequent_mask(chosen.shape[1], dtype=x.dtype)
        update = (self.block(chosen, src_mask=mask, is_causal=True) - chosen) * self.router(chosen)
        return x.scatter(1, index, chosen + update)


def build_mixture_of_depths(d_model: int = 32, num_heads: int = 4, num_layers: int = 2, capacity: float = 0.5) -> nn.Module:
    """A stack of :class:`MixtureOfDepthsBlock` (every block routed)."""
    return nn.Sequential(*(MixtureOfDepthsBlock(d_model, num_heads, capacity) for _ in range(num_layers)))
