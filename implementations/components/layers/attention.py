"""Attention variants: grouped-query (with multi-query as a special case), sliding-window, linear.

Every module takes batch-first sequences ``[B, T, D]`` and returns ``[B, T, D]``. Self-attention is
the default: ``forward(x)`` uses ``x`` as query, key and value; pass ``key``/``value`` for
cross-attention. The code favours plain tensor algebra over fused kernels so each step of the
papers' equations can be read off directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def split_heads(x: Tensor, heads: int) -> Tensor:
    """``[B, T, heads·Dh]`` → ``[B, heads, T, Dh]``."""
    batch, length, width = x.shape
    return x.view(batch, length, heads, width // heads).transpose(1, 2)


def merge_heads(x: Tensor) -> Tensor:
    """``[B, H, T, Dh]`` → ``[B, T, H·Dh]``."""
    batch, heads, length, head_dim = x.shape
    return x.transpose(1, 2).reshape(batch, length, heads * head_dim)


class GroupedQueryAttention(nn.Module):
    """Scaled dot-product attention in which groups of query heads share one key/value head.

    ``num_heads`` query heads are split into ``num_kv_heads`` groups of equal size; every group
    reads the same key and value projection. ``num_kv_heads == num_heads`` is ordinary multi-head
    attention (Vaswani et al. 2017) and ``num_kv_heads == 1`` is multi-query attention
    (Shazeer 2019); the key/value projections, and a decoder's KV cache, shrink by the group size.

    Reference: Ainslie, Lee-Thorp, de Jong, Zemlyanskiy, Lebrón, Sanghai (2023), "GQA: Training
    Generalized Multi-Query Transformer Models from Multi-Head Checkpoints", arXiv:2305.13245.

    Args:
        embed_dim: Model width ``D`` (input and output).
        num_heads: Number of query heads; must divide ``embed_dim``.
        num_kv_heads: Number of key/value heads; must divide ``num_heads`` (default: ``num_heads``).
        bias: Whether the four projections have a bias.
        dropout: Dropout probability on the attention weights (training only).
        causal: Whether query ``i`` may only attend to keys ``j ≤ i``.

    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        num_kv_heads: int | None = None,
        bias: bool = True,
        dropout: float = 0.0,
        causal: bool = False,
    ) -> None:
        super().__init__()
        kv_heads = num_heads if num_kv_heads is None else num_kv_heads
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        if kv_heads < 1 or num_heads % kv_heads:
            raise ValueError(f"num_kv_heads={kv_heads} must be positive and divide num_heads={num_heads}")
        self.embed_dim, self.num_heads, self.num_kv_heads = embed_dim, num_heads, kv_heads
        self.head_dim = embed_dim // num_heads
        self.dropout, self.causal = dropout, causal
        kv_width = kv_heads * self.head_dim
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, kv_width, bias=bias)
        self.v_proj = nn.Linear(embed_dim, kv_width, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    @property
    def group_size(self) -> int:
        """Query heads per key/value head."""
        return self.num_heads // self.num_kv_heads

    def allowed(self, q_len: int, k_len: int, device: torch.device) -> Tensor | None:
        """Boolean ``[Tq, Tk]`` mask of the (query, key) pairs that may interact, or None for all."""
        if not self.causal:
            return None
        rows = torch.arange(q_len, device=device)[:, None]
        cols = torch.arange(k_len, device=device)[None, :]
        return cols <= rows

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None, attn_bias: Tensor | None = None) -> Tensor:
        """Attend from ``query`` to ``key``/``value`` (both default to ``query``).

        Args:
            query: ``[B, Tq, D]``.
            key: ``[B, Tk, D]`` (default ``query``).
            value: ``[B, Tk, D]`` (default ``key``).
            attn_bias: Optional additive bias broadcastable to ``[B, H, Tq, Tk]`` (e.g. ALiBi).

        Returns:
            ``[B, Tq, D]``.

        """
        key = query if key is None else key
        value = key if value is None else value
        q = split_heads(self.q_proj(query), self.num_heads)
        k = split_heads(self.k_proj(key), self.num_kv_heads)
        v = split_heads(self.v_proj(value), self.num_kv_heads)
        # Each key/value head serves `group_size` consecutive query heads.
        k = k.repeat_interleave(self.group_size, dim=1)
        v = v.repeat_interleave(self.group_size, dim=1)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.head_dim)
        if attn_bias is not None:
            scores = scores + attn_bias
        mask = self.allowed(q.shape[-2], k.shape[-2], scores.device)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = F.dropout(torch.softmax(scores, dim=-1), self.dropout, self.training)
        out: Tensor = self.out_proj(merge_heads(weights @ v))
        return out


class MultiQueryAttention(GroupedQueryAttention):
    """Multi-query attention: every query head shares a single key head and value head.

    Reference: Shazeer (2019), "Fast Transformer Decoding: One Write-Head is All You Need",
    arXiv:1911.02150. Equivalent to :class:`GroupedQueryAttention` with ``num_kv_heads=1``.
    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True, dropout: float = 0.0, causal: bool = False) -> None:
        super().__init__(embed_dim, num_heads, num_kv_heads=1, bias=bias, dropout=dropout, causal=causal)


class SlidingWindowAttention(GroupedQueryAttention):
    """Local attention: each query sees only keys inside a fixed window around its position.

    Causal (default): query ``i`` attends to keys ``i − window_size < j ≤ i`` — ``window_size``
    keys including itself, as in Mistral 7B. Bidirectional: query ``i`` attends to keys with
    ``|i − j| ≤ window_size // 2``, Longformer's window of ``window_size / 2`` on each side. Cost
    grows as ``T · window_size`` instead of ``T²`` when computed blockwise; this reference builds
    the banded mask on full scores for clarity. Stacking ``L`` layers gives a receptive field of
    about ``L · window_size`` tokens.

    References: Beltagy, Peters, Cohan (2020), "Longformer: The Long-Document Transformer",
    arXiv:2004.05150; Jiang et al. (2023), "Mistral 7B", arXiv:2310.06825.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Number of query heads.
        window_size: Window length ``w`` (≥ 1).
        num_kv_heads: Key/value heads (grouped-query sharing; default ``num_heads``).
        bias: Whether the projections have a bias.
        dropout: Dropout on attention weights.
        causal: Causal window (default) or a symmetric one.

    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        window_size: int,
        num_kv_heads: int | None = None,
        bias: bool = True,
        dropout: float = 0.0,
        causal: bool = True,
    ) -> None:
        super().__init__(embed_dim, num_heads, num_kv_heads=num_kv_heads, bias=bias, dropout=dropout, causal=causal)
        if window_size < 1:
            raise ValueError(f"window_size must be ≥ 1, got {window_size}")
        self.window_size = window_size

    def allowed(self, q_len: int, k_len: int, device: torch.device) -> Tensor:
        """Banded boolean ``[Tq, Tk]`` mask."""
        offset = torch.arange(k_len, device=device)[None, :] - torch.arange(q_len, device=device)[:, None]  # j − i
        if self.causal:
            return (offset <= 0) & (offset > -self.window_size)
        return offset.abs() <= self.window_size // 2


def elu_feature_map(x: Tensor) -> Tensor:
    """φ(x) = elu(x) + 1, the positive feature map of Katharopoulos et al. (2020)."""
    return F.elu(x) + 1.0


class LinearAttention(nn.Module):
    """Kernelized attention whose cost is linear in the sequence length.

    The softmax similarity is replaced by φ(q)·φ(k) with φ(x) = elu(x) + 1, so that
    ``out_i = φ(q_i)ᵀ S / (φ(q_i)ᵀ z)`` with ``S = Σ_j φ(k_j) v_jᵀ`` and ``z = Σ_j φ(k_j)``. In the
    causal case both sums run over ``j ≤ i`` (prefix sums), which makes the layer an RNN at
    inference time.

    Reference: Katharopoulos, Vyas, Pappas, Fleuret (2020), "Transformers are RNNs: Fast
    Autoregressive Transformers with Linear Attention", arXiv:2006.16236.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Number of heads; must divide ``embed_dim``.
        bias: Whether the projections have a bias.
        causal: Whether query ``i`` only sees keys ``j ≤ i``.
        eps: Added to the normaliser ``φ(q_i)ᵀ z`` for stability.

    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True, causal: bool = False, eps: float = 1e-6) -> None:
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        self.embed_dim, self.num_heads, self.causal, self.eps = embed_dim, num_heads, causal, eps
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None) -> Tensor:
        """``[B, Tq, D]`` queries attending to ``[B, Tk, D]`` keys/values → ``[B, Tq, D]``."""
        key = query if key is None else key
        value = key if value is None else value
        if self.causal and query.shape[1] != key.shape[1]:
            raise ValueError("causal linear attention needs queries and keys of the same length")
        q = elu_feature_map(split_heads(self.q_proj(query), self.num_heads))
        k = elu_feature_map(split_heads(self.k_proj(key), self.num_heads))
        v = split_heads(self.v_proj(value), self.num_heads)
        if self.causal:
            state = torch.einsum("bhtd,bhte->bhtde", k, v).cumsum(dim=2)  # S_i = Σ_{j≤i} φ(k_j) v_jᵀ
            norm = k.cumsum(dim=2)  # z_i = Σ_{j≤i} φ(k_j)
            numerator = torch.einsum("bhtd,bhtde->bhte", q, state)
            denominator = torch.einsum("bhtd,bhtd->bht", q, norm)
        else:
            state = torch.einsum("bhtd,bhte->bhde", k, v)
            norm = k.sum(dim=2)
            numerator = torch.einsum("bhtd,bhde->bhte", q, state)
            denominator = torch.einsum("bhtd,bhd->bht", q, norm)
        mixed = numerator / (denominator[..., None] + self.eps)
        out: Tensor = self.out_proj(merge_heads(mixed))
        return out


# --- Oracles (independent formulations in float64; signature ``fn(module, inputs, args)``) -------


def reference_mha(module: GroupedQueryAttention, blocked: Tensor | None, inputs: tuple[Tensor, ...]) -> Tensor:
    """torch.nn.MultiheadAttention (float64) carrying the module's weights, K/V heads repeated."""
    has_bias = module.q_proj.bias is not None
    mha = nn.MultiheadAttention(module.embed_dim, module.num_heads, bias=has_bias, batch_first=True, dtype=torch.float64)

    def repeated(weight: Tensor) -> Tensor:  # [kv·Dh, ...] → [H·Dh, ...]: head h reads kv head h // group
        heads = weight.reshape(module.num_kv_heads, module.head_dim, *weight.shape[1:])
        return heads.repeat_interleave(module.group_size, dim=0).reshape(module.embed_dim, *weight.shape[1:])

    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([module.q_proj.weight, repeated(module.k_proj.weight), repeated(module.v_proj.weight)]))
        mha.out_proj.weight.copy_(module.out_proj.weight)
        if has_bias:
            assert module.k_proj.bias is not None and module.v_proj.bias is not None
            mha.in_proj_bias.copy_(torch.cat([module.q_proj.bias, repeated(module.k_proj.bias), repeated(module.v_proj.bias)]))
            mha.out_proj.bias.copy_(module.out_proj.bias)
    x = inputs[0].double()
    key = inputs[1].double() if len(inputs) > 1 else x
    value = inputs[2].double() if len(inputs) > 2 else key
    out: Tensor = mha.eval()(x, key, value, attn_mask=blocked, need_weights=False)[0]
    return out


def gqa_oracle(module: GroupedQueryAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Grouped-query attention = multi-head attention whose K/V projections repeat per group."""
    length = inputs[0].shape[1]
    blocked = torch.ones(length, length, dtype=torch.bool).triu(1) if module.causal else None
    return reference_mha(module, blocked, inputs)


def sliding_window_oracle(module: SlidingWindowAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Multi-head attention with the band written out position by position."""
    length, w = inputs[0].shape[1], module.window_size
    blocked = torch.ones(length, length, dtype=torch.bool)
    for i in range(length):
        keys = range(max(0, i - w + 1), i + 1) if module.causal else range(max(0, i - w // 2), min(length, i + w // 2 + 1))
        blocked[i, list(keys)] = False
    return reference_mha(module, blocked, inputs)


def linear_attention_oracle(module: LinearAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The quadratic form: A_ij = φ(q_i)·φ(k_j) (zero for j > i if causal), out = A v / (Σ_j A_ij + eps)."""
    m = module
    x = inputs[0].double()

    def project(layer: nn.Linear) -> Tensor:
        y = x @ layer.weight.double().T
        y = y + layer.bias.double() if layer.bias is not None else y
        return split_heads(y, m.num_heads)

    q, k, v = (project(layer) for layer in (m.q_proj, m.k_proj, m.v_proj))
    phi_q = torch.where(q > 0, q + 1.0, torch.exp(q))  # elu(x) + 1
    phi_k = torch.where(k > 0, k + 1.0, torch.exp(k))
    sim = phi_q @ phi_k.transpose(-2, -1)
    if m.causal:
        sim = sim.tril()
    out = merge_heads((sim @ v) / (sim.sum(-1, keepdim=True) + m.eps)) @ m.out_proj.weight.double().T
    return out + m.out_proj.bias.double() if m.out_proj.bias is not None else out
