"""Reference learning-rate schedules with a linear warmup: warmup + cosine, warmup + linear decay, Noam.

Each is a closed form of the step count ``t`` (``scheduler.last_epoch``), applied to every
parameter group's initial learning rate; the module also holds their smoke-test oracles.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler


def _check(warmup_steps: int, total_steps: int) -> None:
    if warmup_steps < 0 or total_steps < 1 or warmup_steps > total_steps:
        raise ValueError(f"need 0 ≤ warmup_steps ≤ total_steps and total_steps ≥ 1, got {warmup_steps}, {total_steps}")


def warmup_cosine_lr(t: int, base_lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0) -> float:
    """Learning rate of linear warmup then cosine decay at step ``t``.

    ``base·t/W`` for ``t < W``; then ``min_lr + ½(base − min_lr)(1 + cos(π·p))`` with
    ``p = min(1, (t − W) / (T − W))``. Cosine part: Loshchilov & Hutter, 2017, "SGDR: Stochastic
    Gradient Descent with Warm Restarts", arXiv 1608.03983; warmup: Goyal et al., 2017,
    "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", arXiv 1706.02677.
    """
    if t < warmup_steps:
        return base_lr * t / warmup_steps
    progress = min(1.0, (t - warmup_steps) / max(1, total_steps - warmup_steps))
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress))


def linear_warmup_lr(t: int, base_lr: float, warmup_steps: int, total_steps: int) -> float:
    """Learning rate of linear warmup then linear decay to 0 at step ``t``.

    ``base·t/W`` for ``t < W``, then ``base·max(0, (T − t) / (T − W))`` (the schedule of the BERT
    recipe: Devlin et al., 2019, "BERT: Pre-training of Deep Bidirectional Transformers for
    Language Understanding", arXiv 1810.04805; as in transformers' ``get_linear_schedule_with_warmup``).
    """
    if t < warmup_steps:
        return base_lr * t / warmup_steps
    return base_lr * max(0.0, (total_steps - t) / max(1, total_steps - warmup_steps))


class WarmupCosine(LRScheduler):
    """Linear warmup from 0 for ``warmup_steps``, then cosine decay to ``min_lr`` at ``total_steps``.

    See :func:`warmup_cosine_lr` for the formula and references; after ``total_steps`` the rate
    stays at ``min_lr``.

    Args:
        optimizer: The wrapped optimizer; each group's initial ``lr`` is the peak.
        warmup_steps: W, steps of linear warmup.
        total_steps: T, step at which the cosine reaches ``min_lr``.
        min_lr: Final learning rate (absolute).
        last_epoch: Index of the last step (``-1`` to start fresh).

    """

    def __init__(
        self, optimizer: Optimizer, warmup_steps: int = 100, total_steps: int = 1000, min_lr: float = 0.0, last_epoch: int = -1
    ) -> None:
        _check(warmup_steps, total_steps)
        self.warmup_steps, self.total_steps, self.min_lr = warmup_steps, total_steps, min_lr
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:  # type: ignore[override]
        """Rates of every parameter group at ``last_epoch``."""
        return [warmup_cosine_lr(self.last_epoch, float(b), self.warmup_steps, self.total_steps, self.min_lr) for b in self.base_lrs]

    _get_closed_form_lr = get_lr


class LinearWarmup(LRScheduler):
    """Linear warmup from 0 for ``warmup_steps``, then linear decay to 0 at ``total_steps``.

    See :func:`linear_warmup_lr` for the formula and references.

    Args:
        optimizer: The wrapped optimizer; each group's initial ``lr`` is the peak.
        warmup_steps: W, steps of linear warmup.
        total_steps: T, step at which the rate reaches 0 (and stays there).
        last_epoch: Index of the last step (``-1`` to start fresh).

    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int = 100, total_steps: int = 1000, last_epoch: int = -1) -> None:
        _check(warmup_steps, total_steps)
        self.warmup_steps, self.total_steps = warmup_steps, total_steps
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:  # type: ignore[override]
        """Rates of every parameter group at ``last_epoch``."""
        return [linear_warmup_lr(self.last_epoch, float(b), self.warmup_steps, self.total_steps) for b in self.base_lrs]

    _get_closed_form_lr = get_lr


class NoamSchedule(LRScheduler):
    """The Transformer's schedule: linear warmup, then decay with the inverse square root of the step.

    Vaswani et al., 2017, "Attention Is All You Need", arXiv 1706.03762, Section 5.3:
    ``lr = d_model^−0.5 · min(s^−0.5, s · warmup_steps^−1.5)`` at step ``s = t + 1`` (the paper
    counts steps from 1, so the first update does not get a zero rate). The peak,
    ``(d_model · warmup_steps)^−0.5``, is reached at ``s = warmup_steps``. The optimizer's initial
    ``lr`` multiplies the formula (1.0 gives the paper's rates; the Annotated Transformer's
    ``factor``).

    Args:
        optimizer: The wrapped optimizer; each group's initial ``lr`` is the multiplier.
        d_model: Model width (512 in the paper's base model).
        warmup_steps: Steps of linear warmup (4000 in the paper).
        last_epoch: Index of the last step (``-1`` to start fresh).

    """

    def __init__(self, optimizer: Optimizer, d_model: int = 512, warmup_steps: int = 4000, last_epoch: int = -1) -> None:
        if d_model < 1 or warmup_steps < 1:
            raise ValueError(f"need d_model ≥ 1 and warmup_steps ≥ 1, got {d_model}, {warmup_steps}")
        self.d_model, self.warmup_steps = d_model, warmup_steps
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:  # type: ignore[override]
        """Rates of every parameter group at ``last_epoch``."""
        step = self.last_epoch + 1
        factor = self.d_model**-0.5 * min(step**-0.5, step * self.warmup_steps**-1.5)
        return [float(base) * factor for base in self.base_lrs]

    _get_closed_form_lr = get_lr


def warmup_cosine_oracle(scheduler: Any, lrs: Sequence[float], args: Mapping[str, Any]) -> list[float]:
    """Expected trajectory of :class:`WarmupCosine` (peak = the optimizer's initial lr), in float64."""
    base, warmup, total, floor = float(scheduler.base_lrs[0]), args["warmup_steps"], args["total_steps"], args.get("min_lr", 0.0)
    out = []
    for t in range(len(lrs)):
        if t < warmup:
            out.append(base * t / warmup)
        else:
            phase = math.pi * min(t - warmup, total - warmup) / max(1, total - warmup)
            out.append(floor + (base - floor) * (1.0 + math.cos(phase)) / 2.0)
    return out


def linear_warmup_oracle(scheduler: Any, lrs: Sequence[float], args: Mapping[str, Any]) -> list[float]:
    """Expected trajectory of :class:`LinearWarmup` (peak = the optimizer's initial lr), in float64."""
    base, warmup, total = float(scheduler.base_lrs[0]), args["warmup_steps"], args["total_steps"]
    return [base * (t / warmup if t < warmup else max(0.0, 1.0 - (t - warmup) / max(1, total - warmup))) for t in range(len(lrs))]


def noam_oracle(scheduler: Any, lrs: Sequence[float], args: Mapping[str, Any]) -> list[float]:
    """Expected trajectory of :class:`NoamSchedule`: ``base·s/(√d·W^1.5)`` up to ``s = W``, then ``base/√(d·s)``."""
    base, d_model, warmup = float(scheduler.base_lrs[0]), args["d_model"], args["warmup_steps"]
    out = []
    for t in range(len(lrs)):
        s = t + 1
        out.append(base * s / (math.sqrt(d_model) * warmup**1.5) if s <= warmup else base / math.sqrt(d_model * s))
    return out
