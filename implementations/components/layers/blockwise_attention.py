"""Exact attention computed block by block with an online softmax (memory-efficient and ring attention)."""

from __future__ import annotations

import math

import torch
from torch import Tensor

from implementations.components.layers.attention import GroupedQueryAttention, merge_heads, split_heads


class BlockwiseAttention(GroupedQueryAttention):
    """Exact softmax attention over key/value blocks, never holding more than one ``Tq × block`` score tile.

    For every key/value block the running row maximum ``m``, normaliser ``ℓ`` and weighted sum
    ``o`` are updated: ``m' = max(m, max_j s_j)``, ``ℓ' = e^{m − m'} ℓ + Σ_j e^{s_j − m'}``,
    ``o' = e^{m − m'} o + Σ_j e^{s_j − m'} v_j``; the output is ``o / ℓ``. Memory is ``O(T·block)``
    instead of ``O(T²)`` (Rabe & Staats); in ring attention each of ``num_blocks`` devices holds one
    query block and the key/value blocks travel round the ring, each device applying this same
    update as a block arrives (Liu, Zaharia, Abbeel). Here the devices are simulated in one process
    in ring order.

    References: Rabe, Staats (2021), "Self-attention Does Not Need O(n²) Memory", arXiv:2112.05682;
    Liu, Zaharia, Abbeel (2023), "Ring Attention with Blockwise Transformers for Near-Infinite
    Context", arXiv:2310.01889.

    Args:
        embed_dim: Model width ``D``.
        num_heads: Heads.
        block_size: Keys per block (memory-efficient attention) — or, with ``num_blocks``, derived.
        num_blocks: Number of ring devices: split the sequence into this many query and key blocks.
        causal: Whether query ``i`` only sees keys ``j ≤ i``.
        bias: Whether the projections have a bias.

    """

    def __init__(
        self, embed_dim: int, num_heads: int, block_size: int = 4, num_blocks: int | None = None, causal: bool = False, bias: bool = True
    ) -> None:
        super().__init__(embed_dim, num_heads, bias=bias, causal=causal)
        self.block_size, self.num_blocks = block_size, num_blocks

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None, attn_bias: Tensor | None = None) -> Tensor:
        """``[B, Tq, D]`` attending to ``[B, Tk, D]`` → ``[B, Tq, D]``."""
        if attn_bias is not None:
            raise ValueError("blockwise attention takes no additive bias")
        key = query if key is None else key
        value = key if value is None else value
        q = split_heads(self.q_proj(query), self.num_heads) / math.sqrt(self.head_dim)
        k, v = split_heads(self.k_proj(key), self.num_heads), split_heads(self.v_proj(value), self.num_heads)
        size = math.ceil(k.shape[2] / self.num_blocks) if self.num_blocks else self.block_size
        q_size = math.ceil(q.shape[2] / self.num_blocks) if self.num_blocks else q.shape[2]
        outputs = []
        for device, q_start in enumerate(range(0, q.shape[2], q_size)):
            q_block = q[:, :, q_start : q_start + q_size]
            starts = list(range(0, k.shape[2], size))
            order = starts[device % len(starts) :] + starts[: device % len(starts)] if self.num_blocks else starts  # ring order
            running_max = torch.full(q_block.shape[:-1], -math.inf, dtype=q.dtype, device=q.device)
            norm, acc = torch.zeros_like(running_max), torch.zeros_like(q_block)
            for k_start in order:
                scores = q_block @ k[:, :, k_start : k_start + size].transpose(-2, -1)
                if self.causal:
                    rows = torch.arange(q_start, q_start + q_block.shape[2], device=q.device)[:, None]
                    cols = torch.arange(k_start, k_start + scores.shape[-1], device=q.device)[None, :]
                    scores = scores.masked_fill(cols > rows, -math.inf)
                new_max = torch.maximum(running_max, scores.amax(-1))
                safe = torch.where(torch.isinf(new_max), torch.zeros_like(new_max), new_max)  # a fully masked tile so far
                weights = torch.exp(scores - safe[..., None])
                decay = torch.exp(running_max - safe)
                norm = decay * norm + weights.sum(-1)
                acc = decay[..., None] * acc + weights @ v[:, :, k_start : k_start + size]
                running_max = new_max
            outputs.append(acc / norm[..., None])
        out: Tensor = self.out_proj(merge_heads(torch.cat(outputs, dim=2)))
        return out
