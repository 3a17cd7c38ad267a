"""Registrations of the reference building blocks and of causal and bidirectional attention.

The blocks are in :mod:`implementations.components.layers.blocks`.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, OracleCase, register_all

B = "implementations.components.layers.blocks:"
BO = "implementations.components.layers.block_oracles:"
S = "implementations.registry.samples:"
GQA = {"embed_dim": 16, "num_heads": 4}
FFN_TYPES = {"d_model": int, "d_ff": int, "dropout": float, "activation": str}
GQA_TYPES = {"embed_dim": int, "num_heads": int, "num_kv_heads": int | None, "bias": bool, "dropout": float, "causal": bool}


def _block(
    concept: str, cls: str, defaults: dict[str, int], oracle: str | None, sample: str = "images", **extra: Any
) -> ImplementationSpec:
    types = {k: int for k in defaults}
    return ImplementationSpec(
        concept, B + cls, Family.MODULE, defaults, types, sample=S + sample, oracle=BO + oracle if oracle else None, **extra
    )


register_all(
    [
        _block("residual-block", "ResidualBlock", {"channels": 8}, "residual_block_oracle", oracle_cases=(OracleCase({"channels": 3}),)),
        _block("residual-connection", "ResidualBlock", {"channels": 8}, "residual_block_oracle"),
        _block("bottleneck-block", "BottleneckBlock", {"channels": 16, "bottleneck": 4}, None),
        _block("inverted-residual-block", "InvertedResidualBlock", {"channels": 8, "expansion": 4}, None),
        _block(
            "squeeze-and-excitation",
            "SqueezeExcitation",
            {"channels": 8, "reduction": 4},
            "squeeze_excitation_oracle",
            oracle_cases=(OracleCase({"channels": 6, "reduction": 4}),),
        ),
        _block(
            "fire-module",
            "FireModule",
            {"in_channels": 8, "squeeze": 4, "expand": 8},
            "fire_oracle",
            oracle_cases=(OracleCase({"in_channels": 6, "squeeze": 3, "expand": 5}),),
        ),
        _block("inception-module", "InceptionModule", {"in_channels": 8, "branch_channels": 4}, None),
        _block("dense-block", "DenseBlock", {"in_channels": 8, "growth_rate": 4, "num_layers": 3}, None),
        _block(
            "depthwise-separable-convolution",
            "DepthwiseSeparableConv",
            {"in_channels": 8, "out_channels": 16, "kernel_size": 3},
            "depthwise_separable_oracle",
            oracle_cases=(OracleCase({"in_channels": 6, "out_channels": 5, "kernel_size": 5}),),
        ),
        _block("weight-normalization", "WeightNormLinear", {"in_features": 16, "out_features": 8}, "weight_norm_oracle", "vectors"),
        _block(
            "spectral-normalization",
            "SpectralNormLinear",
            {"in_features": 16, "out_features": 8, "n_power_iterations": 1},
            "spectral_norm_oracle",
            "vectors",
            tolerance=1e-4,
        ),
        ImplementationSpec(
            "position-wise-feed-forward",
            B + "PositionwiseFeedForward",
            Family.MODULE,
            {"d_model": 16, "d_ff": 64, "dropout": 0.0, "activation": "relu"},
            FFN_TYPES,
            sample=S + "sequences",
            oracle=BO + "feed_forward_oracle",
            oracle_cases=(OracleCase({"activation": "gelu", "d_ff": 24}),),
        ),
        ImplementationSpec(
            "patch-embedding",
            B + "PatchEmbedding",
            Family.MODULE,
            {"in_channels": 4, "embed_dim": 16, "patch_size": 4},
            {"in_channels": int, "embed_dim": int, "patch_size": int},
            sample=S + "images",
            oracle=BO + "patch_embedding_oracle",
            oracle_cases=(OracleCase({"in_channels": 3, "embed_dim": 10, "patch_size": 2}),),
        ),
        ImplementationSpec(
            "sparse-linear",
            B + "SparseLinear",
            Family.MODULE,
            {"in_features": 16, "out_features": 8, "density": 0.5},
            {"in_features": int, "out_features": int, "density": float},
            sample=S + "vectors",
            oracle=BO + "sparse_linear_oracle",
            oracle_cases=(OracleCase({"density": 0.1}),),
        ),
        ImplementationSpec(
            "expert-network",
            B + "PositionwiseFeedForward",
            Family.MODULE,
            {"d_model": 16, "d_ff": 64},
            FFN_TYPES,
            sample=S + "sequences",
            oracle=BO + "feed_forward_oracle",
        ),
        ImplementationSpec(
            "classification-head",
            "torch.nn.Linear",
            Family.MODULE,
            {"in_features": 16, "out_features": 10},
            {"in_features": int, "out_features": int, "bias": bool},
            sample=S + "vectors",
        ),
        ImplementationSpec(
            "output-layer",
            "torch.nn.Linear",
            Family.MODULE,
            {"in_features": 16, "out_features": 10},
            {"in_features": int, "out_features": int, "bias": bool},
            sample=S + "vectors",
        ),
        ImplementationSpec(
            "causal-attention",
            "implementations.components.layers.attention:GroupedQueryAttention",
            Family.MODULE,
            {**GQA, "causal": True},
            GQA_TYPES,
            sample=S + "sequences",
        ),
        ImplementationSpec(
            "bidirectional-attention",
            "implementations.components.layers.attention:GroupedQueryAttention",
            Family.MODULE,
            {**GQA, "causal": False},
            GQA_TYPES,
            sample=S + "sequences",
        ),
    ]
)
