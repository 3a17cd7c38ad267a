"""Seed-by-seed (paired) differences of two optimizers, and the comparison the verdicts and ablations use.

A run's seed fixes its data split, initial weights and batch order whatever the optimizer, so two
runs at the same seed are *paired*: most of the spread across seeds (which split a seed drew) is
shared by both sides and cancels in their difference. "Is A worse than B" is therefore tested on the
paired differences ``A_s − B_s`` over the seeds both ran, with a percentile bootstrap of their
*median* that resamples seeds. The median rather than the mean because

- a failed run is ``±inf``: one failed seed makes a mean infinite (NaN when each side fails at a
  different seed), while the median counts it as one bad seed, as every other statistic here does;
- with 5 seeds the 95% interval of the median is [smallest, largest] paired difference, a sign test
  whose coverage is at least 1 − 2 / 2⁵ ≈ 94% whatever the distribution of the differences, whereas
  a percentile bootstrap of the mean of 5 values covers only about 85% (it ignores Student's t).

Two samples with fewer than :data:`MIN_SEEDS` seeds in common fall back to the independent
difference of their medians (:func:`~implementations.pairing.evidence.stats.difference_interval`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from implementations.pairing.evidence.selection import MIN_SEEDS
from implementations.pairing.evidence.stats import (
    LEVEL,
    RESAMPLES,
    EvidenceError,
    Sample,
    bootstrap_distribution,
    difference_interval,
    gap,
    interval,
    median,
)


def paired_differences(a_by_seed: Mapping[int, float], b_by_seed: Mapping[int, float]) -> list[float]:
    """``a_s − b_s`` for each seed ``s`` both map, by ascending seed (0 where equal, so ``inf − inf`` is 0).

    A failed run (``±inf``) on one side only gives ``±inf``: the worst value against any finished run.
    """
    return [gap(a_by_seed[seed], b_by_seed[seed]) for seed in sorted(a_by_seed.keys() & b_by_seed.keys())]


def paired_difference_ci(
    a_by_seed: Mapping[int, float],
    b_by_seed: Mapping[int, float],
    *,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """The percentile bootstrap CI of the median of the paired differences ``a_s − b_s``, resampling seeds.

    Args:
        a_by_seed: Seed → value of one side (``±inf`` for a failed run).
        b_by_seed: Seed → value of the other side; only the seeds both sides map count.
        level: Coverage of the interval.
        resamples: Number of bootstrap resamples.
        seed: Seed of the resampling; the same seed gives the same interval.

    Returns:
        ``(low, high)``; ``(d, d)`` when every paired difference is ``d``.

    Raises:
        EvidenceError: Fewer than :data:`MIN_SEEDS` seeds in common, NaN among the values, a bad
            ``level`` or ``resamples``.

    """
    differences = paired_differences(a_by_seed, b_by_seed)
    if len(differences) < MIN_SEEDS:
        raise EvidenceError(
            f"a paired interval needs at least {MIN_SEEDS} seeds both sides ran, got {len(differences)} "
            f"(seeds {sorted(a_by_seed)} and {sorted(b_by_seed)})"
        )
    rng = np.random.default_rng(seed)
    return interval(bootstrap_distribution(differences, rng=rng, resamples=resamples, signed=True), level)


@dataclass(frozen=True)
class Comparison:
    """How much larger one sample is than another, with its 95% bootstrap interval.

    Attributes:
        point: The median of the paired differences, or the difference of the two medians when unpaired.
        ci: Its 95% percentile-bootstrap interval.
        common_seeds: How many seeds both samples ran.

    """

    point: float
    ci: tuple[float, float]
    common_seeds: int

    @property
    def paired(self) -> bool:
        """Whether the comparison is seed by seed (at least :data:`MIN_SEEDS` seeds in common)."""
        return self.common_seeds >= MIN_SEEDS

    def describe(self) -> str:
        """How the interval was computed, for a verdict's reason."""
        if self.paired:
            return f"paired over {self.common_seeds} seeds"
        return f"unpaired, {self.common_seeds} seed{'' if self.common_seeds == 1 else 's'} in common: medians resampled independently"


def compare(a: Sample, b: Sample) -> Comparison:
    """``a − b``: paired over their common seeds when they have at least :data:`MIN_SEEDS`, else independent."""
    a_by_seed, b_by_seed = a.by_seed, b.by_seed
    differences = paired_differences(a_by_seed, b_by_seed)
    if len(differences) < MIN_SEEDS:
        return Comparison(gap(a.median, b.median), difference_interval(a, b), len(differences))
    return Comparison(median(differences, signed=True), paired_difference_ci(a_by_seed, b_by_seed), len(differences))
