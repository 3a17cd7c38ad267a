"""Training and deployment techniques as runnable modules: checkpointing, autocast, pruning, fake quantization, DDP.

Each wraps small linear layers so the technique can be built, smoke-tested and compared with a
plain float64 computation of the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import prune
from torch.utils.checkpoint import checkpoint


def _residual_blocks(dim: int, hidden: int, depth: int) -> nn.ModuleList:
    return nn.ModuleList(nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)) for _ in range(depth))


class CheckpointedResidualMLP(nn.Module):
    """Residual MLP blocks run under ``torch.utils.checkpoint``: activations are recomputed in backward.

    Memory for activations drops from one set per block to the block inputs only, for about one
    extra forward pass of compute; outputs and gradients are unchanged.

    Reference: Chen, Xu, Zhang, Guestrin (2016), "Training Deep Nets with Sublinear Memory Cost",
    arXiv:1604.06174.

    Args:
        dim: Width.
        hidden: Hidden width of each block.
        depth: Number of blocks.

    """

    def __init__(self, dim: int = 16, hidden: int = 32, depth: int = 3) -> None:
        super().__init__()
        self.blocks = _residual_blocks(dim, hidden, depth)

    def forward(self, x: Tensor) -> Tensor:
        """``[..., dim]`` → ``[..., dim]``."""
        for block in self.blocks:
            x = x + (checkpoint(block, x, use_reentrant=False) if self.training else block(x))
        return x


class AutocastMLP(nn.Module):
    """An MLP whose matrix products run in reduced precision under ``torch.autocast``; the output is float32.

    Master weights stay float32 (autocast casts per operation). On GPUs, float16 also needs a
    ``torch.amp.GradScaler`` (loss scaling); bfloat16, the CPU default here, does not.

    Reference: Micikevicius et al. (2018), "Mixed Precision Training", arXiv:1710.03740.

    Args:
        in_features: Input width.
        hidden: Hidden width.
        out_features: Output width.
        dtype: ``"bfloat16"`` or ``"float16"``.

    """

    def __init__(self, in_features: int = 16, hidden: int = 32, out_features: int = 8, dtype: str = "bfloat16") -> None:
        super().__init__()
        if dtype not in ("bfloat16", "float16"):
            raise ValueError(f"dtype must be bfloat16 or float16, got {dtype!r}")
        self.dtype = getattr(torch, dtype)
        self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]`` (float32)."""
        with torch.autocast(x.device.type, dtype=self.dtype):
            out: Tensor = self.net(x)
        return out.float()


class PrunedLinear(nn.Module):
    """A linear layer pruned by weight magnitude with ``torch.nn.utils.prune``.

    Unstructured (default): the ``amount`` fraction of weights with the smallest ``|w|`` is masked
    to zero (Han et al. 2015). Structured: the ``amount`` fraction of output neurons (rows) with
    the smallest L2 norm is removed (Li et al. 2017). The mask is fixed at construction; the
    surviving weights keep training (``weight_orig``).

    References: Han, Pool, Tran, Dally (2015), "Learning both Weights and Connections for Efficient
    Neural Networks", arXiv:1506.02626; Li, Kadav, Durdanovic, Samet, Graf (2017), "Pruning
    Filters for Efficient ConvNets", arXiv:1608.08710.

    Args:
        in_features: Input width.
        out_features: Output width.
        amount: Fraction pruned.
        structured: Prune whole rows instead of single weights.

    """

    def __init__(self, in_features: int = 16, out_features: int = 8, amount: float = 0.5, structured: bool = False) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)
        if structured:
            prune.ln_structured(self.linear, "weight", amount=amount, n=2, dim=0)  # type: ignore[no-untyped-call]
        else:
            prune.l1_unstructured(self.linear, "weight", amount=amount)  # type: ignore[no-untyped-call]

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]`` with the masked weight."""
        out: Tensor = self.linear(x)
        return out


def fake_quantize(x: Tensor, bits: int) -> Tensor:
    """Symmetric per-tensor fake quantization to ``bits`` (straight-through gradient)."""
    levels = 2 ** (bits - 1) - 1
    scale = float(x.detach().abs().max().clamp_min(1e-8)) / levels
    return torch.fake_quantize_per_tensor_affine(x, scale, 0, -levels, levels)


class FakeQuantLinear(nn.Linear):
    """Quantization-aware training: weights and inputs are rounded to a ``bits``-bit grid in forward.

    Symmetric per-tensor scales ``s = max|t| / (2^{b−1} − 1)``, ``q(t) = s · clamp(round(t / s))``;
    backward passes the gradient straight through the rounding (inside the clamp range), so the
    float weights learn to survive integer deployment.

    Reference: Jacob et al. (2018), "Quantization and Training of Neural Networks for Efficient
    Integer-Arithmetic-Only Inference", arXiv:1712.05877.

    Args:
        in_features: Input width.
        out_features: Output width.
        bits: Bit width of weights and activations.

    """

    def __init__(self, in_features: int = 16, out_features: int = 8, bits: int = 8) -> None:
        super().__init__(in_features, out_features)
        self.bits = bits

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]`` on quantized weights and inputs (float bias)."""
        return F.linear(fake_quantize(x, self.bits), fake_quantize(self.weight, self.bits), self.bias)


class DataParallelLinear(nn.Module):
    """A linear layer wrapped in ``DistributedDataParallel`` in a one-process gloo group (started on first use).

    Each rank runs forward on its shard of the batch and backward all-reduces (averages) the
    gradients, so every replica takes the same step; with one rank the result is the plain layer's.

    Reference: Li et al. (2020), "PyTorch Distributed: Experiences on Accelerating Data Parallel
    Training", arXiv:2006.15704.

    Args:
        in_features: Input width.
        out_features: Output width.

    """

    def __init__(self, in_features: int = 16, out_features: int = 8) -> None:
        super().__init__()
        from implementations.components.training.optim_wrappers import ensure_process_group

        ensure_process_group()
        self.ddp = nn.parallel.DistributedDataParallel(nn.Linear(in_features, out_features))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]``."""
        out: Tensor = self.ddp(x)
        return out


# --- float64 oracles ------------------------------------------------------------------------------


def _affine(x: Tensor, layer: nn.Linear, weight: Tensor | None = None) -> Tensor:
    w = layer.weight if weight is None else weight
    return x @ w.double().T + layer.bias.double()


def _linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


def checkpointed_oracle(module: CheckpointedResidualMLP, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The blocks applied directly (no checkpointing), in float64."""
    x = inputs[0].double()
    for block in module.blocks:
        first, last = _linears(block)
        h = _affine(x, first)
        x = x + _affine(0.5 * h * (1 + torch.erf(h / 2**0.5)), last)
    return x


def autocast_oracle(module: AutocastMLP, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The same MLP in float64 (the registration's tolerance absorbs bfloat16 rounding)."""
    first, last = _linears(module.net)
    return _affine(_affine(inputs[0].double(), first).clamp_min(0), last)


def pruned_oracle(module: PrunedLinear, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The mask rebuilt by sorting: the ``round(amount · n)`` smallest weights (or row norms) set to zero."""
    weight = cast(Tensor, module.linear.weight_orig).detach().double()
    amount = float(args.get("amount", 0.5))
    if args.get("structured", False):
        norms = weight.norm(dim=1)
        drop = norms.argsort()[: round(amount * weight.shape[0])]
        mask = torch.ones_like(weight)
        mask[drop] = 0.0
    else:
        drop = weight.abs().flatten().argsort()[: round(amount * weight.numel())]
        mask = torch.ones(weight.numel(), dtype=torch.float64)
        mask[drop] = 0.0
        mask = mask.reshape(weight.shape)
    return _affine(inputs[0].double(), module.linear, weight * mask)


def fake_quant_oracle(module: FakeQuantLinear, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """``s · clamp(round(t / s), −L, L)`` for inputs and weights, then the float64 product."""
    levels = 2 ** (module.bits - 1) - 1

    def quantize(t: Tensor) -> Tensor:
        scale = float(t.abs().max()) / levels
        quantized: Tensor = torch.clamp(torch.round(t.double() / scale), -levels, levels) * scale
        return quantized

    out: Tensor = quantize(inputs[0]) @ quantize(module.weight.detach()).T + module.bias.double()
    return out


def data_parallel_oracle(module: DataParallelLinear, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The wrapped layer's affine map in float64."""
    return _affine(inputs[0].double(), _linears(module)[0])
