"""Additive (Bahdanau) attention, a KV-cached decoder attention, SDPA-kernel attention and prefix tuning.

The last three reuse :class:`GroupedQueryAttention`'s projections, so the registered
multi-head oracle (``nn.MultiheadAttention`` in float64) checks them too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.attention import SDPBackend, sdpa_kernel

from implementations.components.layers.attention import GroupedQueryAttention, merge_heads, split_heads


class BahdanauAttention(nn.Module):
    """Additive attention: ``e_j = vᵀ tanh(W s + U h_j + b)``, ``α = softmax(e)``, ``c = Σ_j α_j h_j``.

    Reference: Bahdanau, Cho, Bengio (2015), "Neural Machine Translation by Jointly Learning to
    Align and Translate", arXiv:1409.0473 (appendix A.1.2). After each forward, :attr:`weights`
    holds the alignment ``α``.

    Args:
        query_dim: Width of the decoder state ``s``.
        key_dim: Width of the encoder annotations ``h_j`` (and of the context).
        hidden_dim: Width of the alignment MLP.

    """

    def __init__(self, query_dim: int, key_dim: int, hidden_dim: int = 32) -> None:
        super().__init__()
        self.query_proj = nn.Linear(query_dim, hidden_dim, bias=False)
        self.key_proj = nn.Linear(key_dim, hidden_dim)
        self.score = nn.Linear(hidden_dim, 1, bias=False)
        self.weights: Tensor | None = None

    def forward(self, query: Tensor, keys: Tensor) -> Tensor:
        """Decoder state ``[B, query_dim]`` and annotations ``[B, T, key_dim]`` → context ``[B, key_dim]``."""
        energy = self.score(torch.tanh(self.query_proj(query)[:, None, :] + self.key_proj(keys))).squeeze(-1)
        self.weights = torch.softmax(energy, dim=-1)
        return (self.weights[:, :, None] * keys).sum(dim=1)


class KVCacheAttention(GroupedQueryAttention):
    """Causal (grouped-query) attention that decodes one token at a time from a key/value cache.

    :meth:`step` projects only the new token, appends its key and value to the cache and attends
    from it to everything cached, so decoding ``T`` tokens costs ``O(T)`` projections instead of
    ``O(T²)``. :meth:`forward` decodes a whole sequence this way and must equal full-sequence causal
    attention. The cache holds ``num_kv_heads`` heads: grouped-query attention shrinks it.

    References: Pope et al. (2022), "Efficiently Scaling Transformer Inference",
    arXiv:2211.05102 (the KV cache and its memory cost); Vaswani et al. (2017), arXiv:1706.03762.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Query heads.
        num_kv_heads: Key/value heads kept in the cache (default ``num_heads``).
        bias: Whether the projections have a bias.

    """

    def __init__(self, embed_dim: int, num_heads: int, num_kv_heads: int | None = None, bias: bool = True) -> None:
        super().__init__(embed_dim, num_heads, num_kv_heads=num_kv_heads, bias=bias, causal=True)
        self.cache: tuple[Tensor, Tensor] | None = None

    def reset(self) -> None:
        """Empty the cache (start a new sequence)."""
        self.cache = None

    def step(self, token: Tensor) -> Tensor:
        """One new position ``[B, 1, D]`` → its output ``[B, 1, D]``, attending to the cache and itself."""
        k = split_heads(self.k_proj(token), self.num_kv_heads)
        v = split_heads(self.v_proj(token), self.num_kv_heads)
        if self.cache is not None:
            k, v = torch.cat([self.cache[0], k], dim=2), torch.cat([self.cache[1], v], dim=2)
        self.cache = (k, v)
        q = split_heads(self.q_proj(token), self.num_heads)
        k, v = k.repeat_interleave(self.group_size, dim=1), v.repeat_interleave(self.group_size, dim=1)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.head_dim), dim=-1)
        out: Tensor = self.out_proj(merge_heads(weights @ v))
        return out

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None, attn_bias: Tensor | None = None) -> Tensor:
        """Decode ``[B, T, D]`` token by token from an empty cache (self-attention only)."""
        if key is not None or value is not None or attn_bias is not None:
            raise ValueError("KVCacheAttention decodes self-attention only")
        self.reset()
        return torch.cat([self.step(query[:, t : t + 1]) for t in range(query.shape[1])], dim=1)


_BACKENDS = {"flash": SDPBackend.FLASH_ATTENTION, "efficient": SDPBackend.EFFICIENT_ATTENTION, "math": SDPBackend.MATH}


class FlashAttention(GroupedQueryAttention):
    """Multi-head attention through ``torch.nn.functional.scaled_dot_product_attention`` on a chosen kernel.

    ``backend="flash"`` restricts SDPA to the FlashAttention kernel: tiled, exact softmax attention
    that never materialises the ``T × T`` score matrix (on CPU, torch's flash-attention CPU kernel;
    on GPUs, FlashAttention-2). ``"efficient"`` is the memory-efficient (xFormers) kernel, which has
    no CPU implementation; ``"math"`` is the reference composite; ``"auto"`` lets torch choose.

    Reference: Dao, Fu, Ermon, Rudra, Ré (2022), "FlashAttention: Fast and Memory-Efficient Exact
    Attention with IO-Awareness", arXiv:2205.14135.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Heads.
        backend: ``"flash"``, ``"efficient"``, ``"math"`` or ``"auto"``.
        bias: Whether the projections have a bias.
        dropout: Dropout on the attention weights (training only).
        causal: Whether query ``i`` only sees keys ``j ≤ i``.

    """

    def __init__(
        self, embed_dim: int, num_heads: int, backend: str = "flash", bias: bool = True, dropout: float = 0.0, causal: bool = False
    ) -> None:
        super().__init__(embed_dim, num_heads, bias=bias, dropout=dropout, causal=causal)
        if backend not in (*_BACKENDS, "auto"):
            raise ValueError(f"backend must be one of {[*_BACKENDS, 'auto']}, got {backend!r}")
        self.backend = backend

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None, attn_bias: Tensor | None = None) -> Tensor:
        """``[B, Tq, D]`` attending to ``[B, Tk, D]`` → ``[B, Tq, D]`` on the selected kernel."""
        if attn_bias is not None:
            raise ValueError("the flash kernel takes no additive bias")
        key = query if key is None else key
        value = key if value is None else value
        q, k, v = (split_heads(proj(x), self.num_heads) for proj, x in ((self.q_proj, query), (self.k_proj, key), (self.v_proj, value)))
        dropout = self.dropout if self.training else 0.0
        backends = list(_BACKENDS.values()) if self.backend == "auto" else [_BACKENDS[self.backend]]
        with sdpa_kernel(backends):
            mixed = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=self.causal)
        out: Tensor = self.out_proj(merge_heads(mixed))
        return out


class PrefixAttention(GroupedQueryAttention):
    """Prefix tuning: learned key/value vectors prepended to a frozen attention layer's keys and values.

    Only the prefixes (``prefix_length`` keys and values per head) train; the projections stay
    frozen, as in fine-tuning a pretrained model with prefix tuning.

    Reference: Li, Liang (2021), "Prefix-Tuning: Optimizing Continuous Prompts for Generation",
    arXiv:2101.00190.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Heads.
        prefix_length: Learned positions per layer.
        freeze_base: Freeze the attention projections (only the prefixes train).

    """

    def __init__(self, embed_dim: int, num_heads: int, prefix_length: int = 4, freeze_base: bool = True) -> None:
        super().__init__(embed_dim, num_heads)
        self.prefix_keys = nn.Parameter(torch.randn(num_heads, prefix_length, self.head_dim) * 0.02)
        self.prefix_values = nn.Parameter(torch.randn(num_heads, prefix_length, self.head_dim) * 0.02)
        for layer in (self.q_proj, self.k_proj, self.v_proj, self.out_proj):
            layer.requires_grad_(not freeze_base)

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None, attn_bias: Tensor | None = None) -> Tensor:
        """``[B, T, D]`` → ``[B, T, D]``, every query also seeing the learned prefix."""
        key = query if key is None else key
        value = key if value is None else value
        batch = query.shape[0]
        q, k, v = (split_heads(proj(x), self.num_heads) for proj, x in ((self.q_proj, query), (self.k_proj, key), (self.v_proj, value)))
        k = torch.cat([self.prefix_keys.expand(batch, -1, -1, -1), k], dim=2)
        v = torch.cat([self.prefix_values.expand(batch, -1, -1, -1), v], dim=2)
        weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.head_dim), dim=-1)
        out: Tensor = self.out_proj(merge_heads(weights @ v))
        return out


# --- samples and float64 oracles ------------------------------------------------------------------


def bahdanau_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """A decoder state ``[4, query_dim]`` and annotations ``[4, 10, key_dim]``."""
    return torch.randn(4, int(args.get("query_dim", 16))), torch.randn(4, 10, int(args.get("key_dim", 16)))


def _affine(x: Tensor, layer: nn.Linear) -> Tensor:
    y = x @ layer.weight.double().T
    return y + layer.bias.double() if layer.bias is not None else y


def bahdanau_oracle(module: BahdanauAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The paper's equations annotation by annotation, in float64."""
    s, h = inputs[0].double(), inputs[1].double()
    v = module.score.weight.double()[0]
    contexts = []
    for b in range(s.shape[0]):
        energies = torch.stack(
            [v @ torch.tanh(_affine(s[b], module.query_proj) + _affine(h[b, j], module.key_proj)) for j in range(h.shape[1])]
        )
        alpha = torch.exp(energies - energies.max()) / torch.exp(energies - energies.max()).sum()
        contexts.append((alpha[:, None] * h[b]).sum(0))
    return torch.stack(contexts)


def prefix_oracle(module: PrefixAttention, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Explicit softmax attention over ``[prefix; keys]`` per batch element and head, in float64."""
    x = inputs[0].double()
    heads, dh = module.num_heads, module.head_dim
    q, k, v = (_affine(x, layer).reshape(*x.shape[:2], heads, dh) for layer in (module.q_proj, module.k_proj, module.v_proj))
    out = torch.empty_like(q)
    for b in range(x.shape[0]):
        for h in range(heads):
            keys = torch.cat([module.prefix_keys[h].double(), k[b, :, h]])
            values = torch.cat([module.prefix_values[h].double(), v[b, :, h]])
            out[b, :, h] = torch.softmax(q[b, :, h] @ keys.T / math.sqrt(dh), dim=-1) @ values
    return _affine(out.reshape(x.shape), module.out_proj)
