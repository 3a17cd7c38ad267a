"""The data of the pairing protocol: one trial's configuration, what it measured, what a pair's evidence says.

The protocol follows the published ways of comparing training algorithms (MLCommons AlgoPerf's
external-tuning ruleset, DeepOBS, Schmidt et al. 2021): every optimizer of a family gets the same
tuning budget, the best configuration is rerun over several seeds, and each run is measured on a
held-out validation split. Nothing here imports torch.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

PROTOCOL_VERSION = "nnv-pairing-2"  # bump when a task, a metric or a trial's configuration changes (stored trials then no longer count)


class Verdict(StrEnum):
    """What the runs say of a claimed pair (see :mod:`implementations.pairing.evidence.verdicts`)."""

    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    INCONCLUSIVE = "inconclusive"


class Phase(StrEnum):
    """Why a trial was run; not part of its identity (a tuning run at seed 0 is also the first seed run)."""

    TUNE = "tune"
    SEED = "seed"
    ABLATION = "ablation"


@dataclass(frozen=True)
class TrialConfig:
    """Everything that determines one training run (same config → bit-identical result).

    Attributes:
        family: Task family, a concept slug (``transformer``, ``spiking-neural-network``).
        optimizer: An optimizer slug of the matrix (``adamw``) or a training method of the family
            (``surrogate-gradient``, ``stdp``).
        lr: Learning rate.
        weight_decay: Weight decay (0 for optimizers without it).
        seed: Seed of the data split, the weights and the batches.
        steps: Optimizer steps.
        extras: The recipe extras switched on, sorted (``grad-clip``, ``warmup-cosine`` …).

    """

    family: str
    optimizer: str
    lr: float
    weight_decay: float
    seed: int
    steps: int
    extras: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "extras", tuple(sorted(self.extras)))

    def config_hash(self) -> str:
        """A stable id of this configuration under :data:`PROTOCOL_VERSION` (16 hex digits)."""
        payload = json.dumps({"protocol": PROTOCOL_VERSION, **self.to_json()}, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (lists for tuples)."""
        return {**asdict(self), "lr": float(self.lr), "weight_decay": float(self.weight_decay), "extras": list(self.extras)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialConfig:
        """The config :meth:`to_json` wrote."""
        return cls(**{**data, "extras": tuple(data.get("extras", ()))})


@dataclass(frozen=True)
class EvalPoint:
    """Validation after ``step`` optimizer steps."""

    step: int
    val_loss: float
    val_metric: float


@dataclass(frozen=True)
class TrialResult:
    """What one run measured on the family's validation split.

    Attributes:
        config: The run's configuration.
        metric: Name of the validation metric (``accuracy``, ``bits-per-char`` …).
        higher_is_better: Direction of ``metric``.
        curve: Validation at step 0 and after every evaluation interval, the last at ``config.steps``.
        duration_s: Wall time of the run (data, model, training and evaluation).
        error: ``None``, or why the run failed (a diverged run keeps its curve up to the failure).

    """

    config: TrialConfig
    metric: str
    higher_is_better: bool
    curve: tuple[EvalPoint, ...]
    duration_s: float
    error: str | None = None
    protocol: str = field(default=PROTOCOL_VERSION)

    @property
    def final_val_metric(self) -> float:
        """The metric after the last step; the worst value (nan-safe) when the run failed."""
        if self.error is not None or not self.curve or not math.isfinite(self.curve[-1].val_metric):
            return -math.inf if self.higher_is_better else math.inf
        return self.curve[-1].val_metric

    @property
    def final_val_loss(self) -> float:
        """The validation loss after the last step (``inf`` when the run failed)."""
        if self.error is not None or not self.curve or not math.isfinite(self.curve[-1].val_loss):
            return math.inf
        return self.curve[-1].val_loss

    def reaches(self, value: float, target: float) -> bool:
        """Whether ``value`` of this run's metric meets ``target``."""
        return value >= target if self.higher_is_better else value <= target

    def steps_to(self, target: float) -> float:
        """The first evaluated step whose metric meets ``target``; ``inf`` when none does."""
        if self.error is not None:
            return math.inf
        return next((float(p.step) for p in self.curve if math.isfinite(p.val_metric) and self.reaches(p.val_metric, target)), math.inf)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict (non-finite floats as strings, so strict JSON parsers accept it)."""
        return {
            "config": self.config.to_json(),
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "curve": [[p.step, _num(p.val_loss), _num(p.val_metric)] for p in self.curve],
            "duration_s": self.duration_s,
            "error": self.error,
            "protocol": self.protocol,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrialResult:
        """The result :meth:`to_json` wrote."""
        return cls(
            config=TrialConfig.from_json(data["config"]),
            metric=data["metric"],
            higher_is_better=bool(data["higher_is_better"]),
            curve=tuple(EvalPoint(int(s), float(loss), float(m)) for s, loss, m in data["curve"]),
            duration_s=float(data["duration_s"]),
            error=data.get("error"),
            protocol=data.get("protocol", PROTOCOL_VERSION),
        )


def _num(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


@dataclass(frozen=True)
class PairEvidence:
    """The evidence on one (family, optimizer) pair at its tuned configuration.

    Attributes:
        family / optimizer: The pair.
        claimed: Whether a source claims the pair.
        verdict: For a claimed pair, what the runs say; ``None`` for an unclaimed one.
        metric / higher_is_better: The family's validation metric and its direction.
        median / ci: Median of the final validation metric over the seeds, and its 95% bootstrap CI.
        steps_to_target / steps_ci: Median steps to the family's target (``inf`` if most runs never
            reach it) and its 95% bootstrap CI.
        runs: Number of seed runs behind the numbers.
        config: The tuned configuration (seed 0).
        protocol: :data:`PROTOCOL_VERSION` of the runs.
        reason: The comparison behind the verdict, with its numbers, in one sentence.

    """

    family: str
    optimizer: str
    claimed: bool
    verdict: Verdict | None
    metric: str
    higher_is_better: bool
    median: float
    ci: tuple[float, float]
    steps_to_target: float
    steps_ci: tuple[float, float]
    runs: int
    config: TrialConfig
    protocol: str
    reason: str


@dataclass(frozen=True)
class AblationEvidence:
    """A claimed recipe extra with and without it, same tuned configuration, same seeds.

    ``difference_ci`` is the 95% paired bootstrap CI of the median, over the common seeds, of
    (with − without), in the metric's units; ``effect`` is ``helps``, ``hurts`` or ``no significant difference``.
    """

    family: str
    optimizer: str
    extra: str
    metric: str
    higher_is_better: bool
    with_median: float
    with_ci: tuple[float, float]
    without_median: float
    without_ci: tuple[float, float]
    difference_ci: tuple[float, float]
    effect: str
    runs: int
