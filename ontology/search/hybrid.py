"""Fusing rankings: reciprocal-rank fusion, the best of several scores, and a convex combination of scores.

Each fused hit keeps every reason it matched, in the order of the rankings, without repeats.
Ties break by IRI (deterministic).
"""

from __future__ import annotations

from collections.abc import Sequence

from ontology.search.types import MatchReason, Ranked

RRF_K = 60


def fuse(rankings: Sequence[Sequence[Ranked]], limit: int, weights: Sequence[float] | None = None) -> list[Ranked]:
    """The ``limit`` best nodes by (weighted) reciprocal-rank fusion (k = 60), best first.

    A node scores the sum of ``weight / (k + rank)`` over the rankings it is in (weights 1 unless
    given), divided by what first place in every ranking would score, so scores lie in (0, 1].
    """
    if not rankings:
        return []
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.iri] = scores.get(hit.iri, 0.0) + weight / (RRF_K + rank)
    best = sum(weights) / (RRF_K + 1)
    return _merge(rankings, {iri: score / best for iri, score in scores.items()}, limit)


def scale(ranking: Sequence[Ranked]) -> list[Ranked]:
    """``ranking`` (best first, scores ≥ 0) with each score divided by the best one, so the first scores 1.

    This is min-max normalisation with the scores' theoretical minimum, 0, as the minimum: it puts
    BM25 scores, which have no upper bound, on the [0, 1] scale of cosine similarities and name likeness.
    """
    top = ranking[0].score if ranking else 0.0
    return [Ranked(hit.iri, hit.score / top if top > 0 else 0.0, hit.why) for hit in ranking]


def best_of(rankings: Sequence[Sequence[Ranked]], limit: int) -> list[Ranked]:
    """The ``limit`` best nodes by their best score in any of ``rankings`` (scores on one scale), best first."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for hit in ranking:
            scores[hit.iri] = max(scores.get(hit.iri, 0.0), hit.score)
    return _merge(rankings, scores, limit)


def combine(rankings: Sequence[Sequence[Ranked]], weights: Sequence[float], limit: int) -> list[Ranked]:
    """The ``limit`` best nodes by a convex combination of the rankings' scores (each in [0, 1]), best first.

    A node scores the sum of ``weight × score`` over the rankings, 0 where a ranking does not hold
    it; with weights summing to 1 the scores lie in [0, 1]. Unlike reciprocal-rank fusion, this keeps
    the gaps between scores: a weak first place counts little. Bruch, Gai and Ingber (2023, "An
    Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS, doi:10.1145/3596512) found it
    better than reciprocal-rank fusion, in and out of domain.
    """
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for hit in ranking:
            scores[hit.iri] = scores.get(hit.iri, 0.0) + weight * hit.score
    return _merge(rankings, scores, limit)


def _merge(rankings: Sequence[Sequence[Ranked]], scores: dict[str, float], limit: int) -> list[Ranked]:
    """The ``limit`` best of ``scores`` (rounded to 4 places), each with its reasons from every ranking."""
    rounded = {iri: round(score, 4) for iri, score in scores.items()}
    order = sorted(rounded, key=lambda iri: (-rounded[iri], iri))[:limit]
    reasons: dict[str, dict[tuple[object, str], MatchReason]] = {iri: {} for iri in order}
    for ranking in rankings:
        for hit in ranking:
            if hit.why and hit.iri in reasons:
                kept = reasons[hit.iri]
                for reason in hit.why:
                    kept.setdefault((reason.kind, reason.text), reason)
    return [Ranked(iri, rounded[iri], tuple(reasons[iri].values())) for iri in order]
