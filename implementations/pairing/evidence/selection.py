"""Which runs count: the best tuning configuration, the tuned seed runs of a pair, the family's target.

A *setting* is a configuration without its seed (``TrialConfig`` with ``seed=0``): the runs of one
setting differ only in the seed. Results of other protocol versions never count.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from implementations.pairing.evidence.stats import EvidenceError, median
from implementations.pairing.families import FAMILY_SPECS, FamilySpec
from implementations.pairing.protocol import PROTOCOL_VERSION, TrialConfig, TrialResult

MIN_SEEDS = 2  # a tuned setting needs at least this many distinct seeds to count as evidence


def is_failed(result: TrialResult) -> bool:
    """Whether the run failed (an error, or a non-finite final metric)."""
    return not math.isfinite(result.final_val_metric)


def setting_of(config: TrialConfig) -> TrialConfig:
    """``config`` without its seed (seed 0)."""
    return replace(config, seed=0)


def group_by_setting(results: Iterable[TrialResult]) -> dict[TrialConfig, list[TrialResult]]:
    """The runs of each setting, one per seed (the first of repeated seeds), ordered by seed."""
    groups: dict[TrialConfig, dict[int, TrialResult]] = defaultdict(dict)
    for result in results:
        groups[setting_of(result.config)].setdefault(result.config.seed, result)
    return {setting: [runs[seed] for seed in sorted(runs)] for setting, runs in groups.items()}


def median_score(runs: Sequence[TrialResult]) -> float:
    """The median final metric of ``runs``, signed so that larger is better."""
    value = median([run.final_val_metric for run in runs])
    return value if runs[0].higher_is_better else -value


def _preference(setting: TrialConfig, runs: Sequence[TrialResult]) -> tuple[float, float, float, int, tuple[str, ...]]:
    """Sort key, best first: better median, then lower learning rate, lower weight decay, fewer steps."""
    return -median_score(runs), setting.lr, setting.weight_decay, setting.steps, setting.extras


def select_best(results: Sequence[TrialResult]) -> TrialConfig:
    """The best tuning configuration of one (family, optimizer).

    Failed runs are left out; a setting run over several seeds counts with its median. Ties go to
    the lower learning rate, then the lower weight decay.

    Args:
        results: Tuning runs of one family and one optimizer.

    Returns:
        The config of the best setting's run with the lowest seed.

    Raises:
        EvidenceError: No runs, runs of several pairs, or every run failed.

    """
    pairs = sorted({(r.config.family, r.config.optimizer) for r in results})
    if len(pairs) != 1:
        raise EvidenceError(f"select_best takes the tuning runs of exactly one (family, optimizer), got {pairs or 'none'}")
    finished = [r for r in results if not is_failed(r)]
    if not finished:
        family, optimizer = pairs[0]
        raise EvidenceError(f"every tuning run of {family} × {optimizer} failed ({len(results)} runs); no configuration to select")
    groups = group_by_setting(finished)
    best = min(groups, key=lambda setting: _preference(setting, groups[setting]))
    return groups[best][0].config


def tuned_runs(results: Iterable[TrialResult]) -> list[TrialResult] | None:
    """The seed runs of the tuned setting among one pair's default-recipe runs, or ``None`` if none qualifies.

    The tuned setting is the one with the most distinct seeds (at least :data:`MIN_SEEDS`); ties go
    to the better median, then as in :func:`select_best`. Failed runs count, with the worst value.
    """
    groups = {setting: runs for setting, runs in group_by_setting(results).items() if len(runs) >= MIN_SEEDS}
    if not groups:
        return None
    best = min(groups, key=lambda setting: (-len(groups[setting]), *_preference(setting, groups[setting])))
    return groups[best]


def default_runs(results: Iterable[TrialResult], spec: FamilySpec) -> list[TrialResult]:
    """The runs of ``spec``'s family under :data:`PROTOCOL_VERSION`, by a candidate, with the default recipe extras."""
    extras = tuple(sorted(spec.extras))
    return [
        r
        for r in results
        if r.protocol == PROTOCOL_VERSION
        and r.config.family == spec.family
        and r.config.optimizer in spec.candidates
        and r.config.extras == extras
    ]


def tuned_by_optimizer(results: Iterable[TrialResult], spec: FamilySpec) -> dict[str, list[TrialResult]]:
    """Each candidate of ``spec`` with tuned runs → those runs, in the order of ``spec.candidates``."""
    by_optimizer: dict[str, list[TrialResult]] = defaultdict(list)
    for result in default_runs(results, spec):
        by_optimizer[result.config.optimizer].append(result)
    tuned = {optimizer: tuned_runs(by_optimizer[optimizer]) for optimizer in spec.candidates}
    return {optimizer: runs for optimizer, runs in tuned.items() if runs is not None}


def best_optimizer(tuned: Mapping[str, Sequence[TrialResult]]) -> str:
    """The optimizer with the best median final metric (ties: alphabetical)."""
    if not tuned:
        raise EvidenceError("no optimizer has tuned runs")
    return min(tuned, key=lambda optimizer: (-median_score(tuned[optimizer]), optimizer))


def target_of(best_runs: Sequence[TrialResult]) -> float:
    """The target set by the best optimizer's tuned runs: the final metric of its worst finished seed.

    Raises:
        EvidenceError: Every run failed.

    """
    finals = [r.final_val_metric for r in best_runs if not is_failed(r)]
    if not finals:
        raise EvidenceError("every run of the best optimizer failed; the family has no target")
    return min(finals) if best_runs[0].higher_is_better else max(finals)


def family_target(results: Sequence[TrialResult], *, specs: Mapping[str, FamilySpec] = FAMILY_SPECS) -> float:
    """The family's validation target, AlgoPerf style, from its strongest tuned optimizer.

    Rule: among the family's candidates at their tuned settings (default recipe), take the one with
    the best median final metric; the target is the final metric of its *worst* finished seed, so
    every finished seed of the best optimizer reaches it, at the latest at its last step.

    Args:
        results: Runs of one family (any optimizers and settings; other protocol versions ignored).
        specs: The family specs (candidates, default extras).

    Raises:
        EvidenceError: Runs of several families, an unknown family, no tuned runs, or every run of
            the best optimizer failed.

    """
    families = sorted({r.config.family for r in results})
    if len(families) != 1:
        raise EvidenceError(f"family_target takes the runs of exactly one family, got {families or 'none'}")
    if families[0] not in specs:
        raise EvidenceError(f"unknown family {families[0]!r}; known: {', '.join(specs)}")
    tuned = tuned_by_optimizer(results, specs[families[0]])
    return target_of(tuned[best_optimizer(tuned)])
