"""Independent closed forms, evaluated in float64, that the built-ins must match.

Signatures follow :mod:`implementations.registry.smoke`: modules ``fn(module, inputs, args)``, losses
``fn(loss_fn, inputs, args)``, schedulers ``fn(scheduler, lrs, args)``, initializers
``fn(weight, args)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch

Tensor = torch.Tensor


def _x(inputs: Sequence[Tensor]) -> Tensor:
    return inputs[0].double()


def affine(module: torch.nn.Linear, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Y = x Wᵀ + b."""
    out = _x(inputs) @ module.weight.double().T
    return out + module.bias.double() if module.bias is not None else out


def layer_norm(module: torch.nn.LayerNorm, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """(x − mean) / sqrt(var + eps) · γ + β over the last dimension (Ba et al. 2016)."""
    x = _x(inputs)
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    out = (x - mean) / torch.sqrt(var + module.eps)
    return out * module.weight.double() + module.bias.double() if module.weight is not None else out


def rms_norm(module: torch.nn.RMSNorm, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """X / sqrt(mean(x²) + eps) · γ (Zhang & Sennrich 2019)."""
    x = _x(inputs)
    eps = module.eps if module.eps is not None else torch.finfo(inputs[0].dtype).eps
    out = x / torch.sqrt((x**2).mean(-1, keepdim=True) + eps)
    return out * module.weight.double() if module.weight is not None else out


def relu(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """max(0, x)."""
    return _x(inputs).clamp_min(0.0)


def sigmoid(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """1 / (1 + e^−x)."""
    return 1.0 / (1.0 + torch.exp(-_x(inputs)))


def silu(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """X · σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017)."""
    x = _x(inputs)
    return x / (1.0 + torch.exp(-x))


def gelu(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """X · Φ(x) with the exact normal CDF (Hendrycks & Gimpel 2016)."""
    x = _x(inputs)
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def mish(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """X · tanh(softplus(x)) (Misra 2019)."""
    x = _x(inputs)
    return x * torch.tanh(torch.log1p(torch.exp(x)))


def selu(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """λ·x for x > 0, λ·α·(eˣ − 1) otherwise, with the fixed point constants of Klambauer et al. 2017."""
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    x = _x(inputs)
    return scale * torch.where(x > 0, x, alpha * (torch.exp(x) - 1.0))


def softmax(module: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """e^xᵢ / Σⱼ e^xⱼ over ``dim``."""
    x = _x(inputs)
    e = torch.exp(x - x.max(dim=args.get("dim", -1), keepdim=True).values)
    return e / e.sum(dim=args.get("dim", -1), keepdim=True)


def upsample_nearest(module: torch.nn.Upsample, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Nearest-neighbour upsampling by an integer factor s: out[..., i, j] = x[..., ⌊i/s⌋, ⌊j/s⌋]."""
    x, factor = _x(inputs), int(args["scale_factor"])
    rows = torch.arange(x.shape[-2] * factor) // factor
    cols = torch.arange(x.shape[-1] * factor) // factor
    return x[..., rows[:, None], cols[None, :]]


def mse(loss_fn: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """mean((ŷ − y)²)."""
    return ((inputs[0].double() - inputs[1].double()) ** 2).mean()


def huber(loss_fn: Any, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """½d² for |d| ≤ δ, δ(|d| − ½δ) otherwise (Huber 1964), averaged."""
    delta = float(args.get("delta", 1.0))
    d = (inputs[0].double() - inputs[1].double()).abs()
    return torch.where(d <= delta, 0.5 * d**2, delta * (d - 0.5 * delta)).mean()


def step_lr(scheduler: Any, lrs: Sequence[float], args: Mapping[str, Any]) -> list[float]:
    """lr₀ · γ^⌊t / step_size⌋."""
    return [lrs[0] * args["gamma"] ** (t // args["step_size"]) for t in range(len(lrs))]


def cosine_annealing(scheduler: Any, lrs: Sequence[float], args: Mapping[str, Any]) -> list[float]:
    """η_min + ½(lr₀ − η_min)(1 + cos(π t / T_max)) (Loshchilov & Hutter 2017)."""
    eta_min, t_max = args["eta_min"], args["T_max"]
    return [eta_min + 0.5 * (lrs[0] - eta_min) * (1 + math.cos(math.pi * t / t_max)) for t in range(len(lrs))]


def _fans(weight: Tensor) -> tuple[int, int]:
    fan_out, fan_in = weight.shape[0], weight.shape[1] * (weight[0][0].numel() if weight.dim() > 2 else 1)
    return fan_in, fan_out


def xavier_std(weight: Tensor, args: Mapping[str, Any]) -> float:
    """Gain · sqrt(2 / (fan_in + fan_out)) (Glorot & Bengio 2010)."""
    fan_in, fan_out = _fans(weight)
    return float(args.get("gain", 1.0)) * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(weight: Tensor, args: Mapping[str, Any]) -> float:
    """sqrt(2 / ((1 + a²) · fan)) for ReLU-family gains (He et al. 2015)."""
    fan_in, fan_out = _fans(weight)
    fan = fan_in if args.get("mode", "fan_in") == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + float(args.get("a", 0.0)) ** 2))
    return gain / math.sqrt(fan)
