"""Coordinate networks, a logic network and a neural fabric, registered as architectures.

The networks live in :mod:`implementations.architectures._field_nets`; the registrations below are
data, read without torch (targets are import strings).
"""

from __future__ import annotations

from implementations.architectures.feedforward import VECTOR_IO, architecture_spec
from implementations.registry.spec import register_all

_NETS = "implementations.architectures._field_nets:"

register_all(
    [
        architecture_spec(
            "nerf",
            _NETS + "NeRF",
            {"num_samples": 32, "near": 2.0, "far": 6.0, "width": 64, "depth": 4, "pos_frequencies": 10, "dir_frequencies": 4},
            "Coarse NeRF: γ-encoded point → ReLU MLP (skip at depth // 2) → σ = softplus (ReLU's random init is a dead field), "
            "+ γ(direction) → RGB = sigmoid; num_samples stratified samples per ray on [near, far] (bin centres in eval), "
            "alpha-composited; rays [B, 6] → RGB [B, 3].",
            sample=_NETS + "rays",
            output_shape=_NETS + "rgb_shape",
        ),
        architecture_spec(
            "neural-field",
            _NETS + "Siren",
            {"in_features": 2, "hidden_features": 64, "hidden_layers": 3, "out_features": 1, "omega_0": 30.0},
            "A SIREN coordinate network: sin(ω₀(Wx + b)) layers with the SIREN initialisation and a linear readout; "
            "coordinates [B, in_features] → field values [B, out_features].",
            **VECTOR_IO,
        ),
        architecture_spec(
            "logic-tensor-network",
            _NETS + "LogicTensorNetwork",
            {"in_features": 4, "hidden_features": 16, "p": 2.0},
            "Predicates A, B, C as sigmoid MLPs; product t-norm, probabilistic sum, Reichenbach implication, ∀ as p-mean error; "
            "individuals [B, in_features] → satisfaction of ∀x: A(x) → B(x) and ∀x: ¬(A(x) ∧ C(x)), a scalar.",
            sample=VECTOR_IO["sample"],
            output_shape=_NETS + "scalar_shape",
        ),
        architecture_spec(
            "neural-fabrics",
            _NETS + "NeuralFabric",
            {"in_channels": 3, "channels": 8, "layers": 4, "scales": 4, "num_classes": 10},
            "A layers × scales trellis; each node sums 3×3 convs of its neighbours in the previous layer (same scale, finer "
            "strided, coarser upsampled) → BatchNorm → ReLU; output node at the coarsest scale → pool → linear. 16×16 images.",
            sample=_NETS + "small_images",
            output_shape="implementations.architectures._vision_nets:class_scores_shape",
        ),
    ]
)
