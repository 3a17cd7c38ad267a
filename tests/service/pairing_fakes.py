"""Synthetic pairing evidence for the report, CLI and GraphQL tests: known numbers, no training."""

from __future__ import annotations

import math

from implementations.pairing.evidence import EvidenceReport
from implementations.pairing.families import FAMILY_SPECS
from implementations.pairing.protocol import (
    PROTOCOL_VERSION,
    AblationEvidence,
    EvalPoint,
    PairEvidence,
    TrialConfig,
    TrialResult,
    Verdict,
)


def evidence(
    family: str,
    optimizer: str,
    verdict: Verdict | None,
    median: float,
    ci: tuple[float, float],
    steps: float,
    steps_ci: tuple[float, float],
    runs: int = 5,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
) -> PairEvidence:
    """One pair's evidence on an accuracy metric (higher is better)."""
    return PairEvidence(
        family=family,
        optimizer=optimizer,
        claimed=verdict is not None,
        verdict=verdict,
        metric="accuracy",
        higher_is_better=True,
        median=median,
        ci=ci,
        steps_to_target=steps,
        steps_ci=steps_ci,
        runs=runs,
        config=TrialConfig(family, optimizer, lr, weight_decay, 0, 400),
        protocol=PROTOCOL_VERSION,
        reason=f"{optimizer} median {median:.3f} against the best",
    )


PAIRS = (
    evidence("transformer", "adamw", Verdict.SUPPORTED, 0.912, (0.905, 0.918), 120, (100, 140), lr=3e-3, weight_decay=0.1),
    evidence("transformer", "sophia", Verdict.CONTRADICTED, 0.701, (0.690, 0.712), math.inf, (300, math.inf), lr=1e-4),
    evidence("transformer", "lion", Verdict.INCONCLUSIVE, 0.880, (0.850, 0.915), 240, (180, 400)),
    evidence("transformer", "adam", None, 0.915, (0.910, 0.920), 100, (80, 120)),
    evidence("transformer", "sgd", None, 0.650, (0.640, 0.660), 400, (400, math.inf)),
    evidence("linear", "sgd", Verdict.SUPPORTED, 0.960, (0.955, 0.965), 50, (40, 60)),
    evidence("linear", "adam", Verdict.SUPPORTED, 0.962, (0.958, 0.966), 40, (30, 50)),
    evidence("linear", "lion", None, 0.950, (0.940, 0.960), 80, (60, 100)),
)
ABLATIONS = (
    AblationEvidence(
        "transformer", "adamw", "warmup-cosine", "accuracy", True, 0.912, (0.905, 0.918), 0.870, (0.860, 0.880), (0.030, 0.052), "helps", 5
    ),
    AblationEvidence(
        "linear",
        "adam",
        "decay-split",
        "accuracy",
        True,
        0.962,
        (0.958, 0.966),
        0.961,
        (0.955, 0.967),
        (-0.004, 0.006),
        "no significant difference",
        5,
    ),
)


def make_report() -> EvidenceReport:
    """A report over two measured families (the other families' claims unmeasured) with two ablations."""
    return EvidenceReport(
        pairs=PAIRS,
        ablations=ABLATIONS,
        targets={"transformer": 0.9, "linear": 0.95},
        best={"transformer": "adam", "linear": "adam"},
        protocol=PROTOCOL_VERSION,
        candidates={family: FAMILY_SPECS[family].candidates for family in ("transformer", "linear")},
        strong=frozenset({("transformer", "adam"), ("transformer", "adamw"), ("linear", "sgd"), ("linear", "adam")}),
    )


def make_results() -> list[TrialResult]:
    """Trials behind the report: 2 families × 3 optimizers × 5 seeds, one failed."""
    results = []
    for family in ("transformer", "linear"):
        for optimizer in ("adam", "adamw", "sgd"):
            for seed in range(5):
                curve = (EvalPoint(0, 2.0, 0.1), EvalPoint(200, 0.5, 0.9))
                failed = (family, optimizer, seed) == ("transformer", "sgd", 4)
                config = TrialConfig(family, optimizer, 1e-3, 0.0, seed, 200)
                results.append(TrialResult(config, "accuracy", True, curve, 1.0, error="diverged" if failed else None))
    return results


GNN_FINALS = {  # final accuracies of 5 seeds: Adam and AdamW tie, SGD never reaches the target (Adam's worst seed, 0.90)
    "adam": [0.90, 0.91, 0.92, 0.93, 0.94],
    "adamw": [0.89, 0.91, 0.915, 0.93, 0.935],
    "sgd": [0.50, 0.52, 0.55, 0.51, 0.53],
}


def make_trials(family: str, finals: dict[str, list[float]], lr: float = 1e-3, steps: int = 200) -> list[TrialResult]:
    """One seed run per final accuracy (seed = its index), each evaluated at 0, ``steps`` / 2 and ``steps``.

    Halfway a run is 0.1 below its final accuracy, so a target is first reached at the last step.
    """
    return [
        TrialResult(
            TrialConfig(family, optimizer, lr, 0.0, seed, steps, FAMILY_SPECS[family].extras),
            "accuracy",
            True,
            (EvalPoint(0, 2.3, 0.1), EvalPoint(steps // 2, 1.0, final - 0.1), EvalPoint(steps, 0.5, final)),
            0.5,
        )
        for optimizer, values in finals.items()
        for seed, final in enumerate(values)
    ]
