"""Inspection maps modules and config fields to concepts, with counts and parameter shares."""

from __future__ import annotations

import torch
from torch import nn

from implementations.anatomy.inspect import Anatomy, inspect, inspect_term
from implementations.components.layers.attention import GroupedQueryAttention

LLAMA_GQA = {
    "vocab_size": 64,
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}


def test_a_user_module_is_mapped_with_counts_and_shares() -> None:
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(8, 2)
    )
    anatomy = inspect(net)
    conv = anatomy.finding("conv2d")
    assert conv is not None and conv.count == 1 and conv.parameters == 3 * 8 * 9 + 8
    assert conv.share == round(conv.parameters / anatomy.parameters, 4)
    assert {"batch-normalization", "relu", "global-average-pooling", "dropout", "linear"} <= anatomy.concepts
    assert Anatomy.from_dict(anatomy.to_dict()) == anatomy


def test_kv_heads_decide_between_mha_gqa_and_mqa() -> None:
    found = {kv: inspect(GroupedQueryAttention(embed_dim=32, num_heads=4, num_kv_heads=kv)).concepts for kv in (4, 2, 1)}
    assert "multi-head-attention" in found[4] and "grouped-query-attention" not in found[4]
    assert "grouped-query-attention" in found[2]
    assert "multi-query-attention" in found[1] and "grouped-query-attention" not in found[1]
    assert "multi-head-attention" in inspect(nn.MultiheadAttention(16, 4)).concepts


def test_llama_with_gqa_shows_rmsnorm_swiglu_rope_and_gqa() -> None:
    anatomy = inspect_term("llama", LLAMA_GQA)
    counts = {f.concept: f.count for f in anatomy.findings}
    assert counts["rmsnorm"] == 2 * 2 + 1  # two per block and the final norm
    assert counts["swiglu"] == 2 and counts["grouped-query-attention"] == 2 and counts["rotary-position-embedding"] == 1
    assert "multi-head-attention" not in counts and "layer-normalization" not in counts
    assert any(e.startswith("config") for e in anatomy.finding("grouped-query-attention").evidence)  # type: ignore[union-attr]


def test_gpt2_shows_layernorm_gelu_and_learned_positions() -> None:
    anatomy = inspect_term("gpt-2")
    assert {"layer-normalization", "gelu", "learned-positional-embedding", "causal-attention", "multi-head-attention"} <= anatomy.concepts
    assert "rmsnorm" not in anatomy.concepts


def test_a_meta_build_is_inspected_without_allocating() -> None:
    wide = {**LLAMA_GQA, "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32, "num_key_value_heads": 8}
    anatomy = inspect_term("llama", wide, "meta")
    assert anatomy.parameters > 350_000_000 and "grouped-query-attention" in anatomy.concepts  # two 7B-wide blocks
    assert torch.empty(1).device.type == "cpu"
