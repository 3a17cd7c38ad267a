"""summarise end to end on a synthetic bag (2 families × 3 optimizers, tuning grid, 5 seeds, ablations) and the profiles."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from implementations.pairing.evidence import EvidenceError, EvidenceReport, family_target, performance_profiles, select_best, summarise
from implementations.pairing.families import FAMILY_SPECS, OPTIMIZERS, FamilySpec
from implementations.pairing.protocol import PairEvidence, TrialConfig, TrialResult, Verdict
from tests.implementations.pairing.test_evidence import seeds, trial

CONV = "convolution"  # accuracy; claims sgd and adamw; default extra batch-norm
RNN = "recurrent-neural-network"  # bits per char (lower is better); claims adam and rmsprop; default extra grad-clip
BPC = {"metric": "bits-per-char", "higher_is_better": False}

# optimizer → (seed finals at the tuned lr 1e-2, step at which each run reaches its final value)
CONV_TUNED = {
    "adamw": ([0.950, 0.951, 0.952, 0.953, 0.954], 30),  # the best: target 0.95, reached at step 30
    "sgd": ([0.950, 0.951, 0.949, 0.952, 0.948], 60),  # a tie; 3 of 5 seeds reach 0.95, at step 60
    "adam": ([0.900, 0.910, 0.905, 0.895, 0.900], 10),  # clearly worse, never reaches the target (unclaimed)
}
RNN_TUNED = {
    "adam": ([1.50, 1.51, 1.49, 1.52, 1.48], 40),  # the best: target 1.52, reached at step 40
    "rmsprop": ([1.51, 1.52, 1.50, 1.53, 1.49], 20),  # within δ = 3% × 1.50; 4 of 5 reach 1.52, at step 20
    "sgd": ([1.505, 1.50, 1.51, 1.495, 1.515], 80),  # unclaimed and as good: an unclaimed strong pair
}


def tuning_grid(family: str, optimizer: str, seed0: float, reached_at: int, **kwargs: object) -> list[TrialResult]:
    """Seed 0 over three learning rates: 1e-2 is the best, 1e-1 diverges, 1e-3 is slow and worse."""
    worse = seed0 - 0.2 if kwargs.get("higher_is_better", True) else seed0 + 0.5
    return [
        trial(family, optimizer, worse, lr=1e-3, reached_at=90, **kwargs),  # type: ignore[arg-type]
        trial(family, optimizer, seed0, lr=1e-2, reached_at=reached_at, **kwargs),  # type: ignore[arg-type]
        trial(family, optimizer, seed0, lr=1e-1, error="diverged at step 20", **kwargs),  # type: ignore[arg-type]
    ]


def bag() -> list[TrialResult]:
    runs: list[TrialResult] = []
    for family, tuned, kwargs in ((CONV, CONV_TUNED, {}), (RNN, RNN_TUNED, BPC)):
        for optimizer, (finals, reached_at) in tuned.items():
            runs += tuning_grid(family, optimizer, finals[0], reached_at, **kwargs)
            runs += seeds(family, optimizer, finals, reached_at=reached_at, **kwargs)[1:]
    runs += seeds(CONV, "sgd", [0.90, 0.91, 0.89, 0.90, 0.92], extras=())  # BatchNorm off: worse
    runs += seeds(RNN, "adam", RNN_TUNED["adam"][0], extras=(), **BPC)  # clipping off: the same
    runs += seeds(RNN, "rmsprop", [2.5, 2.6, 2.4, 2.5, math.inf], extras=(), **BPC)  # clipping off: worse, one diverges
    runs += seeds(CONV, "adam", [0.999] * 5, protocol="nnv-pairing-1")  # an older protocol never counts
    runs += seeds(CONV, "lion", [0.999] * 5, extras=("batch-norm", "grad-clip"))  # not the default recipe
    return runs


@pytest.fixture(scope="module")
def report() -> EvidenceReport:
    return summarise(bag())


def test_every_pair_with_tuned_runs_has_evidence(report: EvidenceReport) -> None:
    assert [(p.family, p.optimizer) for p in report.pairs] == [
        (CONV, "sgd"),
        (CONV, "adam"),
        (CONV, "adamw"),
        (RNN, "sgd"),
        (RNN, "adam"),
        (RNN, "rmsprop"),
    ]
    assert report.best == {CONV: "adamw", RNN: "adam"}
    assert report.targets == {CONV: 0.95, RNN: 1.52}
    assert report.get(CONV, "lion") is None and report.get("linear", "sgd") is None
    sgd = report.get(CONV, "sgd")
    assert sgd is not None
    assert (sgd.median, sgd.ci, sgd.runs, sgd.metric, sgd.higher_is_better) == (0.95, (0.948, 0.952), 5, "accuracy", True)
    assert sgd.config == TrialConfig(CONV, "sgd", 1e-2, 0.0, 0, 100, ("batch-norm",))
    assert sgd.protocol == report.protocol == "nnv-pairing-2"


def test_verdicts_of_the_claimed_pairs(report: EvidenceReport) -> None:
    verdicts = {(p.family, p.optimizer): p.verdict for p in report.claimed()}
    assert verdicts == {
        (CONV, "sgd"): Verdict.SUPPORTED,
        (CONV, "adamw"): Verdict.SUPPORTED,
        (RNN, "adam"): Verdict.SUPPORTED,
        (RNN, "rmsprop"): Verdict.SUPPORTED,
    }
    rmsprop = report.get(RNN, "rmsprop")
    assert rmsprop is not None and "deficit to the best, adam, 0.01" in rmsprop.reason and "δ = 0.045" in rmsprop.reason


def test_unclaimed_pairs_carry_no_verdict_and_the_strong_ones_are_listed(report: EvidenceReport) -> None:
    adam = report.get(CONV, "adam")
    assert adam is not None and adam.verdict is None and not adam.claimed
    assert adam.reason.startswith("unclaimed; by the rule of claims, adam: median accuracy 0.9") and "contradicted" in adam.reason
    assert [(p.family, p.optimizer) for p in report.unclaimed_strong()] == [(RNN, "sgd")]


def test_steps_to_target_and_targets_reachable(report: EvidenceReport) -> None:
    steps = {(p.family, p.optimizer): (p.steps_to_target, p.steps_ci) for p in report.pairs}
    assert steps == {
        (CONV, "sgd"): (60.0, (60.0, math.inf)),
        (CONV, "adam"): (math.inf, (math.inf, math.inf)),
        (CONV, "adamw"): (30.0, (30.0, 30.0)),
        (RNN, "sgd"): (80.0, (80.0, 80.0)),
        (RNN, "adam"): (40.0, (40.0, 40.0)),
        (RNN, "rmsprop"): (20.0, (20.0, math.inf)),
    }
    for family, target in report.targets.items():
        best_runs = [r for r in bag() if r.config.family == family and r.config.optimizer == report.best[family]]
        assert family_target(best_runs) == target


def test_ablations_with_and_without_each_extra(report: EvidenceReport) -> None:
    found = {(a.family, a.optimizer, a.extra): a for a in report.ablations}
    assert set(found) == {(CONV, "sgd", "batch-norm"), (RNN, "adam", "grad-clip"), (RNN, "rmsprop", "grad-clip")}
    batch_norm = found[CONV, "sgd", "batch-norm"]
    assert (batch_norm.with_median, batch_norm.without_median, batch_norm.runs) == (0.95, 0.90, 5)
    assert batch_norm.effect == "helps" and batch_norm.difference_ci[0] > 0
    assert found[RNN, "adam", "grad-clip"].effect == "no significant difference"
    clipping = found[RNN, "rmsprop", "grad-clip"]
    assert clipping.effect == "helps" and clipping.without_ci[1] == math.inf and clipping.difference_ci[1] < 0


def test_select_best_on_the_tuning_grid() -> None:
    grid = [r for r in bag() if r.config.family == CONV and r.config.optimizer == "sgd" and r.config.seed == 0 and r.config.extras]
    assert [r.config.lr for r in grid] == [1e-3, 1e-2, 1e-1]
    assert select_best(grid).lr == 1e-2


def test_a_family_mixing_metrics_is_an_error() -> None:
    mixed = seeds(CONV, "sgd", [0.9, 0.9]) + seeds(CONV, "adam", [1.0, 1.0], **BPC)
    with pytest.raises(EvidenceError, match="disagree on their metric"):
        summarise(mixed)


def test_a_family_whose_runs_all_failed_has_no_target() -> None:
    failed = summarise(seeds(CONV, "sgd", [0.9, 0.9], error="diverged") + seeds(CONV, "adam", [0.9, 0.9], error="diverged"))
    assert failed.targets == {} and failed.best == {CONV: "adam"}
    assert {p.optimizer: p.verdict for p in failed.claimed()} == {"sgd": Verdict.INCONCLUSIVE}
    assert all(p.steps_to_target == math.inf for p in failed.pairs)


def test_performance_profiles_by_hand(report: EvidenceReport) -> None:
    # Ratios to the fastest: convolution adamw 1, sgd 2, adam inf; RNN rmsprop 1, adam 2, sgd 4.
    # Both families tune every optimizer, so each has 2 families in its denominator.
    profiles = performance_profiles(report, [1.0, 2.0, 1000.0])
    assert list(profiles) == list(OPTIMIZERS)
    assert profiles["adamw"] == [0.5, 0.5, 0.5]
    assert profiles["rmsprop"] == [0.5, 0.5, 0.5]
    assert profiles["sgd"] == [0.0, 0.5, 1.0]
    assert profiles["adam"] == [0.0, 0.5, 0.5]
    assert profiles["lion"] == [0.0, 0.0, 0.0]


def pair(family: str, optimizer: str, steps: float) -> PairEvidence:
    config = TrialConfig(family, optimizer, 1e-2, 0.0, 0, 100)
    return PairEvidence(family, optimizer, True, None, "accuracy", True, 0.9, (0.9, 0.9), steps, (steps, steps), 5, config, "", "")


def test_profiles_leave_families_out_of_a_denominator_when_the_optimizer_is_no_candidate() -> None:
    specs = {
        "mlp": FamilySpec("mlp", ("adam",), "", candidates=("adam", "sgd")),
        "snn": FamilySpec("snn", ("stdp",), "", candidates=("surrogate-gradient", "stdp", "sgd")),
    }
    pairs = (pair("mlp", "adam", 10), pair("mlp", "sgd", 30), pair("snn", "surrogate-gradient", 0), pair("snn", "sgd", 0))
    candidates = {family: spec.candidates for family, spec in specs.items()}
    report = EvidenceReport(pairs, (), {}, {"mlp": "adam", "snn": "sgd"}, candidates=candidates)
    profiles = performance_profiles(report, [1.0, 3.0])
    assert profiles == {
        "adam": [1.0, 1.0],
        "sgd": [0.5, 1.0],
        "surrogate-gradient": [1.0, 1.0],
        "stdp": [0.0, 0.0],
    }


def test_summarise_uses_the_given_specs() -> None:
    spec = FamilySpec(CONV, ("adam",), "", candidates=("adam",), extras=())
    runs: Sequence[TrialResult] = seeds(CONV, "adam", [0.8, 0.82, 0.81], extras=())
    custom = summarise(runs, {CONV: spec})
    assert [(p.optimizer, p.verdict, p.median) for p in custom.pairs] == [("adam", Verdict.SUPPORTED, 0.81)]
    assert summarise(runs).pairs == ()  # with the default specs these runs lack the BatchNorm default
    assert FAMILY_SPECS[CONV].extras == ("batch-norm",)
