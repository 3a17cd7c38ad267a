"""Registrations of reference implementations written in this project (reference_layers).

Attention variants, position encodings, gated feed-forward units and mixture-of-experts layers.
Only strings here: nothing is imported until an implementation is built.
"""

from implementations.registry.spec import Family, ImplementationSpec, OracleCase, register_all

_ATTN = "implementations.components.layers.attention"
_POS = "implementations.components.layers.positional"
_GATED = "implementations.components.layers.gated"
_MOE = "implementations.components.layers.moe"
_SEQUENCES = "implementations.registry.samples:sequences"
_CROSS = "implementations.registry.samples:cross_attention_inputs"  # 8 queries, 16 keys
_CHECKS = "implementations.components.layers.attention_checks"

_ATTENTION_TYPES = {"embed_dim": int, "num_heads": int, "bias": bool, "dropout": float | int, "causal": bool}

register_all(
    [
        ImplementationSpec(
            concept="grouped-query-attention",
            target=f"{_ATTN}:GroupedQueryAttention",
            family=Family.MODULE,
            defaults={"embed_dim": 32, "num_heads": 4, "num_kv_heads": 2},
            arg_types={**_ATTENTION_TYPES, "num_kv_heads": int | None},
            sample=_SEQUENCES,
            oracle=f"{_ATTN}:gqa_oracle",
            oracle_cases=(
                OracleCase({"embed_dim": 24, "num_heads": 6, "num_kv_heads": 3}),
                OracleCase({"embed_dim": 24, "num_heads": 6, "num_kv_heads": 2}, sample=_CROSS),
            ),
            notes="Batch-first [B, T, D]; forward(query, key=None, value=None, attn_bias=None). "
            "num_kv_heads=num_heads is multi-head attention, num_kv_heads=1 multi-query attention. "
            "Oracle: torch.nn.MultiheadAttention with the K/V heads repeated per group.",
        ),
        ImplementationSpec(
            concept="multi-query-attention",
            target=f"{_ATTN}:MultiQueryAttention",
            family=Family.MODULE,
            defaults={"embed_dim": 32, "num_heads": 4},
            arg_types=_ATTENTION_TYPES,
            sample=_SEQUENCES,
            oracle=f"{_ATTN}:gqa_oracle",
            oracle_cases=(OracleCase({"embed_dim": 24, "num_heads": 3}), OracleCase({"embed_dim": 24, "num_heads": 6}, sample=_CROSS)),
            notes="Grouped-query attention with a single key/value head.",
        ),
        ImplementationSpec(
            concept="sliding-window-attention",
            target=f"{_ATTN}:SlidingWindowAttention",
            family=Family.MODULE,
            defaults={"embed_dim": 32, "num_heads": 4, "window_size": 3, "causal": True},
            arg_types={**_ATTENTION_TYPES, "window_size": int, "num_kv_heads": int | None},
            sample=_SEQUENCES,
            oracle=f"{_ATTN}:sliding_window_oracle",
            oracle_cases=(
                OracleCase({"embed_dim": 24, "num_heads": 6, "num_kv_heads": 3, "window_size": 4}),
                OracleCase({"embed_dim": 24, "num_heads": 3, "window_size": 5, "causal": False}),
            ),
            notes="Causal: keys i−w < j ≤ i; bidirectional: |i−j| ≤ w//2. Oracle: MultiheadAttention with the band mask.",
        ),
        ImplementationSpec(
            concept="linear-attention",
            target=f"{_ATTN}:LinearAttention",
            family=Family.MODULE,
            defaults={"embed_dim": 32, "num_heads": 4},
            arg_types={"embed_dim": int, "num_heads": int, "bias": bool, "causal": bool, "eps": float},
            sample=_SEQUENCES,
            oracle=f"{_ATTN}:linear_attention_oracle",
            oracle_cases=(OracleCase({"embed_dim": 24, "num_heads": 6}), OracleCase({"embed_dim": 24, "num_heads": 3, "causal": True})),
            notes="φ(x) = elu(x) + 1; oracle: the quadratic (T×T) form of the same kernel in float64.",
        ),
        ImplementationSpec(
            concept="rotary-position-embedding",
            target=f"{_POS}:RotaryPositionEmbedding",
            family=Family.MODULE,
            defaults={"dim": 16},
            arg_types={"dim": int, "base": float | int, "interleaved": bool},
            sample=_SEQUENCES,
            oracle=f"{_POS}:rope_oracle",
            notes="Applies to [..., T, dim] (e.g. [B, H, T, Dh] queries/keys). Oracle: complex multiplication in float64.",
        ),
        ImplementationSpec(
            concept="alibi",
            target=f"{_POS}:ALiBi",
            family=Family.MODULE,
            defaults={"num_heads": 8},
            arg_types={"num_heads": int},
            sample=f"{_POS}:attention_scores",
            oracle=f"{_CHECKS}:alibi_oracle",
            oracle_cases=(
                OracleCase({"num_heads": 6}),
                OracleCase({"num_heads": 12}),
                OracleCase({"num_heads": 3}),
                OracleCase({"num_heads": 8}, sample=f"{_CHECKS}:scores_fewer_queries"),
                OracleCase({"num_heads": 6}, sample=f"{_CHECKS}:scores_fewer_queries"),
            ),
            notes="forward(scores [..., H, Tq, Tk]) adds −m_h·|i−j|; bias(Tq, Tk) returns the [H, Tq, Tk] bias.",
        ),
        ImplementationSpec(
            concept="sinusoidal-positional-encoding",
            target=f"{_POS}:SinusoidalPositionalEncoding",
            family=Family.MODULE,
            defaults={"dim": 16, "max_len": 512},
            arg_types={"dim": int, "max_len": int, "base": float | int, "dropout": float | int},
            sample=_SEQUENCES,
            oracle=f"{_POS}:sinusoidal_oracle",
            notes="forward(x [..., T, D]) returns x + PE[:T].",
        ),
        ImplementationSpec(
            concept="learned-positional-embedding",
            target=f"{_POS}:LearnedPositionalEmbedding",
            family=Family.MODULE,
            defaults={"max_len": 512, "dim": 16},
            arg_types={"max_len": int, "dim": int, "dropout": float | int},
            sample=_SEQUENCES,
            oracle=f"{_POS}:learned_position_oracle",
            notes="forward(x [..., T, D]) returns x + P[:T].",
        ),
        ImplementationSpec(
            concept="swiglu",
            target=f"{_GATED}:SwiGLU",
            family=Family.MODULE,
            defaults={"dim": 32},
            arg_types={"dim": int, "hidden_dim": int | None, "bias": bool},
            sample=_SEQUENCES,
            oracle=f"{_GATED}:swiglu_oracle",
            notes="(silu(x W) ⊙ x V) W₂; hidden_dim defaults to ⌊8·dim/3⌋.",
        ),
        ImplementationSpec(
            concept="geglu",
            target=f"{_GATED}:GeGLU",
            family=Family.MODULE,
            defaults={"dim": 32},
            arg_types={"dim": int, "hidden_dim": int | None, "bias": bool},
            sample=_SEQUENCES,
            oracle=f"{_GATED}:geglu_oracle",
            notes="(GELU(x W) ⊙ x V) W₂ with the exact GELU; hidden_dim defaults to ⌊8·dim/3⌋.",
        ),
        ImplementationSpec(
            concept="reglu",
            target=f"{_GATED}:ReGLU",
            family=Family.MODULE,
            defaults={"dim": 32},
            arg_types={"dim": int, "hidden_dim": int | None, "bias": bool},
            sample=_SEQUENCES,
            oracle=f"{_GATED}:reglu_oracle",
            notes="(ReLU(x W) ⊙ x V) W₂; hidden_dim defaults to ⌊8·dim/3⌋.",
        ),
        ImplementationSpec(
            concept="mixture-of-experts",
            target=f"{_MOE}:MixtureOfExperts",
            family=Family.MODULE,
            defaults={"dim": 16, "num_experts": 4, "k": 2, "hidden_dim": 32},
            arg_types={"dim": int, "num_experts": int, "k": int, "hidden_dim": int | None, "bias": bool, "normalize": bool},
            sample=_SEQUENCES,
            oracle=f"{_MOE}:moe_oracle",
            notes="Top-k token-choice routing, no capacity limit; after forward, .aux_loss holds the load-balancing loss. "
            "Oracle: dense evaluation of every expert weighted by the gate matrix.",
        ),
        ImplementationSpec(
            concept="top-k-routing",
            target=f"{_MOE}:TopKRouter",
            family=Family.MODULE,
            defaults={"dim": 16, "num_experts": 4, "k": 2},
            arg_types={"dim": int, "num_experts": int, "k": int, "normalize": bool, "bias": bool},
            sample=_SEQUENCES,
            oracle=f"{_MOE}:top_k_routing_oracle",
            notes="forward(x) returns (gates [..., k], expert indices [..., k], router logits [..., E]).",
        ),
        ImplementationSpec(
            concept="load-balancing-loss",
            target=f"{_MOE}:LoadBalancingLoss",
            family=Family.LOSS,
            defaults={"k": 1},
            arg_types={"k": int, "from_logits": bool},
            sample=f"{_MOE}:router_logits",
            oracle=f"{_MOE}:load_balancing_oracle",
            notes="Switch Transformer's E·Σ f_i·P_i on router logits [..., E]; 1 under uniform routing.",
        ),
    ]
)
