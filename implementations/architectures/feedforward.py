"""Feed-forward architectures written here: the multilayer perceptron (and its relatives, by the feed-forward helper).

The module definitions import torch; the registrations at the bottom are data, read without it
(targets are import strings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

_HERE = "implementations.architectures.feedforward:"


def build_mlp(in_features: int = 16, hidden_features: int = 32, out_features: int = 4, depth: int = 2, activation: str = "relu") -> Any:
    """A multilayer perceptron: ``depth`` hidden Linear → activation layers, then a Linear readout.

    Rumelhart, Hinton & Williams (1986), "Learning representations by back-propagating errors",
    Nature 323:533–536.

    Args:
        in_features: Input width.
        hidden_features: Width of every hidden layer.
        out_features: Output width.
        depth: Number of hidden layers (≥ 1).
        activation: ``relu``, ``gelu``, ``tanh`` or ``sigmoid``.

    """
    from torch import nn

    activations = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
    if depth < 1 or activation not in activations:
        raise ValueError(f"depth must be ≥ 1 and activation one of {sorted(activations)}")
    layers: list[nn.Module] = []
    width = in_features
    for _ in range(depth):
        layers += [nn.Linear(width, hidden_features), activations[activation]()]
        width = hidden_features
    return nn.Sequential(*layers, nn.Linear(width, out_features))


def feature_batch(args: Mapping[str, Any]) -> tuple[Any, ...]:
    """A batch of 4 feature vectors of width ``in_features``."""
    import torch

    return (torch.randn(4, int(args.get("in_features", 16))),)


def batch_by_out_features(args: Mapping[str, Any], inputs: tuple[Any, ...]) -> tuple[int, ...]:
    """``[batch, out_features]``."""
    return (int(inputs[0].shape[0]), int(args["out_features"]))


register_all(
    [
        ImplementationSpec(
            "multilayer-perceptron",
            _HERE + "build_mlp",
            Family.ARCHITECTURE,
            defaults={"in_features": 16, "hidden_features": 32, "out_features": 4, "depth": 2, "activation": "relu"},
            arg_types={"in_features": int, "hidden_features": int, "out_features": int, "depth": int, "activation": str},
            sample=_HERE + "feature_batch",
            output_shape=_HERE + "batch_by_out_features",
            notes="Linear → activation, depth times, then a Linear readout.",
        ),
    ]
)
