"""Percentile bootstrap (Efron) of a statistic over seeds, and of the difference of two independent medians.

Failed runs carry the worst value of their metric (``±inf``), so every function here accepts
infinite values: the median of a sample holding ``inf`` is ``inf`` when most seeds failed, a
difference of two equal infinities is 0 (both sides failed alike) and interval bounds are order
statistics of the bootstrap distribution, never interpolations, so no ``inf - inf`` turns into NaN.
Differences taken seed by seed (:mod:`~implementations.pairing.evidence.paired`) are *signed*
samples: one seed may give ``+inf`` and another ``-inf``, and the median of those two is 0.
Everything is vectorised with numpy: one call draws all resamples at once.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

LEVEL = 0.95
RESAMPLES = 10_000

Floats = NDArray[np.float64]
Values = Sequence[float] | Floats
Statistic = Callable[..., Any]


class EvidenceError(ValueError):
    """The runs cannot give the evidence asked for (no runs, every run failed, mixed metrics …)."""


def as_sample(values: Values, *, signed: bool = False) -> Floats:
    """``values`` as a float array, checked: not empty, no NaN, not both ``+inf`` and ``-inf``.

    Args:
        values: One number per seed.
        signed: The values are seed-by-seed differences, which may hold both ``+inf`` and ``-inf``.

    Raises:
        EvidenceError: When one of the checks fails.

    """
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.size == 0:
        raise EvidenceError("no values to summarise")
    if np.isnan(array).any():
        raise EvidenceError("values contain NaN; a failed run must carry the worst value (±inf) instead")
    if not signed and np.isposinf(array).any() and np.isneginf(array).any():
        raise EvidenceError("values mix +inf and -inf; failed runs of one metric share its worst value")
    return array


def median(values: Values, *, signed: bool = False) -> float:
    """The median of ``values`` (``±inf`` when most of them are that infinity; see :func:`as_sample`)."""
    ordered = np.sort(as_sample(values, signed=signed))
    return float(_midpoint(ordered[(ordered.size - 1) // 2], ordered[ordered.size // 2]))


@dataclass(frozen=True, eq=False)
class Distribution:
    """A bootstrap distribution, stored as its distinct values and how many resamples gave each.

    The median of a resample of ``n`` values is one of at most ``n`` order statistics (or ``n²``
    midpoints for even ``n``), so ten thousand resamples collapse to a few values: intervals and
    differences then cost next to nothing.

    Attributes:
        support: The values, sorted.
        counts: How many resamples (or pairs of resamples) gave each value.

    """

    support: Floats
    counts: NDArray[np.int64]

    @classmethod
    def of(cls, values: Floats, counts: NDArray[np.int64]) -> Distribution:
        """The distribution of ``values`` weighted by ``counts`` (any order, zero counts dropped)."""
        keep = counts > 0
        order = np.argsort(values[keep], kind="stable")
        return cls(values[keep][order], counts[keep][order])


def bootstrap_distribution(
    values: Values, *, rng: np.random.Generator, stat: Statistic = np.median, resamples: int = RESAMPLES, signed: bool = False
) -> Distribution:
    """``stat`` of ``resamples`` resamples (with replacement, same size) of ``values``.

    The median takes a fast path: it is an order statistic of the sorted values, so only the drawn
    indices are sorted and counted. Any other ``stat`` must accept ``axis=1``.

    Raises:
        EvidenceError: ``values`` fail :func:`as_sample` (with ``signed``), or ``resamples`` < 1.

    """
    if resamples < 1:
        raise EvidenceError(f"resamples must be at least 1, got {resamples}")
    array = as_sample(values, signed=signed)
    if (array == array[0]).all():  # every resample is the same (all seeds failed alike, one value …)
        return Distribution(array[:1], np.array([resamples], dtype=np.int64))
    n = array.size
    indices = rng.integers(0, n, size=(resamples, n))
    if stat is not np.median:
        stats, counts = np.unique(np.asarray(stat(array[indices], axis=1), dtype=np.float64), return_counts=True)
        return Distribution(stats, counts.astype(np.int64))
    ordered = np.sort(array)
    indices.sort(axis=1)
    upper = indices[:, n // 2]
    if n % 2:
        return Distribution.of(ordered, np.bincount(upper, minlength=n))
    counts = np.bincount(indices[:, n // 2 - 1] * n + upper, minlength=n * n)
    low, high = np.divmod(np.arange(n * n), n)
    return Distribution.of(_midpoint(ordered[low], ordered[high]), counts)


def _midpoint(a: Floats, b: Floats) -> Floats:
    """``(a + b) / 2`` elementwise, with ``a`` where they are equal and 0 between ``-inf`` and ``+inf``."""
    with np.errstate(invalid="ignore"):
        return np.where(a == b, a, np.where(a == -b, 0.0, (a + b) / 2))


def gap(a: float, b: float) -> float:
    """``a - b``, 0 when they are equal (so ``inf - inf`` is 0, not NaN)."""
    return 0.0 if a == b else a - b


def difference(a: Distribution, b: Distribution) -> Distribution:
    """The distribution of ``a - b`` over every pair of their resamples (independent resampling).

    Equal values give 0, so ``inf - inf`` (both sides failed alike) is 0, not NaN.
    """
    with np.errstate(invalid="ignore"):
        values = np.subtract.outer(a.support, b.support)
        values = np.where(np.equal.outer(a.support, b.support), 0.0, values)
    return Distribution.of(values.ravel(), np.multiply.outer(a.counts, b.counts).ravel())


def interval(distribution: Distribution, level: float = LEVEL) -> tuple[float, float]:
    """The central ``level`` percentile interval of a bootstrap distribution (no interpolation).

    Each bound is the smallest value whose cumulative share reaches the tail (numpy's
    ``inverted_cdf`` quantile), so bounds are values of the distribution, ``inf`` included.

    Raises:
        EvidenceError: ``level`` is not strictly between 0 and 1.

    """
    if not 0 < level < 1:
        raise EvidenceError(f"level must lie strictly between 0 and 1, got {level}")
    tail = (1 - level) / 2
    cumulative = np.cumsum(distribution.counts)
    total = int(cumulative[-1])
    ranks = [max(1, math.ceil(q * total - 1e-9)) for q in (tail, 1 - tail)]
    low, high = distribution.support[np.searchsorted(cumulative, ranks)]
    return float(low), float(high)


def bootstrap_ci(
    values: Values,
    *,
    stat: Statistic = np.median,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """The percentile bootstrap confidence interval of ``stat`` over ``values``.

    Args:
        values: One number per seed (``±inf`` for a failed run).
        stat: The statistic, a numpy reduction accepting ``axis`` (the median by default).
        level: Coverage of the interval.
        resamples: Number of bootstrap resamples.
        seed: Seed of the resampling; the same seed gives the same interval.

    Returns:
        ``(low, high)``; ``(c, c)`` when every value is ``c``.

    Raises:
        EvidenceError: No values, NaN among them, a bad ``level`` or ``resamples``.

    """
    rng = np.random.default_rng(seed)
    return interval(bootstrap_distribution(values, rng=rng, stat=stat, resamples=resamples), level)


def difference_ci(a: Values, b: Values, *, level: float = LEVEL, resamples: int = RESAMPLES, seed: int = 0) -> tuple[float, float]:
    """The bootstrap confidence interval of ``median(a) - median(b)``, ``a`` and ``b`` resampled independently.

    Raises:
        EvidenceError: As :func:`bootstrap_ci`, for either sample.

    """
    rng = np.random.default_rng(seed)
    first = bootstrap_distribution(a, rng=rng, resamples=resamples)
    second = bootstrap_distribution(b, rng=rng, resamples=resamples)
    return interval(difference(first, second), level)


@dataclass(frozen=True, eq=False)
class Sample:
    """The values of one pair over its seeds, with the bootstrap distribution of their median.

    Comparing two samples without seeds in common subtracts their stored distributions, so a pair
    compared against several others is resampled once, and samples drawn with different keys are
    independent; samples with seeds in common are compared seed by seed
    (:func:`~implementations.pairing.evidence.paired.compare`).

    Attributes:
        label: What the values are of (an optimizer slug).
        seeds: The seeds of the runs, ascending.
        values: One value per seed, in the order of ``seeds``.
        median: Their median.
        distribution: Bootstrap medians, one per resample.

    """

    label: str
    seeds: tuple[int, ...]
    values: Floats
    median: float
    distribution: Distribution

    @property
    def by_seed(self) -> dict[int, float]:
        """Seed → value."""
        return dict(zip(self.seeds, self.values.tolist(), strict=True))

    @property
    def ci(self) -> tuple[float, float]:
        """The 95% percentile interval of the median."""
        return interval(self.distribution)


def create_sample(label: str, by_seed: Mapping[int, float], *, key: str, resamples: int = RESAMPLES) -> Sample:
    """A :class:`Sample` of one value per seed, its resampling seeded by ``key`` (stable across runs and input orders).

    Raises:
        EvidenceError: The values fail :func:`as_sample`.

    """
    seeds = tuple(sorted(by_seed))
    array = as_sample([by_seed[seed] for seed in seeds])
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    return Sample(label, seeds, array, median(array), bootstrap_distribution(array, rng=rng, resamples=resamples))


def difference_interval(a: Sample, b: Sample) -> tuple[float, float]:
    """The 95% interval of ``median(a) - median(b)`` from the two samples' distributions."""
    return interval(difference(a.distribution, b.distribution))
