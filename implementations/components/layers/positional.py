"""Position information for attention: rotary, ALiBi, sinusoidal and learned encodings.

Sequences are batch-first. The sequence axis is always the second-to-last one, so the same module
serves ``[B, T, D]`` activations and ``[B, H, T, Dh]`` per-head queries or keys.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RotaryPositionEmbedding(nn.Module):
    """Rotary position embedding (RoPE): rotate feature pairs by an angle proportional to position.

    Pair ``i`` of the vector at position ``m`` is rotated by ``m·θ_i`` with ``θ_i = base^(−2i/dim)``.
    Viewing the pair as a complex number ``z``, the result is ``z·e^{i m θ_i}``. Rotations keep
    norms, and the dot product of a rotated query at ``m`` and a rotated key at ``n`` depends on the
    positions only through ``m − n``. The module has no parameters; apply it to queries and keys
    before their dot product.

    Reference: Su, Lu, Pan, Murtadha, Wen, Liu (2021), "RoFormer: Enhanced Transformer with Rotary
    Position Embedding", arXiv:2104.09864.

    Args:
        dim: Size of the last axis (even).
        base: Frequency base (10000 in the paper).
        interleaved: Pairs are adjacent features ``(x₀, x₁), (x₂, x₃), …`` as in the paper (True) or
            the two halves ``(x_i, x_{i+dim/2})`` as in GPT-NeoX/LLaMA code (False).

    """

    inv_freq: Tensor

    def __init__(self, dim: int, base: float = 10000.0, interleaved: bool = True) -> None:
        super().__init__()
        if dim % 2:
            raise ValueError(f"RoPE needs an even dim, got {dim}")
        self.dim, self.base, self.interleaved = dim, float(base), interleaved
        exponents = torch.arange(0, dim, 2, dtype=torch.float64) / dim
        self.register_buffer("inv_freq", self.base**-exponents, persistent=False)

    def angles(self, positions: Tensor) -> Tensor:
        """Rotation angles ``m·θ_i`` as a float64 ``[T, dim/2]`` tensor."""
        return positions.to(torch.float64)[:, None] * self.inv_freq.to(torch.float64)[None, :]

    def forward(self, x: Tensor, offset: int = 0, positions: Tensor | None = None) -> Tensor:
        """Rotate ``x`` (``[..., T, dim]``) for positions ``offset … offset+T−1`` (or ``positions``, shape ``[T]``)."""
        length = x.shape[-2]
        if positions is None:
            positions = torch.arange(offset, offset + length, device=x.device)
        theta = self.angles(positions)
        cos, sin = theta.cos().to(x.dtype), theta.sin().to(x.dtype)
        if self.interleaved:
            first, second = x[..., 0::2], x[..., 1::2]
        else:
            first, second = x[..., : self.dim // 2], x[..., self.dim // 2 :]
        rotated = (first * cos - second * sin, first * sin + second * cos)
        if self.interleaved:
            return torch.stack(rotated, dim=-1).flatten(-2)
        return torch.cat(rotated, dim=-1)


def alibi_slopes(num_heads: int) -> list[float]:
    """Head slopes of ALiBi: the geometric sequence ``2^(−8h/H)``, ``h = 1 … H``.

    When ``H`` is not a power of two, the paper takes the slopes of the nearest lower power of two
    ``n`` and fills the rest with every other slope of ``2n`` heads.
    """

    def geometric(n: int) -> list[float]:
        return [2.0 ** (-8.0 * h / n) for h in range(1, n + 1)]

    if num_heads & (num_heads - 1) == 0:
        return geometric(num_heads)
    lower = 2 ** math.floor(math.log2(num_heads))
    return geometric(lower) + geometric(2 * lower)[0::2][: num_heads - lower]


class ALiBi(nn.Module):
    """Attention with Linear Biases: add ``−m_h · |i − j|`` to the attention scores of head ``h``.

    No position embedding is added to the tokens; instead each head penalises distant keys
    linearly, with a head-specific slope ``m_h`` (see :func:`alibi_slopes`). The paper uses it with
    a causal mask, where ``|i − j| = i − j``; the absolute value extends it symmetrically to
    bidirectional attention. When there are fewer queries than keys (decoding with a cache), the
    last query is aligned with the last key.

    Reference: Press, Smith, Lewis (2022), "Train Short, Test Long: Attention with Linear Biases
    Enables Input Length Extrapolation", arXiv:2108.12409.

    Args:
        num_heads: Number of attention heads ``H``.

    """

    slopes: Tensor

    def __init__(self, num_heads: int) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.register_buffer("slopes", torch.tensor(alibi_slopes(num_heads)), persistent=False)

    def bias(self, q_len: int, k_len: int | None = None) -> Tensor:
        """The ``[H, Tq, Tk]`` bias ``−m_h · |i − j|``."""
        k_len = q_len if k_len is None else k_len
        device = self.slopes.device
        rows = torch.arange(k_len - q_len, k_len, device=device)[:, None]
        cols = torch.arange(k_len, device=device)[None, :]
        distance = (rows - cols).abs().to(self.slopes.dtype)
        return -self.slopes[:, None, None] * distance

    def forward(self, scores: Tensor) -> Tensor:
        """Add the bias to attention scores ``[..., H, Tq, Tk]``."""
        return scores + self.bias(scores.shape[-2], scores.shape[-1]).to(scores.dtype)


def sinusoid_table(length: int, dim: int, base: float = 10000.0, dtype: torch.dtype = torch.float32) -> Tensor:
    """``PE[p, 2i] = sin(p / base^(2i/dim))``, ``PE[p, 2i+1] = cos(p / base^(2i/dim))`` as ``[length, dim]``."""
    positions = torch.arange(length, dtype=torch.float64)[:, None]
    frequencies = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    table = torch.zeros(length, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(positions * frequencies)
    table[:, 1::2] = torch.cos(positions * frequencies[: dim // 2])
    return table.to(dtype)


class SinusoidalPositionalEncoding(nn.Module):
    """Fixed sine/cosine position encodings added to the token embeddings.

    Each pair of features oscillates at its own wavelength, from ``2π`` to ``2π·base``, so that a
    fixed offset is a linear map of the encoding. Nothing is learned; dropout is applied to the sum
    as in the paper.

    Reference: Vaswani et al. (2017), "Attention Is All You Need", Section 3.5, arXiv:1706.03762.

    Args:
        dim: Embedding width ``D``.
        max_len: Longest sequence supported (the table is precomputed).
        base: Wavelength base (10000 in the paper).
        dropout: Dropout probability on the sum.

    """

    table: Tensor

    def __init__(self, dim: int, max_len: int = 4096, base: float = 10000.0, dropout: float = 0.0) -> None:
        super().__init__()
        self.dim, self.max_len, self.dropout = dim, max_len, dropout
        self.register_buffer("table", sinusoid_table(max_len, dim, float(base)), persistent=False)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """``x + PE[offset : offset+T]`` for ``x`` of shape ``[..., T, D]``."""
        length = x.shape[-2]
        if offset + length > self.max_len:
            raise ValueError(f"positions up to {offset + length} exceed max_len={self.max_len}")
        return F.dropout(x + self.table[offset : offset + length].to(x.dtype), self.dropout, self.training)


class LearnedPositionalEmbedding(nn.Module):
    """A trainable vector per absolute position, added to the token embeddings.

    References: Gehring, Auli, Grangier, Yarats, Dauphin (2017), "Convolutional Sequence to
    Sequence Learning", arXiv:1705.03122; Devlin, Chang, Lee, Toutanova (2019), "BERT",
    arXiv:1810.04805. Initialised from N(0, 0.02²) as in GPT-2/BERT.

    Args:
        max_len: Number of positions (the longest sequence).
        dim: Embedding width ``D``.
        dropout: Dropout probability on the sum.

    """

    def __init__(self, max_len: int, dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.max_len, self.dim, self.dropout = max_len, dim, dropout
        self.weight = nn.Parameter(torch.empty(max_len, dim))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """``x + P[offset : offset+T]`` for ``x`` of shape ``[..., T, D]``."""
        length = x.shape[-2]
        if offset + length > self.max_len:
            raise ValueError(f"positions up to {offset + length} exceed max_len={self.max_len}")
        return F.dropout(x + self.weight[offset : offset + length], self.dropout, self.training)


# --- Samples and oracles --------------------------------------------------------------------------


def attention_scores(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Random attention scores ``[B, H, T, T]`` for :class:`ALiBi`."""
    heads = args.get("num_heads", 4)
    return (torch.randn(4, heads if isinstance(heads, int) else 4, 8, 8),)


def rope_oracle(module: RotaryPositionEmbedding, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """RoPE as complex multiplication: z_{m,i} · exp(i·m·θ_i), θ_i = base^(−2i/d), in float64."""
    x = inputs[0].double()
    dim, length = x.shape[-1], x.shape[-2]
    if module.interleaved:
        z = torch.view_as_complex(x.reshape(*x.shape[:-1], dim // 2, 2).contiguous())
    else:
        z = torch.complex(x[..., : dim // 2], x[..., dim // 2 :])
    theta = torch.tensor([module.base ** (-2.0 * i / dim) for i in range(dim // 2)], dtype=torch.float64)
    m = torch.arange(length, dtype=torch.float64)[:, None]
    rotated = z * torch.polar(torch.ones_like(m * theta), m * theta)
    if module.interleaved:
        return torch.view_as_real(rotated).flatten(-2)
    return torch.cat([rotated.real, rotated.imag], dim=-1)


def sinusoidal_oracle(module: SinusoidalPositionalEncoding, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Return x + PE from the formula of Vaswani et al., one entry at a time with :mod:`math`."""
    x = inputs[0].double()
    length, dim = x.shape[-2], x.shape[-1]
    base = float(args.get("base", 10000.0))
    pe = torch.zeros(length, dim, dtype=torch.float64)
    for pos in range(length):
        for i in range(dim):
            angle = pos / base ** ((i - i % 2) / dim)
            pe[pos, i] = math.sin(angle) if i % 2 == 0 else math.cos(angle)
    return x + pe


def learned_position_oracle(module: LearnedPositionalEmbedding, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Return x + an embedding lookup of the positions 0 … T−1."""
    x = inputs[0].double()
    return x + F.embedding(torch.arange(x.shape[-2]), module.weight.double())
