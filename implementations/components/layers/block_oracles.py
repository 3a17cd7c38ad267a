"""Float64 oracles of the reference building blocks (:mod:`implementations.components.layers.blocks`).

Each rebuilds the block's output from its paper's formula with other means than the block's own
code: patches cut out by reshaping instead of a strided convolution, a depthwise convolution run
channel by channel, 1×1 convolutions as matrix products, batch normalisation written out from its
running statistics, the spectral norm from an exact singular value decomposition. Signature
``fn(module, inputs, args)`` as in :mod:`implementations.registry.smoke`; modules are in eval mode.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.components.layers.blocks import (
    DepthwiseSeparableConv,
    FireModule,
    PatchEmbedding,
    PositionwiseFeedForward,
    ResidualBlock,
    SparseLinear,
    SpectralNormLinear,
    SqueezeExcitation,
    WeightNormLinear,
)


def _affine(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """``x Wᵀ + b`` in float64."""
    out = x @ weight.double().T
    return out if bias is None else out + bias.double()


def _pointwise(x: Tensor, conv: nn.Conv2d) -> Tensor:
    """A 1×1 convolution as a matrix product over channels: ``y[b, o] = Σ_c W[o, c]·x[b, c] + b[o]``."""
    out = torch.einsum("bchw,oc->bohw", x, conv.weight.double()[:, :, 0, 0])
    return out if conv.bias is None else out + conv.bias.double()[None, :, None, None]


def _same_conv(x: Tensor, conv: nn.Conv2d) -> Tensor:
    """A k×k stride-1 convolution with zero padding k//2, as a sum over kernel offsets of shifted images."""
    k = conv.kernel_size[0]
    padded = F.pad(x, (k // 2,) * 4)
    height, width = x.shape[-2:]
    weight = conv.weight.double()
    out = torch.zeros(x.shape[0], weight.shape[0], height, width, dtype=torch.float64)
    for dy in range(k):
        for dx in range(k):
            out += torch.einsum("bchw,oc->bohw", padded[:, :, dy : dy + height, dx : dx + width], weight[:, :, dy, dx])
    return out if conv.bias is None else out + conv.bias.double()[None, :, None, None]


def _batch_norm_eval(x: Tensor, norm: nn.BatchNorm2d) -> Tensor:
    """``(x − μ_running) / √(σ²_running + ε) · γ + β`` per channel."""
    assert norm.running_mean is not None and norm.running_var is not None
    shape = (1, -1, 1, 1)
    out = (x - norm.running_mean.double().view(shape)) / torch.sqrt(norm.running_var.double().view(shape) + norm.eps)
    return out * norm.weight.double().view(shape) + norm.bias.double().view(shape)


def _weight_parametrization(layer: nn.Module) -> tuple[Any, Tensor | None]:
    """The parametrizations of a linear layer's weight (``original…`` tensors), and its bias."""
    assert isinstance(layer, nn.Linear), f"expected a parametrized nn.Linear, got {type(layer).__name__}"
    return getattr(layer, "parametrizations").weight, layer.bias  # noqa: B009 (mypy sees no such attribute)


def _conv_and_norm(stage: nn.Module) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    """The convolution and batch norm of a conv-BN(-activation) stage."""
    conv, norm = list(stage.children())[:2]
    assert isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d)
    return conv, norm


def squeeze_excitation_oracle(module: SqueezeExcitation, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Hu et al. 2018: ``x_c · σ(W₂ δ(W₁ z))_c`` with ``z_c`` the spatial mean of channel ``c``."""
    x = inputs[0].double()
    z = x.sum(dim=(2, 3)) / (x.shape[2] * x.shape[3])
    gate = 1.0 / (
        1.0 + torch.exp(-_affine(_affine(z, module.fc1.weight, module.fc1.bias).clamp_min(0.0), module.fc2.weight, module.fc2.bias))
    )
    return x * gate[:, :, None, None]


def depthwise_separable_oracle(module: DepthwiseSeparableConv, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Chollet 2017: one k×k filter per input channel, each run on its channel alone, then a 1×1 channel mix."""
    x, depthwise = inputs[0].double(), module.depthwise
    k = depthwise.kernel_size[0]
    channels = [
        F.conv2d(x[:, c : c + 1], depthwise.weight.double()[c : c + 1], padding=k // 2)
        + (0.0 if depthwise.bias is None else depthwise.bias.double()[c])
        for c in range(x.shape[1])
    ]
    return _pointwise(torch.cat(channels, dim=1), module.pointwise)


def patch_embedding_oracle(module: PatchEmbedding, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Dosovitskiy et al. 2021: flatten every p×p patch (row-major over the grid) and project it linearly."""
    x, p = inputs[0].double(), module.proj.kernel_size[0]
    batch, channels, height, width = x.shape
    patches = x.reshape(batch, channels, height // p, p, width // p, p).permute(0, 2, 4, 1, 3, 5)
    flat = patches.reshape(batch, (height // p) * (width // p), channels * p * p)
    return _affine(flat, module.proj.weight.reshape(module.proj.out_channels, -1), module.proj.bias)


def feed_forward_oracle(module: PositionwiseFeedForward, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Vaswani et al. 2017: ``max(0, x W₁ + b₁) W₂ + b₂`` at every position (exact GELU for ``activation='gelu'``)."""
    hidden = _affine(inputs[0].double(), module.fc1.weight, module.fc1.bias)
    if args.get("activation", "relu") == "gelu":
        hidden = hidden * 0.5 * (1.0 + torch.erf(hidden / math.sqrt(2.0)))
    else:
        hidden = hidden.clamp_min(0.0)
    return _affine(hidden, module.fc2.weight, module.fc2.bias)


def fire_oracle(module: FireModule, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Iandola et al. 2016: ``s = ReLU(squeeze₁ₓ₁ x)``, output ``[ReLU(expand₁ₓ₁ s), ReLU(expand₃ₓ₃ s)]``."""
    squeezed = _pointwise(inputs[0].double(), module.squeeze).clamp_min(0.0)
    return torch.cat([_pointwise(squeezed, module.expand1).clamp_min(0.0), _same_conv(squeezed, module.expand3).clamp_min(0.0)], dim=1)


def weight_norm_oracle(module: WeightNormLinear, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Salimans & Kingma 2016: row ``i`` of the weight is ``g_i · v_i / ‖v_i‖``."""
    weights, bias = _weight_parametrization(module.linear)
    g, v = weights.original0.double(), weights.original1.double()
    norms = torch.sqrt((v * v).sum(dim=1, keepdim=True))
    return _affine(inputs[0].double(), g * v / norms, bias)


def spectral_norm_oracle(module: SpectralNormLinear, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Miyato et al. 2018: ``W / σ₁(W)`` with the largest singular value from an exact SVD.

    The module estimates σ₁ by power iteration; after its initial iterations the estimate agrees
    to well below the registered tolerance, so the normalised weight has top singular value 1.
    """
    weights, bias = _weight_parametrization(module.linear)
    weight = weights.original.double()
    return _affine(inputs[0].double(), weight / torch.linalg.svdvals(weight)[0], bias)


def sparse_linear_oracle(module: SparseLinear, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """A linear layer whose masked-out weights contribute nothing: ``y_o = Σ_{i kept} W_oi x_i + b_o``."""
    weight = module.linear.weight.double()
    kept = torch.where(module.mask.bool(), weight, torch.zeros_like(weight))
    return _affine(inputs[0].double(), kept, module.linear.bias)


def residual_block_oracle(module: ResidualBlock, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """He et al. 2016: ``ReLU(BN₂(conv₂(ReLU(BN₁(conv₁ x)))) + x)`` with batch norm from running statistics."""
    x = inputs[0].double()
    (conv1, norm1), (conv2, norm2) = (_conv_and_norm(stage) for stage in module.body)
    hidden = _batch_norm_eval(_same_conv(x, conv1), norm1).clamp_min(0.0)
    return (_batch_norm_eval(_same_conv(hidden, conv2), norm2) + x).clamp_min(0.0)
