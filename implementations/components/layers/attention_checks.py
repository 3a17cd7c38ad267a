"""Sample inputs and float64 oracles for attention biases, written from the papers (not from the modules).

Signature of oracles: ``fn(module, inputs, args)`` as in :mod:`implementations.registry.smoke`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor


def alibi_paper_slope(head: int, num_heads: int) -> float:
    """Slope of head ``head`` (0-based) among ``num_heads``, by the rule of Press, Smith & Lewis 2022.

    "Train Short, Test Long", arXiv 2108.12409, Section 3: for ``n`` heads, a power of two, the
    slopes are the geometric sequence starting at and multiplied by ``2^(−8/n)``. For another
    head count ``H``, take the ``n`` slopes of the closest lower power of two ``n``, then the first
    ``H − n`` of every other slope of the ``2n`` sequence — that is, its odd-numbered terms
    ``2^(−8·(2j+1)/(2n))``.
    """
    lower = 1 << (num_heads.bit_length() - 1)  # the closest power of two ≤ H
    if head < lower:
        return float(2.0 ** (-8.0 * (head + 1) / lower))
    return float(2.0 ** (-8.0 * (2 * (head - lower) + 1) / (2 * lower)))


def alibi_oracle(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Scores plus ``−m_h · |p_i − j|``, head by head and entry by entry.

    Query ``i`` of ``Tq`` sits at key position ``p_i = Tk − Tq + i`` (the last query is the last key,
    as when decoding with a cache), so with ``Tq = Tk`` the distance is ``|i − j|``.
    """
    scores = inputs[0].double()
    heads, q_len, k_len = scores.shape[-3:]
    bias = torch.zeros(heads, q_len, k_len, dtype=torch.float64)
    for h in range(heads):
        slope = alibi_paper_slope(h, heads)
        for i in range(q_len):
            for j in range(k_len):
                bias[h, i, j] = -slope * abs(k_len - q_len + i - j)
    return scores + bias


def scores_fewer_queries(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Attention scores ``[B, H, 3, 8]``: three new queries against eight cached keys."""
    return (torch.randn(2, int(args.get("num_heads", 4)), 3, 8),)
