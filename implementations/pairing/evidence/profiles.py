"""Performance profiles (Dolan & Moré 2002, as AlgoPerf scores training algorithms) over steps to target."""

from __future__ import annotations

import math
from collections.abc import Sequence

from implementations.pairing.evidence.summary import EvidenceReport


def step_ratio(steps: float, fastest: float) -> float:
    """``steps / fastest``, with 0/0 = 1 and ``inf`` when ``steps`` is ``inf`` (never reached)."""
    if steps == fastest:
        return 1.0
    return steps / fastest if fastest > 0 else math.inf


def performance_profiles(report: EvidenceReport, taus: Sequence[float]) -> dict[str, list[float]]:
    """For each optimizer, the fraction of its families solved within ``tau`` × the fastest, for each ``tau``.

    On each family the fastest is the pair with the lowest median steps to the family's target; an
    optimizer's ratio there is its median steps over the fastest's (``inf`` when it has no evidence
    or its median never reaches the target). A family counts in an optimizer's denominator only when
    the optimizer is one of the family's candidates (the pairs with evidence when the report lists none).

    Args:
        report: The evidence, from :func:`~implementations.pairing.evidence.summary.summarise`.
        taus: Ratios at which to read the profiles (1 = as fast as the fastest).

    Returns:
        Optimizer → one fraction per ``tau``, optimizers in the order they first appear as candidates.

    """
    ratios: dict[str, list[float]] = {}
    for family in report.best:
        steps = {p.optimizer: p.steps_to_target for p in report.pairs if p.family == family}
        fastest = min(steps.values())
        for optimizer in report.candidates.get(family) or tuple(steps):
            ratios.setdefault(optimizer, []).append(step_ratio(steps.get(optimizer, math.inf), fastest))
    return {optimizer: [sum(r <= tau for r in values) / len(values) for tau in taus] for optimizer, values in ratios.items()}
