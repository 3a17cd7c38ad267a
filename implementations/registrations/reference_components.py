"""Registrations of components added to finish the coverage list (data only: no torch import here).

Attention patterns and extras, convolution variants, expert-choice routing and graph layers,
sequence mixers and continuous-time/spiking cells (``implementations.components.layers``);
the optimizer wrappers, batch mixing, penalties and extra losses of ``implementations.components.training``
are registered in :mod:`implementations.registrations.reference_training`.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, OracleCase, register_all

LAYERS = "implementations.components.layers."
TRAINING = "implementations.components.training."
PAT, EXTRA, CONV = LAYERS + "attention_patterns:", LAYERS + "attention_extras:", LAYERS + "conv_variants:"
ROUTE, MIX, CELLS, SPIKE = LAYERS + "routing_graph:", LAYERS + "sequence_mixers:", LAYERS + "continuous_cells:", LAYERS + "spiking:"
SEQUENCES, IMAGES, SIGNALS = (
    "implementations.registry.samples:sequences",
    "implementations.registry.samples:images",
    "implementations.registry.samples:signals",
)
GRAPH = "implementations.components.layers.graph:graph"
GQA_ORACLE = "implementations.components.layers.attention:gqa_oracle"

PATTERN = {
    "embed_dim": int,
    "num_heads": int,
    "window_size": int,
    "dilation": int,
    "global_tokens": int,
    "num_random": int,
    "max_len": int,
    "seed": int,
    "bias": bool,
    "dropout": float | int,
    "causal": bool,
}
CELL = {"input_size": int, "hidden_size": int, "dt": float | int}


def module_spec(
    concept: str, target: str, defaults: dict[str, Any], types: dict[str, Any], sample: str, **extra: Any
) -> ImplementationSpec:
    """A module registration (shared with :mod:`implementations.registrations.reference_techniques`)."""
    return ImplementationSpec(concept, target, Family.MODULE, defaults, types, sample=sample, **extra)


def _pattern(concept: str, defaults: dict[str, Any], notes: str, *cases: dict[str, Any]) -> ImplementationSpec:
    return module_spec(
        concept,
        PAT + "SparsePatternAttention",
        {"embed_dim": 32, "num_heads": 4, **defaults},
        PATTERN,
        SEQUENCES,
        oracle=PAT + "pattern_oracle",
        oracle_cases=tuple(OracleCase(case) for case in cases),
        notes=notes + " Oracle: nn.MultiheadAttention (float64) with the mask written out pair by pair.",
    )


ATTENTION = [
    _pattern(
        "global-local-attention",
        {"window_size": 3, "global_tokens": 2},
        "Longformer: a sliding window plus global tokens.",
        {"causal": True},
    ),
    _pattern("dilated-attention", {"window_size": 3, "dilation": 2}, "Longformer's dilated window.", {"dilation": 3, "causal": True}),
    _pattern(
        "random-attention",
        {"window_size": 0, "num_random": 3},
        "BigBird's random keys (seeded, fixed per module).",
        {"num_random": 2, "seed": 5},
    ),
    _pattern(
        "longformer-bigbird",
        {"window_size": 3, "global_tokens": 1, "num_random": 2},
        "BigBird's window + global + random pattern (Longformer without random keys).",
        {"window_size": 5, "global_tokens": 2, "num_random": 1, "dilation": 2},
    ),
    module_spec(
        "axial-attention",
        PAT + "AxialAttention",
        {"embed_dim": 16, "num_heads": 4},
        {"embed_dim": int, "num_heads": int, "bias": bool},
        PAT + "grids",
        oracle=PAT + "axial_oracle",
        notes="forward(x [B, H, W, D]): attention along rows, then along columns.",
    ),
    module_spec(
        "bahdanau-attention",
        EXTRA + "BahdanauAttention",
        {"query_dim": 16, "key_dim": 12, "hidden_dim": 32},
        {"query_dim": int, "key_dim": int, "hidden_dim": int},
        EXTRA + "bahdanau_inputs",
        oracle=EXTRA + "bahdanau_oracle",
        notes="forward(decoder state [B, Dq], annotations [B, T, Dk]) → context [B, Dk]; .weights holds α.",
    ),
    module_spec(
        "kv-cache",
        EXTRA + "KVCacheAttention",
        {"embed_dim": 32, "num_heads": 4},
        {"embed_dim": int, "num_heads": int, "num_kv_heads": int | None, "bias": bool},
        SEQUENCES,
        oracle=GQA_ORACLE,
        oracle_cases=(OracleCase({"num_kv_heads": 2}),),
        notes="forward(x) decodes token by token through step(); oracle: full-sequence causal attention (float64 MultiheadAttention).",
    ),
    module_spec(
        "flashattention",
        EXTRA + "FlashAttention",
        {"embed_dim": 32, "num_heads": 4, "backend": "flash"},
        {"embed_dim": int, "num_heads": int, "backend": str, "bias": bool, "dropout": float | int, "causal": bool},
        SEQUENCES,
        oracle=GQA_ORACLE,
        oracle_cases=(OracleCase({"causal": True}), OracleCase({"backend": "math", "causal": True})),
        notes="torch SDPA restricted to SDPBackend.FLASH_ATTENTION (on CPU: torch's flash-attention CPU kernel; the "
        "memory-efficient kernel has no CPU implementation). Oracle: explicit softmax attention in float64.",
    ),
    module_spec(
        "prefix-tuning",
        EXTRA + "PrefixAttention",
        {"embed_dim": 32, "num_heads": 4, "prefix_length": 4},
        {"embed_dim": int, "num_heads": int, "prefix_length": int, "freeze_base": bool},
        SEQUENCES,
        oracle=EXTRA + "prefix_oracle",
        notes="A frozen attention layer with trainable prefix keys/values per head.",
    ),
]

LAYERS_SPECS = [
    module_spec(
        "deformable-convolution",
        CONV + "DeformableConv2d",
        {"in_channels": 4, "out_channels": 8, "kernel_size": 3},
        {"in_channels": int, "out_channels": int, "kernel_size": int, "padding": int | None, "bias": bool},
        IMAGES,
        oracle=CONV + "deformable_oracle",
        oracle_cases=(OracleCase(sample=CONV + "deformed_images"),),
        notes="Offsets from a zero-initialised conv (a plain conv at start); forward(x, offsets=None). "
        "Oracle: the defining sum with four-neighbour bilinear reads, position by position.",
    ),
    module_spec(
        "octave-convolution",
        CONV + "OctaveConv2d",
        {"in_channels": 8, "out_channels": 8, "kernel_size": 3, "alpha_in": 0.5, "alpha_out": 0.5},
        {"in_channels": int, "out_channels": int, "kernel_size": int, "alpha_in": float, "alpha_out": float},
        CONV + "octave_inputs",
        oracle=CONV + "octave_oracle",
        notes="forward(x_high, x_low) → (y_high, y_low), the low part at half resolution.",
    ),
    module_spec(
        "causal-convolution",
        CONV + "CausalConv1d",
        {"in_channels": 4, "out_channels": 8, "kernel_size": 3, "dilation": 2},
        {"in_channels": int, "out_channels": int, "kernel_size": int, "dilation": int, "bias": bool},
        SIGNALS,
        oracle=CONV + "causal_conv_oracle",
        notes="Left padding (k − 1)·dilation: output t depends on inputs ≤ t only.",
    ),
    module_spec(
        "expert-choice-routing",
        ROUTE + "ExpertChoiceMoE",
        {"dim": 16, "num_experts": 4, "capacity_factor": 2.0, "hidden_dim": 32},
        {"dim": int, "num_experts": int, "capacity_factor": float | int, "hidden_dim": int | None},
        SEQUENCES,
        oracle=ROUTE + "expert_choice_oracle",
        notes="Each expert takes its top ⌈N·c/E⌉ tokens. Oracle: every expert on every token, weighted by the gate matrix.",
    ),
    module_spec(
        "graphsage",
        ROUTE + "SAGEConv",
        {"in_channels": 8, "out_channels": 16},
        {"in_channels": int, "out_channels": int, "normalize": bool, "bias": bool},
        GRAPH,
        oracle=ROUTE + "sage_oracle",
        oracle_cases=(OracleCase({"normalize": True}),),
        notes="Mean aggregator on a dense adjacency; forward(x [N, F], adj [N, N]).",
    ),
    module_spec(
        "hypergraph-neural-network",
        ROUTE + "HypergraphConv",
        {"in_channels": 8, "out_channels": 16},
        {"in_channels": int, "out_channels": int, "bias": bool},
        ROUTE + "hypergraph",
        oracle=ROUTE + "hypergraph_oracle",
        notes="HGNN convolution; forward(x [N, F], incidence [N, M]).",
    ),
    module_spec(
        "minlstm",
        MIX + "MinLSTM",
        {"input_size": 16, "hidden_size": 16},
        {"input_size": int, "hidden_size": int},
        SEQUENCES,
        oracle=MIX + "minlstm_oracle",
        notes="Log-space parallel scan; oracle: the sequential recurrence.",
    ),
    module_spec(
        "hyena",
        MIX + "HyenaOperator",
        {"dim": 16, "max_len": 32, "order": 2},
        {"dim": int, "max_len": int, "order": int, "filter_dim": int, "short_kernel": int},
        SEQUENCES,
        oracle=MIX + "hyena_oracle",
        oracle_cases=(OracleCase({"order": 3}),),
        notes="FFT long convolutions; oracle: direct causal sums.",
    ),
    module_spec(
        "ct-rnn",
        CELLS + "CTRNN",
        {"input_size": 16, "hidden_size": 16},
        {**CELL, "unfolds": int},
        SEQUENCES,
        oracle=CELLS + "ctrnn_oracle",
        notes="Euler-integrated τ dh/dt = −h + tanh(Wh + Ux + b); oracle: torchdiffeq's Euler solver.",
    ),
    module_spec(
        "liquid-time-constant-network",
        CELLS + "LiquidTimeConstant",
        {"input_size": 16, "hidden_size": 16},
        {**CELL, "unfolds": int},
        SEQUENCES,
        oracle=CELLS + "ltc_oracle",
        notes="Fused semi-implicit solver (6 unfolds per input).",
    ),
    module_spec(
        "cfc",
        CELLS + "ClosedFormContinuousTime",
        {"input_size": 16, "hidden_size": 16},
        {**CELL, "backbone_size": int},
        SEQUENCES,
        oracle=CELLS + "cfc_oracle",
        notes="x = σ(−f t) g + (1 − σ(−f t)) h, no ODE solver.",
    ),
    module_spec(
        "leaky-integrate-and-fire",
        SPIKE + "LeakyIntegrateAndFire",
        {"in_features": 8, "out_features": 16},
        {"in_features": int, "out_features": int, "beta": float, "threshold": float, "slope": float},
        SPIKE + "spike_trains_input",
        oracle=SPIKE + "lif_oracle",
        notes="forward(currents [B, T, F]) → spikes [B, T, N]; fast-sigmoid surrogate gradient.",
    ),
    module_spec(
        "adaptive-lif",
        SPIKE + "AdaptiveLeakyIntegrateAndFire",
        {"in_features": 8, "out_features": 16},
        {"in_features": int, "out_features": int, "beta": float, "threshold": float, "adaptation": float, "rho": float, "slope": float},
        SPIKE + "spike_trains_input",
        oracle=SPIKE + "lif_oracle",
        notes="LSNN neurons: the threshold rises after each spike.",
    ),
    module_spec(
        "embedding-dropout",
        LAYERS + "stochastic:EmbeddingDropout",
        {"num_embeddings": 100, "embedding_dim": 16, "p": 0.1},
        {"num_embeddings": int, "embedding_dim": int, "p": float},
        "implementations.registry.samples:tokens",
        oracle=LAYERS + "stochastic:embedding_dropout_oracle",
        notes="Training drops whole rows (every occurrence of a word); evaluation is the plain lookup.",
    ),
    module_spec(
        "stochastic-pooling",
        LAYERS + "stochastic:StochasticPool2d",
        {"kernel_size": 2},
        {"kernel_size": int},
        LAYERS + "stochastic:nonnegative_images",
        oracle=LAYERS + "stochastic:stochastic_pool_oracle",
        notes="Training samples one activation per window ∝ its value; evaluation the probability-weighted average.",
    ),
    module_spec(
        "surrogate-gradient",
        SPIKE + "SurrogateSpike",
        {"slope": 25.0},
        {"slope": float},
        SEQUENCES,
        oracle=SPIKE + "spike_oracle",
        notes="Heaviside forward, 1/(1 + k|x|)² backward.",
    ),
]

register_all([*ATTENTION, *LAYERS_SPECS])
