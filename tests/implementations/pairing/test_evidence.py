"""Bootstrap intervals, the selection of tuned settings and targets, and the verdict rule on synthetic numbers."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from implementations.pairing.evidence import (
    MARGIN_ABSOLUTE,
    EvidenceError,
    bootstrap_ci,
    decide_verdict,
    difference_ci,
    family_target,
    margin_for,
    select_best,
)
from implementations.pairing.evidence.stats import Sample, create_sample
from implementations.pairing.families import FAMILY_SPECS
from implementations.pairing.protocol import PROTOCOL_VERSION, EvalPoint, TrialConfig, TrialResult, Verdict

STEPS = 100
EVERY = 10


def trial(
    family: str,
    optimizer: str,
    final: float,
    *,
    seed: int = 0,
    lr: float = 1e-2,
    weight_decay: float = 0.0,
    reached_at: int = 50,
    extras: Sequence[str] | None = None,
    metric: str = "accuracy",
    higher_is_better: bool = True,
    error: str | None = None,
    protocol: str = PROTOCOL_VERSION,
) -> TrialResult:
    """A run whose metric jumps from its start value to ``final`` at step ``reached_at`` and stays there."""
    start = 0.0 if higher_is_better else 10.0
    curve = tuple(EvalPoint(step, 1.0, final if step >= reached_at else start) for step in range(0, STEPS + 1, EVERY))
    config = TrialConfig(family, optimizer, lr, weight_decay, seed, STEPS, tuple(FAMILY_SPECS[family].extras if extras is None else extras))
    return TrialResult(config, metric, higher_is_better, curve, 0.1, error, protocol)


def seeds(family: str, optimizer: str, finals: Sequence[float], **kwargs: object) -> list[TrialResult]:
    """One run per value, seeds 0, 1, 2 …"""
    return [trial(family, optimizer, final, seed=seed, **kwargs) for seed, final in enumerate(finals)]  # type: ignore[arg-type]


# --- bootstrap -------------------------------------------------------------------------------------


def test_bootstrap_ci_contains_the_median_and_is_deterministic() -> None:
    values = np.random.default_rng(1).normal(0.9, 0.02, size=61)
    low, high = bootstrap_ci(values)
    assert low <= float(np.median(values)) <= high
    assert low in values and high in values  # order statistics, not interpolations
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    assert bootstrap_ci(values, seed=3) != bootstrap_ci(values, seed=4)


def test_bootstrap_ci_narrows_with_more_seeds() -> None:
    rng = np.random.default_rng(2)
    widths = [np.subtract(*bootstrap_ci(rng.normal(0.0, 1.0, size=n))[::-1]) for n in (5, 50, 500)]
    assert widths[0] > widths[1] > widths[2]
    assert widths[2] < 0.3  # expected ≈ 2 × 1.96 × 1.2533 / √500 = 0.22 for the median of a unit normal


def test_bootstrap_ci_of_constant_input_is_the_constant() -> None:
    assert bootstrap_ci([0.25] * 5) == (0.25, 0.25)
    assert bootstrap_ci([3.0]) == (3.0, 3.0)
    assert bootstrap_ci([math.inf] * 4) == (math.inf, math.inf)
    assert bootstrap_ci([2.0, 2.0, 2.0], stat=np.mean) == (2.0, 2.0)


def test_bootstrap_ci_of_other_statistics_and_levels() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 100.0]
    mean_high = bootstrap_ci(values, stat=np.mean)[1]
    assert mean_high > 60  # the outlier drags the mean, not the median
    assert bootstrap_ci(values)[1] <= 100.0
    narrow = bootstrap_ci(values, level=0.5)
    wide = bootstrap_ci(values, level=0.99)
    assert wide[0] <= narrow[0] <= narrow[1] <= wide[1]


def test_bootstrap_handles_failed_runs_without_nan() -> None:
    low, high = bootstrap_ci([0.5, 0.6, math.inf, math.inf])  # even n: medians average two order statistics
    assert (low, high) == (0.5, math.inf)
    assert bootstrap_ci([-math.inf, -math.inf, -math.inf, 0.7, 0.8]) == (-math.inf, 0.8)  # 5 seeds: the CI spans their range
    assert difference_ci([math.inf] * 3, [math.inf] * 3) == (0.0, 0.0)  # both failed alike: no difference
    assert difference_ci([1.0, 2.0, 3.0], [math.inf] * 3) == (-math.inf, -math.inf)


def test_difference_ci_resamples_each_side_independently() -> None:
    a = [0.90, 0.91, 0.92, 0.93, 0.94]
    assert difference_ci(a, a) != (0.0, 0.0)  # independent resamples of the same values differ
    low, high = difference_ci(a, a)
    assert low < 0 < high and low == -high
    assert difference_ci([1.0] * 5, [0.25] * 5) == (0.75, 0.75)
    shifted = difference_ci([v + 0.1 for v in a], a)
    assert shifted[0] > 0 and shifted == pytest.approx((0.1 + low, 0.1 + high))


@pytest.mark.parametrize(
    ("values", "message"),
    [([], "no values"), ([1.0, math.nan], "NaN"), ([math.inf, -math.inf], "mix")],
)
def test_bad_values_raise_evidence_error(values: list[float], message: str) -> None:
    with pytest.raises(EvidenceError, match=message):
        bootstrap_ci(values)
    assert issubclass(EvidenceError, ValueError)


def test_bad_level_and_resamples_raise_evidence_error() -> None:
    with pytest.raises(EvidenceError, match="level"):
        bootstrap_ci([1.0, 2.0], level=1.0)
    with pytest.raises(EvidenceError, match="resamples"):
        difference_ci([1.0], [2.0], resamples=0)


# --- select_best and family_target -----------------------------------------------------------------


def test_select_best_picks_the_best_config_and_ignores_failures() -> None:
    grid = [
        trial("convolution", "adamw", 0.90, lr=1e-3, weight_decay=0.0),
        trial("convolution", "adamw", 0.94, lr=1e-2, weight_decay=1e-4),
        trial("convolution", "adamw", 0.93, lr=1e-2, weight_decay=0.0),
        trial("convolution", "adamw", 0.99, lr=1e-1, weight_decay=0.0, error="diverged at step 40"),
    ]
    best = select_best(grid)
    assert (best.lr, best.weight_decay, best.seed) == (1e-2, 1e-4, 0)


def test_select_best_breaks_ties_by_lower_lr_then_lower_weight_decay() -> None:
    grid = [
        trial("linear", "adamw", 0.9, lr=1e-1, weight_decay=0.0),
        trial("linear", "adamw", 0.9, lr=1e-2, weight_decay=1e-2),
        trial("linear", "adamw", 0.9, lr=1e-2, weight_decay=1e-3),
    ]
    best = select_best(grid)
    assert (best.lr, best.weight_decay) == (1e-2, 1e-3)
    assert select_best(list(reversed(grid))) == best


def test_select_best_uses_the_median_of_repeated_settings() -> None:
    grid = [
        *seeds("linear", "sgd", [0.80, 0.95, 0.81], lr=1e-1),  # one lucky seed, median 0.81
        trial("linear", "sgd", 0.85, lr=1e-2, seed=3),
    ]
    assert (select_best(grid).lr, select_best(grid).seed) == (1e-2, 3)


def test_select_best_raises_when_every_run_failed_or_pairs_mix() -> None:
    failed = [trial("linear", "lion", 0.5, lr=lr, error="diverged") for lr in (1e-3, 1e-2)]
    with pytest.raises(EvidenceError, match=r"every tuning run of linear × lion failed \(2 runs\)"):
        select_best(failed)
    with pytest.raises(EvidenceError, match="exactly one"):
        select_best([trial("linear", "lion", 0.5), trial("linear", "adam", 0.5)])
    with pytest.raises(EvidenceError, match="none"):
        select_best([])


def test_family_target_is_the_worst_seed_of_the_best_optimizer() -> None:
    runs = [
        *seeds("convolution", "adamw", [0.95, 0.96, 0.97, 0.94, 0.98]),
        *seeds("convolution", "sgd", [0.90, 0.91, 0.92]),
        trial("convolution", "sgd", 0.99, lr=1e-1),  # one seed only: not a tuned setting
        trial("convolution", "adamw", 0.50, seed=5, error="diverged"),  # failed seeds do not set the target
        trial("convolution", "adam", 0.999, seed=0, protocol="nnv-pairing-1"),
        trial("convolution", "adam", 0.999, seed=1, protocol="nnv-pairing-1"),
    ]
    target = family_target(runs)
    assert target == 0.94
    assert all(r.steps_to(target) == 50.0 for r in runs[:5])
    losses = seeds("recurrent-neural-network", "adam", [1.5, 1.6, 1.4], metric="bits-per-char", higher_is_better=False)
    assert family_target(losses) == 1.6


def test_family_target_errors() -> None:
    with pytest.raises(EvidenceError, match="exactly one family"):
        family_target([trial("linear", "sgd", 0.5), trial("convolution", "sgd", 0.5)])
    with pytest.raises(EvidenceError, match="no optimizer has tuned runs"):
        family_target([trial("linear", "sgd", 0.5)])
    with pytest.raises(EvidenceError, match="every run of the best optimizer failed"):
        family_target(seeds("linear", "sgd", [0.5, 0.5], error="diverged"))


# --- verdicts --------------------------------------------------------------------------------------

BEST = [0.950, 0.951, 0.949, 0.952, 0.948]
TIE = [0.949, 0.950, 0.951, 0.948, 0.952]
BASELINE = [0.920, 0.925, 0.930, 0.915, 0.935]
WORSE = [0.800, 0.810, 0.790, 0.805, 0.795]
NOISY = [0.990, 0.850, 0.970, 0.880, 0.930]


def by_seed(values: Sequence[float], first_seed: int = 0) -> dict[int, float]:
    """Seed → value, seeds ``first_seed``, ``first_seed + 1`` …"""
    return dict(enumerate(values, start=first_seed))


def verdict_of(values: Sequence[float], *, label: str = "x", middle: Sample | None = None, first_seed: int = 0) -> tuple[Verdict, str]:
    """The verdict on ``values`` against BEST and BASELINE (seeds 0–4); ``first_seed`` 5 or more shares no seed with them."""
    best = create_sample("adamw", by_seed(BEST), key="best")
    baseline = create_sample("sgd", by_seed(BASELINE), key="baseline")
    pair = create_sample(label, by_seed(values, first_seed), key=label)
    return decide_verdict(pair, best=best, middle=middle or baseline, baseline=baseline, metric="accuracy", higher_is_better=True)


def test_a_clearly_worse_optimizer_is_contradicted_with_its_numbers() -> None:
    verdict, reason = verdict_of(WORSE)
    assert verdict is Verdict.CONTRADICTED
    assert reason.startswith("x: median accuracy 0.8, 95% CI [0.79, 0.81], 5 seeds; contradicted")
    # Seed by seed BASELINE − WORSE is 0.12, 0.115, 0.14, 0.11, 0.14: median 0.12, and with 5 seeds the CI spans their range.
    assert "deficit to the median optimizer and SGD + momentum baseline, sgd, 0.12 (95% CI [0.11, 0.14], paired over 5 seeds)" in reason


def test_without_common_seeds_the_medians_are_compared_independently() -> None:
    verdict, reason = verdict_of(WORSE, first_seed=5)
    assert verdict is Verdict.CONTRADICTED
    unpaired = "unpaired, 0 seeds in common: medians resampled independently"
    assert f"deficit to the median optimizer and SGD + momentum baseline, sgd, 0.125 (95% CI [0.11, 0.14], {unpaired})" in reason
    verdict, reason = verdict_of(NOISY, first_seed=5)
    assert verdict is Verdict.INCONCLUSIVE
    assert f"inconclusive: deficit to the best, adamw, 0.02 (95% CI [-0.04, 0.1], {unpaired}) reaches δ = 0.02" in reason
    assert reason.endswith(
        f"deficit to the median optimizer and SGD + momentum baseline, sgd, -0.005 (95% CI [-0.065, 0.075], {unpaired}) not above 0"
    )


def test_a_tie_is_supported_by_non_inferiority() -> None:
    verdict, reason = verdict_of(TIE)
    assert verdict is Verdict.SUPPORTED
    assert "deficit to the best, adamw, 0.001 (95% CI [-0.004, 0.004], paired over 5 seeds)" in reason  # BEST − TIE seed by seed
    assert f"below δ = {MARGIN_ABSOLUTE:.4g}" in reason


def test_noisy_overlap_is_inconclusive() -> None:
    # Seed by seed, BEST − NOISY is -0.04, 0.101, -0.021, 0.072, 0.018 and BASELINE − NOISY -0.07, 0.075, -0.04, 0.035, 0.005.
    verdict, reason = verdict_of(NOISY)
    assert verdict is Verdict.INCONCLUSIVE
    assert "inconclusive: deficit to the best, adamw, 0.018 (95% CI [-0.04, 0.101], paired over 5 seeds) reaches δ = 0.02" in reason
    assert reason.endswith(
        "deficit to the median optimizer and SGD + momentum baseline, sgd, 0.005 (95% CI [-0.07, 0.075], paired over 5 seeds) not above 0"
    )


def test_the_best_itself_is_supported() -> None:
    verdict, reason = verdict_of(BEST, label="adamw")
    assert verdict is Verdict.SUPPORTED
    assert reason == "adamw: median accuracy 0.95, 95% CI [0.948, 0.952], 5 seeds; supported: the family's best"


def test_diverged_runs_are_contradicted() -> None:
    verdict, reason = verdict_of([-math.inf] * 5)
    assert verdict is Verdict.CONTRADICTED
    assert "median accuracy -inf" in reason and "baseline, sgd, inf (95% CI [inf, inf], paired over 5 seeds), entirely above 0" in reason


def test_the_baseline_is_not_tested_against_itself() -> None:
    verdict, reason = verdict_of(BASELINE, label="sgd", middle=create_sample("sgd", by_seed(BASELINE), key="baseline"))
    assert verdict is Verdict.INCONCLUSIVE
    assert reason.endswith("no median optimizer or baseline to test against")


def test_the_margin_of_a_loss_is_relative_to_the_best() -> None:
    assert margin_for(True, 0.5) == MARGIN_ABSOLUTE
    assert margin_for(False, 2.0) == pytest.approx(0.06)
    assert margin_for(False, math.inf) == margin_for(True, -math.inf) == 0.0
    best = create_sample("adam", by_seed([2.00, 2.01, 1.99, 2.02, 1.98]), key="best")
    close = create_sample("rmsprop", by_seed([2.03, 2.04, 2.02, 2.05, 2.01]), key="close")
    far = create_sample("lion", by_seed([2.20, 2.21, 2.19, 2.22, 2.18]), key="far")
    kwargs = {"best": best, "middle": close, "baseline": None, "metric": "bits-per-char", "higher_is_better": False}
    assert decide_verdict(close, **kwargs)[0] is Verdict.SUPPORTED  # type: ignore[arg-type]
    verdict, reason = decide_verdict(far, **kwargs)  # type: ignore[arg-type]
    assert verdict is Verdict.CONTRADICTED and "deficit to the median optimizer, rmsprop, 0.17" in reason
