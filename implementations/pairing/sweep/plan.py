"""The trial plan of the pairing protocol: tuning grids, seed runs and ablations (no torch, no Ray).

Every candidate of a family gets the same tuning budget of ``K`` configurations, quasi-random over its
optimizer's learning-rate range (and weight decay, where the optimizer has it). The best
configuration is rerun over seeds ``0 … S−1`` (seed 0 *is* the tuning run: same config hash), and
each claimed pair of a family with recipe extras is rerun without each extra over the same seeds.

Learning-rate ranges (log-uniform):

============================================  ==============
optimizer                                     range
============================================  ==============
adam, adamw, rmsprop, adafactor, sophia,      1e-4 … 1e-1
lamb, adan, novograd, surrogate-gradient
sgd, adagrad, stdp                            1e-3 … 1
lion                                          1e-5 … 1e-2
lars, adadelta                                1e-1 … 1e2
============================================  ==============

Weight decay (log-uniform 1e-5 … 1e-1) is tuned for the optimizers whose published form has a
decay term: SGD (L2) and the decoupled-decay methods (``DECAYED``); the others run with 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from implementations.pairing.families import BASELINE, FAMILY_SPECS
from implementations.pairing.protocol import TrialConfig

Pair = tuple[str, str]

_ADAPTIVE = (1e-4, 1e-1)
LR_RANGES: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("adam", "adamw", "rmsprop", "adafactor", "sophia", "lamb", "adan", "novograd", "surrogate-gradient"), _ADAPTIVE),
    **dict.fromkeys(("sgd", "adagrad", "stdp"), (1e-3, 1.0)),
    "lion": (1e-5, 1e-2),
    **dict.fromkeys(("lars", "adadelta"), (1e-1, 1e2)),
}
WEIGHT_DECAY_RANGE = (1e-5, 1e-1)
DECAYED = frozenset({"sgd", "adamw", "lion", "lamb", "lars", "adan", "novograd", "sophia"})
SAMPLER_SEED = 0  # the same quasi-random points for every optimizer, mapped to its own ranges


class PlanError(ValueError):
    """A family, an optimizer or a budget the protocol does not know."""


def _log_scale(unit: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(math.exp(math.log(low) + unit * (math.log(high) - math.log(low))), low), high)


def tuning_points(optimizer: str, budget: int) -> list[tuple[float, float]]:
    """``budget`` (learning rate, weight decay) points for ``optimizer``.

    One-dimensional (weight decay 0): ``budget`` log-spaced learning rates spanning the range.
    With weight decay: a scrambled 2-D Halton sequence (seeded), log-mapped onto both ranges.

    Raises:
        PlanError: Unknown optimizer or a budget below 1.

    """
    if optimizer not in LR_RANGES:
        raise PlanError(f"no learning-rate range for '{optimizer}'")
    if budget < 1:
        raise PlanError(f"the tuning budget must be at least 1, got {budget}")
    bounds = LR_RANGES[optimizer]
    if optimizer not in DECAYED:
        units = [0.5] if budget == 1 else [i / (budget - 1) for i in range(budget)]
        return [(_log_scale(u, bounds), 0.0) for u in units]
    from scipy.stats import qmc

    sample = qmc.Halton(d=2, scramble=True, seed=SAMPLER_SEED).random(budget)
    return [(_log_scale(float(u), bounds), _log_scale(float(v), WEIGHT_DECAY_RANGE)) for u, v in sample]


def select_pairs(
    families: Iterable[str] | None = None, optimizers: Iterable[str] | None = None, *, every_candidate: bool
) -> dict[str, tuple[str, ...]]:
    """Which candidates to sweep on which families.

    Args:
        families: Family slugs (default: all).
        optimizers: Keep only these candidates (default: no filter).
        every_candidate: Every candidate of each family (the verdicts need them all); else only the
            family's claimed optimizers plus the SGD baseline.

    Returns:
        family → its selected candidates, families with none left out.

    Raises:
        PlanError: An unknown family, or an optimizer that is no candidate of any selected family.

    """
    chosen = list(FAMILY_SPECS) if families is None else list(families)
    unknown = [f for f in chosen if f not in FAMILY_SPECS]
    if unknown:
        raise PlanError(f"no task family '{unknown[0]}'; families: {', '.join(FAMILY_SPECS)}")
    keep = None if optimizers is None else set(optimizers)
    out: dict[str, tuple[str, ...]] = {}
    for family in chosen:
        spec = FAMILY_SPECS[family]
        base = spec.candidates if every_candidate else tuple(c for c in spec.candidates if c in spec.claimed or c == BASELINE)
        picked = tuple(c for c in base if keep is None or c in keep)
        if picked:
            out[family] = picked
    if keep is not None and not out:
        families_named = ", ".join(chosen)
        raise PlanError(f"'{', '.join(sorted(keep))}' is no candidate of {families_named}")
    return out


@dataclass(frozen=True)
class SweepPlan:
    """The protocol for a selection of (family, candidate) pairs.

    Attributes:
        pairs: family → candidates to sweep (:func:`select_pairs`).
        steps: family → optimizer steps of its task (``implementations.pairing.trial.default_steps``).
        tune_budget: Configurations tuned per (family, candidate), the same for all.
        seeds: Seed runs at the best configuration (seed 0 is the tuning run).

    """

    pairs: Mapping[str, Sequence[str]]
    steps: Mapping[str, int]
    tune_budget: int = 8
    seeds: int = 5

    def pair_list(self) -> list[Pair]:
        """Every (family, candidate) of the plan, in plan order."""
        return [(family, optimizer) for family, optimizers in self.pairs.items() for optimizer in optimizers]

    def tuning(self, pair: Pair) -> list[TrialConfig]:
        """The tuning configurations of one pair: seed 0, default steps, the family's default extras."""
        family, optimizer = pair
        extras = FAMILY_SPECS[family].extras
        return [
            TrialConfig(family, optimizer, lr, wd, seed=0, steps=self.steps[family], extras=extras)
            for lr, wd in tuning_points(optimizer, self.tune_budget)
        ]

    def seed_runs(self, best: TrialConfig) -> list[TrialConfig]:
        """``best`` over seeds ``0 … S−1`` (the first is ``best`` itself, already run while tuning)."""
        return [replace(best, seed=seed) for seed in range(self.seeds)]

    def ablations(self, best: TrialConfig) -> list[TrialConfig]:
        """For a claimed pair: ``best`` without each of its extras, over the same seeds; else nothing."""
        if best.optimizer not in FAMILY_SPECS[best.family].claimed:
            return []
        return [
            replace(config, extras=tuple(e for e in best.extras if e != extra)) for extra in best.extras for config in self.seed_runs(best)
        ]

    def trials_of(self, pair: Pair, *, tuned: bool = True) -> int:
        """Distinct trials of one pair: its tuning runs, and when ``tuned``, its other seeds and ablations."""
        family, optimizer = pair
        if not tuned:
            return self.tune_budget
        ablations = self.seeds * len(FAMILY_SPECS[family].extras) if optimizer in FAMILY_SPECS[family].claimed else 0
        return self.tune_budget + self.seeds - 1 + ablations

    def total(self) -> int:
        """Distinct trials of the whole plan, when every pair's tuning succeeds."""
        return sum(self.trials_of(pair) for pair in self.pair_list())
