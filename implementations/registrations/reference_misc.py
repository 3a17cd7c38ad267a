"""Registrations of reference implementations written in this project (reference_misc).

Losses (``implementations.components.training.losses``), structured dropout (``implementations.components.layers.regularization``),
graph layers (``implementations.components.layers.graph``) and the LeCun-normal initialiser
(``implementations.components.training.initializers``). Data only: no torch import here.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, OracleCase, register_all

L = "implementations.components.training.losses:"
LC = "implementations.components.training.loss_checks:"
R = "implementations.components.layers.regularization:"
G = "implementations.components.layers.graph:"
INIT = "implementations.components.training.initializers:"


def _loss(concept: str, name: str, sample: str, defaults: dict[str, Any], types: dict[str, Any], **extra: Any) -> ImplementationSpec:
    return ImplementationSpec(concept, L + name, Family.LOSS, defaults, types, sample=sample, **extra)


def _module(concept: str, target: str, sample: str, defaults: dict[str, Any], types: dict[str, Any], **extra: Any) -> ImplementationSpec:
    return ImplementationSpec(concept, target, Family.MODULE, defaults, types, sample=sample, **extra)


GRAPH = {"in_channels": int, "out_channels": int, "bias": bool}
GRAPH_DEFAULTS = {"in_channels": 8, "out_channels": 16}

LOSSES = [
    _loss(
        "focal-loss",
        "FocalLoss",
        "implementations.registry.samples:binary",
        {"alpha": 0.25, "gamma": 2.0, "reduction": "mean"},
        {"alpha": float | list[float] | None, "gamma": float, "reduction": str},
        oracle=LC + "focal_oracle",
        oracle_cases=(
            OracleCase({"alpha": 0.25, "gamma": 2.0}, sample=LC + "soft_targets"),
            OracleCase({"alpha": None, "gamma": 0.5, "reduction": "sum"}, sample=LC + "soft_targets"),
            OracleCase({"alpha": 0.75, "gamma": 3.0, "reduction": "none"}),
        ),
        notes="Binary (sigmoid) when target has the logits' shape, multi-class (softmax) for class-id targets.",
    ),
    _loss(
        "dice-loss",
        "DiceLoss",
        "implementations.registry.samples:binary",
        {"smooth": 1.0, "activation": "sigmoid", "squared": True, "reduction": "mean"},
        {"smooth": float, "activation": str, "squared": bool, "reduction": str},
        oracle=LC + "dice_oracle",
    ),
    _loss(
        "nt-xent",
        "NTXentLoss",
        LC + "two_views",
        {"temperature": 0.5, "reduction": "mean"},
        {"temperature": float, "reduction": str},
        oracle=LC + "nt_xent_oracle",
        notes="forward(z1, z2): embeddings of two views of the same batch; InfoNCE is an alias.",
    ),
    _loss(
        "contrastive-loss",
        "ContrastiveLoss",
        LC + "pairs",
        {"margin": 1.0, "reduction": "mean"},
        {"margin": float, "reduction": str},
        oracle=LC + "contrastive_oracle",
        notes="forward(x1, x2, y), y = 0 for similar and 1 for dissimilar pairs (Hadsell et al. 2006).",
    ),
    _loss(
        "iou-loss",
        "IoULoss",
        LC + "iou_inputs",
        {"mode": "box", "from_logits": False, "eps": 1e-7, "reduction": "mean"},
        {"mode": str, "from_logits": bool, "eps": float, "reduction": str},
        oracle=LC + "iou_oracle",
        notes="mode='box' (x1, y1, x2, y2) or mode='mask'.",
    ),
    _loss(
        "arcface",
        "ArcFaceLoss",
        LC + "embeddings_with_labels",
        {"embedding_dim": 8, "num_classes": 5, "s": 64.0, "m": 0.5, "reduction": "mean"},
        {"embedding_dim": int, "num_classes": int, "s": float, "m": float, "reduction": str},
        oracle=LC + "arcface_oracle",
        tolerance=1e-4,
        notes="Holds the learnable class centres; optimise its parameters too.",
    ),
    _loss(
        "wasserstein-loss",
        "WassersteinLoss",
        LC + "critic_scores",
        {"mode": "critic"},
        {"mode": str},
        oracle=LC + "wasserstein_oracle",
        notes="WGAN critic loss mean(f(fake)) − mean(f(real)); forward(fake_scores, real_scores).",
    ),
]

MODULES = [
    _module(
        "stochastic-depth",
        R + "StochasticDepth",
        "implementations.registry.samples:images",
        {"p": 0.5, "mode": "row"},
        {"p": float, "mode": str},
        oracle=R + "identity_oracle",
        notes="Acts on a residual-branch output; pass module=branch in Python to get x + drop(branch(x)).",
    ),
    _module(
        "dropblock",
        R + "DropBlock2d",
        "implementations.registry.samples:images",
        {"p": 0.1, "block_size": 3, "shared_channels": False},
        {"p": float, "block_size": int, "shared_channels": bool},
        oracle=R + "identity_oracle",
    ),
    _module(
        "dropconnect",
        R + "DropConnectLinear",
        "implementations.registry.samples:vectors",
        {"in_features": 16, "out_features": 8, "p": 0.5, "bias": True, "per_sample": False},
        {"in_features": int, "out_features": int, "p": float, "bias": bool, "per_sample": bool},
        oracle=R + "linear_oracle",
    ),
    _module(
        "gcn",
        G + "GCNConv",
        G + "graph",
        {**GRAPH_DEFAULTS, "bias": True, "add_self_loops": True, "normalize": True},
        {**GRAPH, "add_self_loops": bool, "normalize": bool},
        oracle=G + "gcn_oracle",
        notes="forward(x [N, F], adj [N, N]) with a dense adjacency.",
    ),
    _module(
        "gin",
        G + "GINConv",
        G + "graph",
        {**GRAPH_DEFAULTS, "hidden_channels": None, "eps": 0.0, "train_eps": True},
        {"in_channels": int, "out_channels": int, "hidden_channels": int | None, "eps": float, "train_eps": bool},
        oracle=G + "gin_oracle",
        notes="forward(x [N, F], adj [N, N]); train_eps=False with eps=0 is GIN-0.",
    ),
    _module(
        "gat",
        G + "GATConv",
        G + "graph",
        {**GRAPH_DEFAULTS, "heads": 2, "concat": True, "negative_slope": 0.2, "dropout": 0.0},
        {**GRAPH, "heads": int, "concat": bool, "negative_slope": float, "dropout": float, "add_self_loops": bool},
        oracle=G + "gat_oracle",
        oracle_cases=(OracleCase({"heads": 3, "concat": False}), OracleCase({"heads": 3, "out_channels": 5})),
        notes="forward(x [N, F], adj [N, N]) with a dense adjacency.",
    ),
]

INITIALIZERS = [
    ImplementationSpec(
        "lecun-normal-initialization",
        INIT + "lecun_normal_",
        Family.INITIALIZER,
        {"gain": 1.0},
        {"gain": float},
        oracle=INIT + "lecun_normal_std",
        tolerance=1e-3,
    ),
]

register_all([*LOSSES, *MODULES, *INITIALIZERS])
