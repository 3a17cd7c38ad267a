"""Convolutional classics and point/capsule networks written here, registered as architectures (data only).

The networks live in :mod:`implementations.architectures._vision_nets` (imported only when one is
built); every default is a small, randomly initialised instance of the paper's layer pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_NETS = "implementations.architectures._vision_nets:"


def _architecture(
    concept: str, builder: str, defaults: Mapping[str, Any], notes: str, *, sample: str = "image_batch"
) -> ImplementationSpec:
    """An architecture registration whose overrides are exactly its defaults' names, typed by their values."""
    shape = "segmentation_shape" if concept == "u-net" else "class_scores_shape"
    return ImplementationSpec(
        concept,
        _NETS + builder,
        Family.ARCHITECTURE,
        defaults=dict(defaults),
        arg_types={name: type(value) for name, value in defaults.items()},
        sample=_NETS + sample,
        output_shape=_NETS + shape,
        notes=notes,
    )


register_all(
    [
        _architecture(
            "convolutional-neural-network",
            "build_lenet",
            {"in_channels": 1, "num_classes": 10, "image_size": 32},
            "An umbrella term, registered as its canonical small instance LeNet-5 (LeCun et al. 1998): "
            "conv5-tanh-avgpool ×2, then 120-84-10 fully connected; 61,706 parameters at 32×32.",
        ),
        _architecture(
            "alexnet",
            "build_alexnet",
            {"in_channels": 3, "num_classes": 10, "width": 8, "hidden": 128, "dropout": 0.5},
            "Channels width×(1,3,6,4,4) (64-192-384-256-256 at width=64), ReLU, LRN, overlapping max-pool, "
            "dropout FC; width=64, hidden=4096, num_classes=1000 is the published 61.1 M-parameter size. Sample 64×64.",
            sample="large_image_batch",
        ),
        _architecture(
            "network-in-network",
            "build_network_in_network",
            {"in_channels": 3, "num_classes": 10, "width": 16, "dropout": 0.5},
            "Three mlpconv blocks (k×k conv + two 1×1 convs), max-pool and dropout between, global average pooling "
            "of one map per class instead of a fully connected classifier.",
        ),
        _architecture(
            "densenet",
            "build_densenet",
            {"in_channels": 3, "num_classes": 10, "growth_rate": 4, "block_layers": 3, "num_blocks": 3, "compression": 0.5},
            "Dense blocks of BN-ReLU-conv3×3 layers (the registered dense-block) joined by BN-ReLU-1×1 conv-avgpool "
            "transitions keeping `compression` of the channels.",
        ),
        _architecture(
            "inception",
            "build_inception",
            {"in_channels": 3, "num_classes": 10, "width": 8, "dropout": 0.4},
            "GoogLeNet (Inception v1) in miniature: 7×7/2 stem, three registered inception modules (four equal branches, "
            "with BatchNorm), global average pooling, dropout 0.4, linear; no auxiliary classifiers.",
        ),
        _architecture(
            "wide-resnet",
            "build_wide_resnet",
            {"in_channels": 3, "num_classes": 10, "depth": 10, "widen_factor": 2, "dropout": 0.0},
            "WRN-depth-k: three groups of (depth−4)/6 pre-activation wide blocks of 16k, 32k, 64k channels; "
            "depth=28, widen_factor=10 is WRN-28-10 (36.5 M parameters).",
        ),
        _architecture(
            "u-net",
            "UNet",
            {"in_channels": 1, "num_classes": 2, "base_channels": 8, "depth": 3},
            "Contracting and expanding paths of double 3×3 convs with skip concatenations; padded convolutions, so the "
            "class maps match the input's height and width (must divide by 2**depth).",
        ),
        _architecture(
            "capsule-network",
            "CapsuleNetwork",
            {
                "in_channels": 1,
                "image_size": 16,
                "conv_channels": 16,
                "kernel_size": 5,
                "primary_types": 4,
                "primary_dim": 4,
                "num_classes": 5,
                "class_dim": 8,
                "routing_iterations": 3,
            },
            "CapsNet: conv → primary capsules → class capsules by routing-by-agreement (3 iterations); the output is "
            "each class capsule's length. The reconstruction decoder is left out.",
        ),
        _architecture(
            "pointnet",
            "PointNet",
            {"point_dim": 3, "num_classes": 5, "width": 16, "dropout": 0.3},
            "Input T-Net (starts at the identity), shared per-point MLP width×(1,2,4), max over points, FC head; "
            "invariant to the order of the points. No 64×64 feature transform.",
            sample="point_cloud",
        ),
    ]
)
