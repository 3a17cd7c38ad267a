"""The verdict of a pair: a non-inferiority test against the family's best, a superiority test against the rest.

The *deficit* of a pair against another is how much worse it is, in the metric's units (positive =
worse: ``other − pair`` when higher is better, ``pair − other`` otherwise): the median over the seeds
both ran of the seed-by-seed deficits, with the 95% percentile-bootstrap interval of that median
(seeds resampled; see :mod:`~implementations.pairing.evidence.paired`). With fewer than two seeds in
common it is the difference of the two medians, each side resampled independently, and the reason
says so. In this order:

1. **supported** — the pair is the family's best (its median is finite), or the upper bound of its
   deficit interval against the best is below the margin δ (non-inferiority);
2. **contradicted** — the lower bound of its deficit interval against the family's median
   optimizer, or against the SGD + momentum baseline, is above 0 (significantly worse);
3. **inconclusive** — anything else.

δ is :data:`MARGIN_ABSOLUTE` for metrics where higher is better (fractions such as accuracy) and
:data:`MARGIN_RELATIVE` × |best median| for metrics where lower is better (losses, bits per char).
"""

from __future__ import annotations

import math

from implementations.pairing.evidence.paired import Comparison, compare
from implementations.pairing.evidence.stats import Sample
from implementations.pairing.protocol import Verdict

MARGIN_ABSOLUTE = 0.02  # two accuracy points
MARGIN_RELATIVE = 0.03  # 3% of the best median of a loss


def margin_for(higher_is_better: bool, best_median: float) -> float:
    """The non-inferiority margin δ of a metric (0 when the best median is not finite, so nothing passes)."""
    if not math.isfinite(best_median):
        return 0.0
    return MARGIN_ABSOLUTE if higher_is_better else MARGIN_RELATIVE * abs(best_median)


def deficit(pair: Sample, other: Sample, higher_is_better: bool) -> Comparison:
    """How much worse ``pair`` is than ``other`` (positive = worse), with its 95% interval."""
    worse, better = (other, pair) if higher_is_better else (pair, other)
    return compare(worse, better)


def decide_verdict(
    pair: Sample, *, best: Sample, middle: Sample | None, baseline: Sample | None, metric: str, higher_is_better: bool
) -> tuple[Verdict, str]:
    """The verdict on ``pair`` and its reason, one sentence with the numbers.

    Args:
        pair: The pair's final validation metric over its seeds.
        best: The family's best optimizer's.
        middle: The family's median optimizer's (``None`` when the family has none).
        baseline: The SGD + momentum baseline's (``None`` when it has no evidence on the family).
        metric: Name of the metric, for the reason.
        higher_is_better: Direction of the metric.

    Returns:
        ``(verdict, reason)``.

    """
    head = f"{pair.label}: median {metric} {_num(pair.median)}, 95% CI {_interval(pair.ci)}, {pair.values.size} seeds"
    if pair.label == best.label and math.isfinite(pair.median):
        return Verdict.SUPPORTED, f"{head}; supported: the family's best"
    margin = margin_for(higher_is_better, best.median)
    to_best = deficit(pair, best, higher_is_better)
    to_best_text = f"deficit to the best, {best.label}, {_deficit(to_best)}"
    if to_best.ci[1] < margin:
        return Verdict.SUPPORTED, f"{head}; supported (non-inferior): {to_best_text}, upper bound below δ = {_num(margin)}"
    against = [("median optimizer", middle), ("SGD + momentum baseline", baseline)]
    if middle is not None and baseline is not None and middle.label == baseline.label:
        against = [("median optimizer and SGD + momentum baseline", baseline)]
    tests = []
    for role, other in against:
        if other is not None and other.label != pair.label:
            against_other = deficit(pair, other, higher_is_better)
            tests.append((against_other.ci[0] > 0, f"deficit to the {role}, {other.label}, {_deficit(against_other)}"))
    worse = [text for significant, text in tests if significant]
    if worse:
        return Verdict.CONTRADICTED, f"{head}; contradicted (significantly worse): {' and '.join(worse)}, entirely above 0"
    others = "; ".join(f"{text} not above 0" for _, text in tests) or "no median optimizer or baseline to test against"
    return Verdict.INCONCLUSIVE, f"{head}; inconclusive: {to_best_text} reaches δ = {_num(margin)}; {others}"


def _num(value: float) -> str:
    return f"{value:.4g}"


def _deficit(comparison: Comparison) -> str:
    return f"{_num(comparison.point)} (95% CI {_interval(comparison.ci)}, {comparison.describe()})"


def _interval(ci: tuple[float, float]) -> str:
    return f"[{_num(ci[0])}, {_num(ci[1])}]"
