"""From a bag of stored trials to the evidence on every pair: medians, CIs, targets, verdicts, ablations."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from implementations.pairing.evidence.paired import paired_difference_ci
from implementations.pairing.evidence.selection import (
    MIN_SEEDS,
    best_optimizer,
    group_by_setting,
    median_score,
    setting_of,
    target_of,
    tuned_by_optimizer,
)
from implementations.pairing.evidence.stats import EvidenceError, create_sample
from implementations.pairing.evidence.verdicts import decide_verdict
from implementations.pairing.families import BASELINE, FAMILY_SPECS, FamilySpec
from implementations.pairing.protocol import PROTOCOL_VERSION, AblationEvidence, PairEvidence, TrialConfig, TrialResult, Verdict


@dataclass(frozen=True)
class EvidenceReport:
    """What the stored runs of one protocol version say.

    Attributes:
        pairs: Every (family, candidate) pair with a tuned setting of at least two seeds; the verdict
            is set on claimed pairs only (an unclaimed pair's ``reason`` says what it would be).
        ablations: Each recipe extra tested with and without on a pair's tuned setting.
        targets: Family → validation target (absent when every run of the family's best failed).
        best: Family → the optimizer with the best median final metric.
        protocol: The protocol version of the runs.
        candidates: Family → every candidate its spec tunes (the denominators of the profiles).
        strong: The (family, optimizer) pairs the verdict rule supports, claimed or not.

    """

    pairs: tuple[PairEvidence, ...]
    ablations: tuple[AblationEvidence, ...]
    targets: dict[str, float]
    best: dict[str, str]
    protocol: str = PROTOCOL_VERSION
    candidates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    strong: frozenset[tuple[str, str]] = frozenset()

    def claimed(self) -> tuple[PairEvidence, ...]:
        """The claimed pairs, each with its verdict."""
        return tuple(pair for pair in self.pairs if pair.claimed)

    def unclaimed_strong(self) -> tuple[PairEvidence, ...]:
        """The pairs no claim names that the verdict rule would support."""
        return tuple(pair for pair in self.pairs if not pair.claimed and (pair.family, pair.optimizer) in self.strong)

    def get(self, family: str, optimizer: str) -> PairEvidence | None:
        """The evidence on one pair, or ``None`` when it has too few runs."""
        return next((p for p in self.pairs if p.family == family and p.optimizer == optimizer), None)


def summarise(results: Sequence[TrialResult], specs: Mapping[str, FamilySpec] = FAMILY_SPECS) -> EvidenceReport:
    """The evidence of every pair of ``specs`` in ``results`` (runs of other protocol versions ignored).

    Raises:
        EvidenceError: The runs of one family disagree on the metric or its direction.

    """
    current = [r for r in results if r.protocol == PROTOCOL_VERSION]
    pairs: list[PairEvidence] = []
    ablations: list[AblationEvidence] = []
    targets: dict[str, float] = {}
    best: dict[str, str] = {}
    candidates: dict[str, tuple[str, ...]] = {}
    strong: set[tuple[str, str]] = set()
    for family, spec in specs.items():
        family_runs = [r for r in current if r.config.family == family]
        tuned = tuned_by_optimizer(family_runs, spec)
        if not tuned:
            continue
        metric, higher_is_better = _metric_of(family_runs, family)
        best[family] = leader = best_optimizer(tuned)
        candidates[family] = spec.candidates
        target = _target_or_none(tuned[leader])
        if target is not None:
            targets[family] = target
        samples = {opt: create_sample(opt, _finals_by_seed(runs), key=f"{family}/{opt}") for opt, runs in tuned.items()}
        middle = samples[median_optimizer(tuned)]
        settings = group_by_setting(family_runs)
        for optimizer, runs in tuned.items():
            verdict, reason = decide_verdict(
                samples[optimizer],
                best=samples[leader],
                middle=middle,
                baseline=samples.get(BASELINE),
                metric=metric,
                higher_is_better=higher_is_better,
            )
            claimed = optimizer in spec.claimed
            if verdict is Verdict.SUPPORTED:
                strong.add((family, optimizer))
            steps = create_sample(optimizer, {r.config.seed: _steps_to(r, target) for r in runs}, key=f"{family}/{optimizer}/steps")
            pairs.append(
                PairEvidence(
                    family=family,
                    optimizer=optimizer,
                    claimed=claimed,
                    verdict=verdict if claimed else None,
                    metric=metric,
                    higher_is_better=higher_is_better,
                    median=samples[optimizer].median,
                    ci=samples[optimizer].ci,
                    steps_to_target=steps.median,
                    steps_ci=steps.ci,
                    runs=len(runs),
                    config=setting_of(runs[0].config),
                    protocol=PROTOCOL_VERSION,
                    reason=reason if claimed else f"unclaimed; by the rule of claims, {reason}",
                )
            )
            ablations.extend(_ablations(spec, runs, settings, metric, higher_is_better))
    return EvidenceReport(tuple(pairs), tuple(ablations), targets, best, PROTOCOL_VERSION, candidates, frozenset(strong))


def median_optimizer(tuned: Mapping[str, Sequence[TrialResult]]) -> str:
    """The candidate whose median is the median of the candidates' medians.

    With an even number of candidates, the worse of the two middle ones (so "significantly worse
    than the median optimizer" is the stricter test); ties in the ranking go alphabetically.
    """
    ranking = sorted(tuned, key=lambda optimizer: (-median_score(tuned[optimizer]), optimizer))
    return ranking[len(ranking) // 2]


def _metric_of(runs: Sequence[TrialResult], family: str) -> tuple[str, bool]:
    kinds = sorted({(r.metric, r.higher_is_better) for r in runs})
    if len(kinds) != 1:
        raise EvidenceError(f"the runs of {family} disagree on their metric: {kinds}")
    return kinds[0]


def _target_or_none(best_runs: Sequence[TrialResult]) -> float | None:
    try:
        return target_of(best_runs)
    except EvidenceError:
        return None


def _finals_by_seed(runs: Sequence[TrialResult]) -> dict[int, float]:
    return {run.config.seed: run.final_val_metric for run in runs}


def _steps_to(run: TrialResult, target: float | None) -> float:
    return math.inf if target is None else run.steps_to(target)


def _ablations(
    spec: FamilySpec,
    tuned: Sequence[TrialResult],
    settings: Mapping[TrialConfig, Sequence[TrialResult]],
    metric: str,
    higher_is_better: bool,
) -> list[AblationEvidence]:
    """Each extra of ``spec`` whose removal from the tuned setting was run on at least two of the same seeds.

    The difference (with − without) is paired: the median over the common seeds of the seed-by-seed
    differences, with its bootstrap interval resampling seeds.
    """
    setting = setting_of(tuned[0].config)
    default = tuple(sorted(spec.extras))
    found = []
    for extra in default:
        ablated = replace(setting, extras=tuple(e for e in default if e != extra))
        without_runs = _finals_by_seed(settings.get(ablated, ()))
        with_runs = _finals_by_seed(tuned)
        seeds = with_runs.keys() & without_runs.keys()
        if len(seeds) < MIN_SEEDS:
            continue
        key = f"{spec.family}/{setting.optimizer}/{extra}"
        with_ = create_sample("with", {s: with_runs[s] for s in seeds}, key=f"{key}/with")
        without = create_sample("without", {s: without_runs[s] for s in seeds}, key=f"{key}/without")
        difference = paired_difference_ci(with_.by_seed, without.by_seed)
        found.append(
            AblationEvidence(
                family=spec.family,
                optimizer=setting.optimizer,
                extra=extra,
                metric=metric,
                higher_is_better=higher_is_better,
                with_median=with_.median,
                with_ci=with_.ci,
                without_median=without.median,
                without_ci=without.ci,
                difference_ci=difference,
                effect=effect_of(difference, higher_is_better),
                runs=len(seeds),
            )
        )
    return found


def effect_of(difference: tuple[float, float], higher_is_better: bool) -> str:
    """``helps`` / ``hurts`` when the CI of (with − without) excludes 0, else ``no significant difference``."""
    low, high = difference if higher_is_better else (-difference[1], -difference[0])
    if low > 0:
        return "helps"
    if high < 0:
        return "hurts"
    return "no significant difference"
