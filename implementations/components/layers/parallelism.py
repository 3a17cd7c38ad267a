"""Model parallelism simulated in one process (tensor and pipeline parallel), and a bagged ensemble.

The shards or stages that would live on different devices are separate modules here; the
collective operations (all-reduce, send/receive) become sums and hand-offs, so the result can be
compared with the unsplit computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class TensorParallelMLP(nn.Module):
    """Megatron-style tensor-parallel MLP: the first matrix split by columns, the second by rows.

    Rank ``r`` holds ``W₁[:, shard_r]`` and ``W₂[shard_r, :]`` and computes
    ``GELU(x W₁^{(r)}) W₂^{(r)}`` with no communication; one all-reduce (here a sum over ranks)
    yields ``GELU(x W₁) W₂``.

    Reference: Shoeybi, Patwary, Puri, LeGresley, Casper, Catanzaro (2019), "Megatron-LM: Training
    Multi-Billion Parameter Language Models Using Model Parallelism", arXiv:1909.08053 (§3).

    Args:
        dim: Model width.
        hidden: MLP width (divisible by ``world_size``).
        world_size: Simulated ranks.

    """

    def __init__(self, dim: int = 16, hidden: int = 64, world_size: int = 4) -> None:
        super().__init__()
        if hidden % world_size:
            raise ValueError(f"hidden={hidden} must be divisible by world_size={world_size}")
        shard = hidden // world_size
        self.column = nn.ModuleList(nn.Linear(dim, shard) for _ in range(world_size))
        self.row = nn.ModuleList(nn.Linear(shard, dim, bias=False) for _ in range(world_size))
        self.bias = nn.Parameter(torch.zeros(dim))  # added once, after the all-reduce

    def forward(self, x: Tensor) -> Tensor:
        """``[..., dim]`` → ``[..., dim]``."""
        partials = [row(F.gelu(column(x))) for column, row in zip(self.column, self.row, strict=True)]
        return torch.stack(partials).sum(0) + self.bias  # the all-reduce


class PipelineParallel(nn.Module):
    """GPipe-style pipeline: ``stages`` layers on simulated devices, the batch cut into ``micro_batches``.

    At clock tick ``t`` stage ``s`` processes micro-batch ``t − s`` (the schedule fills, runs full
    and drains in ``micro_batches + stages − 1`` ticks); the outputs are re-assembled in order.
    Results equal running the stages on the whole batch (no batch-statistics layers here).

    Reference: Huang et al. (2019), "GPipe: Efficient Training of Giant Neural Networks using
    Pipeline Parallelism", arXiv:1811.06965.

    Args:
        dim: Width.
        stages: Pipeline stages (one ``Linear → tanh`` each).
        micro_batches: Micro-batches per batch.

    """

    def __init__(self, dim: int = 16, stages: int = 3, micro_batches: int = 2) -> None:
        super().__init__()
        self.stages = nn.ModuleList(nn.Sequential(nn.Linear(dim, dim), nn.Tanh()) for _ in range(stages))
        self.micro_batches = micro_batches

    def forward(self, x: Tensor) -> Tensor:
        """``[B, dim]`` → ``[B, dim]``."""
        chunks: list[Tensor] = list(x.chunk(self.micro_batches))
        for tick in range(len(chunks) + len(self.stages) - 1):
            for s, stage in enumerate(self.stages):
                if 0 <= tick - s < len(chunks):
                    chunks[tick - s] = stage(chunks[tick - s])
        return torch.cat(chunks)


class BaggingEnsemble(nn.Module):
    """Bootstrap aggregating: ``members`` small MLPs, each meant to train on its own bootstrap resample.

    :meth:`bootstrap` draws the resample indices (``n`` with replacement) for every member;
    forward averages the members' predictions (for classification, average probabilities or vote).

    Reference: Breiman (1996), "Bagging Predictors", Machine Learning 24:123–140,
    doi:10.1007/BF00058655.

    Args:
        in_features: Input width.
        out_features: Output width.
        members: Ensemble size.
        hidden: Hidden width of each member.

    """

    def __init__(self, in_features: int = 16, out_features: int = 4, members: int = 5, hidden: int = 16) -> None:
        super().__init__()
        self.members = nn.ModuleList(
            nn.Sequential(nn.Linear(in_features, hidden), nn.ReLU(), nn.Linear(hidden, out_features)) for _ in range(members)
        )

    def bootstrap(self, n: int) -> Tensor:
        """Resample indices ``[members, n]`` (with replacement) from torch's global generator."""
        return torch.randint(0, n, (len(self.members), n))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → the mean prediction ``[B, out_features]``."""
        return torch.stack([member(x) for member in self.members]).mean(0)


# --- float64 oracles ------------------------------------------------------------------------------


def _affine(x: Tensor, layer: nn.Module) -> Tensor:
    assert isinstance(layer, nn.Linear)
    y = x @ layer.weight.double().T
    return y + layer.bias.double() if layer.bias is not None else y


def tensor_parallel_oracle(module: TensorParallelMLP, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The unsplit MLP: the shards concatenated back into ``W₁`` (columns) and ``W₂`` (rows), float64."""
    w1 = torch.cat([layer.weight.double() for layer in module.column if isinstance(layer, nn.Linear)])
    b1 = torch.cat([layer.bias.double() for layer in module.column if isinstance(layer, nn.Linear)])
    w2 = torch.cat([layer.weight.double() for layer in module.row if isinstance(layer, nn.Linear)], dim=1)
    h = inputs[0].double() @ w1.T + b1
    return (0.5 * h * (1 + torch.erf(h / 2**0.5))) @ w2.T + module.bias.double()


def pipeline_oracle(module: PipelineParallel, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Every stage on the whole batch, in float64."""
    x = inputs[0].double()
    for stage in module.stages:
        assert isinstance(stage, nn.Sequential)
        x = torch.tanh(_affine(x, stage[0]))
    return x


def bagging_oracle(module: BaggingEnsemble, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Each member in float64, summed and divided by the ensemble size."""
    x, total = inputs[0].double(), torch.zeros(())
    for member in module.members:
        assert isinstance(member, nn.Sequential)
        total = total + _affine(_affine(x, member[0]).clamp_min(0), member[2])
    return total / len(module.members)
