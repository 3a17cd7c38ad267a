"""Sparse attention patterns (dilated windows, global tokens, random keys) and axial attention.

Each pattern is a boolean ``[Tq, Tk]`` mask of the (query, key) pairs that may interact, applied
to full scores; a production kernel computes only the allowed blocks, with the same result. The
oracles build the same masks pair by pair and run ``torch.nn.MultiheadAttention`` in float64.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from implementations.components.layers.attention import GroupedQueryAttention, reference_mha


class SparsePatternAttention(GroupedQueryAttention):
    """Multi-head attention restricted to a union of Longformer and BigBird patterns.

    A query ``i`` may attend to key ``j`` when any of these holds (and, if ``causal``, ``j ≤ i``):

    * local window: ``|i − j| ≤ (window_size // 2)·dilation`` and ``dilation`` divides ``i − j``
      (causal: ``0 ≤ i − j < window_size·dilation``, same divisibility) — a dilated window
      widens the receptive field at the same cost (Longformer §3.1);
    * global tokens: ``i < global_tokens`` or ``j < global_tokens`` — the first tokens see and are
      seen by every position (Longformer's global attention, BigBird's ITC global tokens);
    * random keys: ``num_random`` keys per query, drawn once from a generator seeded with ``seed``
      (BigBird's random attention), fixed for the life of the module;
    * the diagonal ``i = j`` (so no query row is ever empty).

    References: Beltagy, Peters, Cohan (2020), "Longformer: The Long-Document Transformer",
    arXiv:2004.05150; Zaheer et al. (2020), "Big Bird: Transformers for Longer Sequences",
    arXiv:2007.14062.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Number of heads.
        window_size: Local window length ``w`` (0: no local band).
        dilation: Gap between attended keys inside the window (1: contiguous).
        global_tokens: Number of leading global positions.
        num_random: Random keys per query.
        max_len: Longest sequence the random pattern covers.
        seed: Seed of the random pattern.
        bias: Whether the projections have a bias.
        dropout: Dropout on attention weights.
        causal: Whether query ``i`` only sees keys ``j ≤ i``.

    """

    random_keys: Tensor

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        window_size: int = 3,
        dilation: int = 1,
        global_tokens: int = 0,
        num_random: int = 0,
        max_len: int = 512,
        seed: int = 0,
        bias: bool = True,
        dropout: float = 0.0,
        causal: bool = False,
    ) -> None:
        super().__init__(embed_dim, num_heads, bias=bias, dropout=dropout, causal=causal)
        if window_size < 0 or dilation < 1 or global_tokens < 0 or num_random < 0:
            raise ValueError("window_size, global_tokens and num_random must be ≥ 0 and dilation ≥ 1")
        self.window_size, self.dilation, self.global_tokens, self.num_random = window_size, dilation, global_tokens, num_random
        generator = torch.Generator().manual_seed(seed)
        keys = torch.rand(max_len, max_len, generator=generator).argsort(dim=1)[:, :num_random]
        self.register_buffer("random_keys", keys, persistent=False)

    def allowed(self, q_len: int, k_len: int, device: torch.device) -> Tensor:
        """Boolean ``[Tq, Tk]`` mask: window ∪ global ∪ random ∪ diagonal (∩ causal)."""
        rows = torch.arange(q_len, device=device)[:, None]
        cols = torch.arange(k_len, device=device)[None, :]
        gap = rows - cols
        on_grid = gap % self.dilation == 0
        if self.causal:
            local = (gap >= 0) & (gap < self.window_size * self.dilation) & on_grid
        else:
            local = (gap.abs() <= (self.window_size // 2) * self.dilation) & on_grid & (self.window_size > 0)
        mask = local | (rows < self.global_tokens) | (cols < self.global_tokens) | (gap == 0)
        if self.num_random:
            picks = self.random_keys[:q_len] % k_len
            mask = mask | torch.zeros(q_len, k_len, dtype=torch.bool, device=device).scatter(1, picks, True)
        return mask & (gap >= 0) if self.causal else mask


class AxialAttention(nn.Module):
    """Attention along one axis of a grid at a time: first along rows, then along columns.

    For an ``H × W`` grid this costs ``O(H·W·(H + W))`` instead of ``O((H·W)²)`` while two layers
    still connect every pair of positions.

    Reference: Ho, Kalchbrenner, Weissenborn, Salimans (2019), "Axial Attention in
    Multidimensional Transformers", arXiv:1912.12180.

    Args:
        embed_dim: Channel width ``D``.
        num_heads: Heads of each axis' attention.
        bias: Whether the projections have a bias.

    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True) -> None:
        super().__init__()
        self.row = GroupedQueryAttention(embed_dim, num_heads, bias=bias)
        self.column = GroupedQueryAttention(embed_dim, num_heads, bias=bias)

    def forward(self, x: Tensor) -> Tensor:
        """Grid ``[B, H, W, D]`` → ``[B, H, W, D]``."""
        batch, height, width, dim = x.shape
        rows = self.row(x.reshape(batch * height, width, dim)).reshape(batch, height, width, dim)
        columns = rows.transpose(1, 2).reshape(batch * width, height, dim)
        out: Tensor = self.column(columns).reshape(batch, width, height, dim).transpose(1, 2)
        return out


# --- samples and float64 oracles ------------------------------------------------------------------


def grids(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """A batch of ``[2, 4, 5, embed_dim]`` grids (height ≠ width, so a swapped axis shows)."""
    return (torch.randn(2, 4, 5, int(args.get("embed_dim", 16))),)


def pattern_oracle(module: SparsePatternAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """``nn.MultiheadAttention`` with the pattern written out pair by pair."""
    length = inputs[0].shape[1]
    w, d, g = module.window_size, module.dilation, module.global_tokens
    random_keys = {(i, int(j) % length) for i in range(length) for j in module.random_keys[i].tolist()}
    blocked = torch.ones(length, length, dtype=torch.bool)
    for i in range(length):
        for j in range(length):
            reach = 0 <= i - j < w * d if module.causal else w > 0 and abs(i - j) <= (w // 2) * d
            local = reach and (i - j) % d == 0
            ok = local or i < g or j < g or i == j or (i, j) in random_keys
            blocked[i, j] = not (ok and (j <= i or not module.causal))
    return reference_mha(module, blocked, inputs)


def axial_oracle(module: AxialAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Row by row, then column by column, each through float64 ``nn.MultiheadAttention``."""
    x = inputs[0].double()
    rows = torch.stack([reference_mha(module.row, None, (x[:, r],)) for r in range(x.shape[1])], dim=1)
    return torch.stack([reference_mha(module.column, None, (rows[:, :, c],)) for c in range(x.shape[2])], dim=2)
