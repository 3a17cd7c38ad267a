"""Paired (seed-by-seed) differences: the bootstrap of their median, the verdicts and ablations that use them."""

from __future__ import annotations

import math

import pytest

from implementations.pairing.evidence import (
    EvidenceError,
    compare,
    decide_verdict,
    difference_ci,
    paired_difference_ci,
    paired_differences,
    summarise,
)
from implementations.pairing.evidence.stats import create_sample, difference_interval, median
from implementations.pairing.families import FamilySpec
from implementations.pairing.protocol import Verdict
from tests.implementations.pairing.test_evidence import by_seed, seeds

# Seed-shared spread: which split a seed draws moves every optimizer by up to 12 points.
SPLITS = [0.90, 0.96, 0.84, 0.93, 0.87]


def shifted(values: list[float], shift: float) -> list[float]:
    return [value + shift for value in values]


# --- paired_difference_ci ---------------------------------------------------------------------------


def test_paired_differences_use_only_the_common_seeds_in_seed_order() -> None:
    a = {4: 1.0, 0: 0.5, 2: 0.7, 9: 3.0}
    b = {0: 0.25, 2: 0.5, 4: 1.5, 7: 0.0}
    assert paired_differences(a, b) == [0.25, 0.19999999999999996, -0.5]
    assert paired_difference_ci(a, b) == (-0.5, 0.25)
    assert paired_difference_ci(a, b) == paired_difference_ci(dict(reversed(a.items())), b)  # input order does not matter


def test_paired_ci_of_five_seeds_spans_their_differences() -> None:
    # The resampled median of 5 values is their smallest one with probability 5.8% > 2.5%, so the
    # 95% interval of 5 paired differences is [smallest, largest], whatever the resampling seed.
    a = by_seed([0.3, 0.1, 0.4, 0.1, 0.5])
    b = by_seed([0.0] * 5)
    assert {paired_difference_ci(a, b, seed=seed) for seed in range(5)} == {(0.1, 0.5)}
    narrow = paired_difference_ci(by_seed(range(60)), by_seed([0.0] * 60))
    assert 0 < narrow[0] < 29.5 < narrow[1] < 59  # with many seeds the interval of the median moves inward
    assert paired_difference_ci(a, b, level=0.5, resamples=100, seed=1) != paired_difference_ci(a, b, level=0.99)


def test_a_failed_run_is_the_worst_value_on_its_side() -> None:
    loss = by_seed([1.0, 2.0, math.inf, math.inf])
    other = by_seed([1.5, 1.5, 1.5, math.inf])
    assert paired_differences(loss, other) == [-0.5, 0.5, math.inf, 0.0]  # inf − inf = 0: both failed alike
    assert paired_difference_ci(loss, other) == (-0.5, math.inf)
    assert paired_difference_ci(by_seed([math.inf] * 3), by_seed([math.inf] * 3)) == (0.0, 0.0)


def test_each_side_failing_at_another_seed_gives_no_nan() -> None:
    a = by_seed([math.inf, 1.0])
    b = by_seed([1.0, math.inf])
    assert paired_differences(a, b) == [math.inf, -math.inf]
    assert median(paired_differences(a, b), signed=True) == 0.0  # one seed favours each side without limit
    assert paired_difference_ci(a, b) == (-math.inf, math.inf)
    with pytest.raises(EvidenceError, match="mix"):
        median([math.inf, -math.inf])  # values of one metric never mix infinities


def test_fewer_than_two_common_seeds_is_an_evidence_error() -> None:
    with pytest.raises(EvidenceError, match=r"at least 2 seeds both sides ran, got 1 \(seeds \[0, 1\] and \[1, 2\]\)"):
        paired_difference_ci({0: 1.0, 1: 2.0}, {1: 1.0, 2: 2.0})
    with pytest.raises(EvidenceError, match="resamples"):
        paired_difference_ci(by_seed([1.0, 2.0]), by_seed([1.0, 3.0]), resamples=0)


def test_a_constant_shift_under_seed_noise_is_significant_only_when_paired() -> None:
    worse = shifted(SPLITS, -0.005)
    assert paired_difference_ci(by_seed(SPLITS), by_seed(worse)) == pytest.approx((0.005, 0.005))
    low, high = difference_ci(SPLITS, worse)
    assert low < -0.05 and high > 0.05  # independent resampling buries 0.005 under the split noise


def test_compare_falls_back_to_independent_medians_without_two_common_seeds() -> None:
    a = create_sample("a", {0: 0.9, 1: 0.8, 2: 0.7}, key="a")
    b = create_sample("b", {2: 0.6, 3: 0.5, 4: 0.4}, key="b")
    unpaired = compare(a, b)
    assert unpaired.point == pytest.approx(0.3)  # median 0.8 − median 0.5
    assert (unpaired.ci, unpaired.common_seeds, unpaired.paired) == (difference_interval(a, b), 1, False)
    assert unpaired.describe() == "unpaired, 1 seed in common: medians resampled independently"
    paired = compare(a, create_sample("c", {0: 0.5, 1: 0.6, 2: 0.4}, key="c"))
    assert paired.paired and paired.point == pytest.approx(0.3)  # differences 0.4, 0.2, 0.3
    assert paired.ci == pytest.approx((0.2, 0.4))
    assert paired.describe() == "paired over 3 seeds"


# --- verdicts ---------------------------------------------------------------------------------------


def verdict(values: list[float], best: list[float], middle: list[float], *, first_seed: int = 0) -> tuple[Verdict, str]:
    """The verdict on ``values`` (accuracy) against a best and a median optimizer that is also the baseline."""
    baseline = create_sample("sgd", by_seed(middle), key="sgd")
    return decide_verdict(
        create_sample("x", by_seed(values, first_seed), key="x"),
        best=create_sample("adamw", by_seed(best), key="adamw"),
        middle=baseline,
        baseline=baseline,
        metric="accuracy",
        higher_is_better=True,
    )


def test_slightly_worse_at_every_seed_is_contradicted() -> None:
    result, reason = verdict(shifted(SPLITS, -0.005), best=shifted(SPLITS, 0.03), middle=SPLITS)
    assert result is Verdict.CONTRADICTED
    assert "sgd, 0.005 (95% CI [0.005, 0.005], paired over 5 seeds), entirely above 0" in reason
    # The same numbers at seeds the others never ran: independent medians cannot tell.
    result, reason = verdict(shifted(SPLITS, -0.005), best=shifted(SPLITS, 0.03), middle=SPLITS, first_seed=5)
    assert result is Verdict.INCONCLUSIVE and "unpaired, 0 seeds in common" in reason


def test_a_tie_under_seed_shared_noise_is_supported() -> None:
    tie = [value + noise for value, noise in zip(SPLITS, [0.002, -0.001, 0.0, -0.002, 0.001], strict=True)]
    result, reason = verdict(tie, best=SPLITS, middle=shifted(SPLITS, -0.05))
    assert result is Verdict.SUPPORTED
    assert "deficit to the best, adamw, 0 (95% CI [-0.002, 0.002], paired over 5 seeds), upper bound below δ = 0.02" in reason
    assert verdict(tie, best=SPLITS, middle=shifted(SPLITS, -0.05), first_seed=5)[0] is Verdict.INCONCLUSIVE


def test_paired_differences_of_both_signs_are_inconclusive() -> None:
    scatter = [value + noise for value, noise in zip(SPLITS, [0.04, -0.05, 0.03, -0.04, 0.01], strict=True)]
    result, reason = verdict(scatter, best=shifted(SPLITS, 0.01), middle=SPLITS)
    assert result is Verdict.INCONCLUSIVE
    assert "deficit to the best, adamw, 0 (95% CI [-0.03, 0.06], paired over 5 seeds) reaches δ = 0.02" in reason
    assert reason.endswith("sgd, -0.01 (95% CI [-0.04, 0.05], paired over 5 seeds) not above 0")


# --- ablations --------------------------------------------------------------------------------------


def test_ablations_are_paired_by_seed() -> None:
    spec = FamilySpec("convolution", ("adam",), "", candidates=("adam",), extras=("batch-norm",))
    runs = seeds("convolution", "adam", SPLITS, extras=("batch-norm",))
    runs += seeds("convolution", "adam", shifted(SPLITS, -0.01), extras=())  # BatchNorm off: one point worse at every seed
    (ablation,) = summarise(runs, {"convolution": spec}).ablations
    assert (ablation.extra, ablation.runs, ablation.effect) == ("batch-norm", 5, "helps")
    assert ablation.difference_ci == pytest.approx((0.01, 0.01))
    assert (ablation.with_median, ablation.without_median) == pytest.approx((0.90, 0.89))
    low, high = difference_ci(SPLITS, shifted(SPLITS, -0.01))
    assert low < 0 < high  # resampled independently, the same runs would show no significant difference
