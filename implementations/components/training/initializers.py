"""Reference weight initialisers not shipped by ``torch.nn.init``: LeCun normal."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor


def fan_in(tensor: Tensor) -> int:
    """Inputs feeding one output unit: ``shape[1]`` times the receptive field (``prod(shape[2:])``).

    A 1-D tensor counts its length as the fan-in.
    """
    if tensor.dim() == 0:
        raise ValueError("fan-in is undefined for a scalar tensor")
    if tensor.dim() == 1:
        return tensor.shape[0]
    return tensor.shape[1] * math.prod(tensor.shape[2:])


def lecun_normal_(tensor: Tensor, gain: float = 1.0, generator: torch.Generator | None = None) -> Tensor:
    """Fill ``tensor`` in place from ``N(0, gain² / fan_in)``.

    LeCun, Bottou, Orr, Müller (1998), "Efficient BackProp", in *Neural Networks: Tricks of the
    Trade*, section 4.6: weights drawn with standard deviation ``1/√fan_in`` keep the variance of a
    unit's summed input near one when its inputs have unit variance. It is the initialisation that
    SELU networks assume (Klambauer et al. 2017, arXiv:1706.02515).

    Args:
        tensor: Weight of shape ``[out, in, *kernel]`` (or ``[in]``).
        gain: Multiplier of the standard deviation (1 in the paper).
        generator: Optional random generator.

    Returns:
        The same tensor.

    """
    std = gain / math.sqrt(fan_in(tensor))
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


def lecun_normal_std(weight: Tensor, args: Mapping[str, Any]) -> float:
    """Oracle: the expected standard deviation ``gain / √fan_in``."""
    return float(args.get("gain", 1.0)) / math.sqrt(fan_in(weight))
