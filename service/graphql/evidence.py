"""GraphQL for the evidence of the pairing trials: a pair's verdict and numbers, and ordering pairs by them."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Protocol, TypeVar

import strawberry
from strawberry.types import Info

from implementations.pairing.protocol import PairEvidence as PairEvidenceData
from implementations.pairing.protocol import Verdict as _Verdict
from ontology.views import slug_of
from service.graphql.types import Concept
from service.pairing_evidence import get_evidence, get_measured

if TYPE_CHECKING:
    from implementations.pairing.evidence import EvidenceReport

Verdict = strawberry.enum(_Verdict, name="Verdict", description="What the seeded, tuned runs say of a claimed pair")
VERDICT_RANK = {_Verdict.SUPPORTED: 0, _Verdict.INCONCLUSIVE: 1, _Verdict.CONTRADICTED: 2}  # unclaimed: 3, no runs: 4


@strawberry.enum
class EvidenceOrder(Enum):
    """How ``compatiblePairs`` orders its pairs."""

    CLAIM = "CLAIM"
    EVIDENCE = "EVIDENCE"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _steps(value: float) -> int | None:
    return int(value) if math.isfinite(value) else None


@strawberry.type(description="The evidence of the pairing trials on a pair: its verdict and the numbers behind it")
class PairEvidence:
    """A pair's verdict, with the median and 95% bootstrap CI of its metric and of its steps to target."""

    verdict: Verdict | None = strawberry.field(description="for a claimed pair; null for an unclaimed one")  # type: ignore[valid-type]
    metric: str = strawberry.field(description="the family's validation metric (accuracy, bits-per-char …)")
    higher_is_better: bool
    median: float | None = strawberry.field(description="median of the final validation metric over the seed runs; null if all failed")
    ci_low: float | None = strawberry.field(description="95% bootstrap confidence interval of the median: low end")
    ci_high: float | None = strawberry.field(description="95% bootstrap confidence interval of the median: high end")
    steps_to_target: int | None = strawberry.field(description="median optimizer steps to the family's target; null when not reached")
    steps_ci_low: int | None
    steps_ci_high: int | None = strawberry.field(description="null when not reached")
    runs: int = strawberry.field(description="seed runs behind the numbers")
    protocol: str = strawberry.field(description="version of the pairing protocol the runs followed")
    learning_rate: float = strawberry.field(description="the tuned learning rate")
    weight_decay: float = strawberry.field(description="the tuned weight decay")
    reason: str = strawberry.field(description="the comparison behind the verdict, with its numbers")

    @classmethod
    def of(cls, e: PairEvidenceData) -> PairEvidence:
        """The GraphQL view of a pair's evidence (non-finite numbers as null)."""
        return cls(
            verdict=e.verdict,
            metric=e.metric,
            higher_is_better=e.higher_is_better,
            median=_finite(e.median),
            ci_low=_finite(e.ci[0]),
            ci_high=_finite(e.ci[1]),
            steps_to_target=_steps(e.steps_to_target),
            steps_ci_low=_steps(e.steps_ci[0]),
            steps_ci_high=_steps(e.steps_ci[1]),
            runs=e.runs,
            protocol=e.protocol,
            learning_rate=e.config.lr,
            weight_decay=e.config.weight_decay,
            reason=e.reason,
        )


async def load_evidence(info: Info) -> EvidenceReport:
    """The evidence of the request's store (summarised in a thread, cached until the store is written)."""
    return await asyncio.to_thread(get_evidence, info.context.vocab.store)


async def evidence_of(info: Info, family: str, optimizer: str) -> PairEvidence | None:
    """The evidence on the (family, optimizer) slug pair; ``None`` when no run measured it."""
    found = get_measured(await load_evidence(info), family, optimizer)
    return PairEvidence.of(found) if found else None


class ClaimedPair(Protocol):
    """What :func:`order_pairs` reads of a pair: the layer or family the claim is about, and the optimizer."""

    claim_layer: str
    optimizer: Concept


P = TypeVar("P", bound=ClaimedPair)


def order_pairs(pairs: Sequence[P], evidence: EvidenceReport) -> list[P]:
    """``pairs`` by evidence: supported, inconclusive, contradicted, unclaimed, then unmeasured.

    Within a verdict the better median comes first (in its metric's direction); ties keep their order.
    """

    def key(pair: P) -> tuple[int, float]:
        found = get_measured(evidence, slug_of(pair.claim_layer), str(pair.optimizer.id))
        if found is None:
            return (4, 0.0)
        median = found.median if math.isfinite(found.median) else -math.inf if found.higher_is_better else math.inf
        return (VERDICT_RANK.get(found.verdict, 3) if found.verdict else 3, -median if found.higher_is_better else median)

    return sorted(pairs, key=key)
