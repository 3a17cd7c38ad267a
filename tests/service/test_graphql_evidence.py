"""The GraphQL ``PairEvidence`` type over stored trials, and ordering pairs by evidence."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import strawberry
from strawberry.types import Info

from implementations.pairing.protocol import Phase
from ontology.namespaces import concept_iri
from ontology.store import GraphStore
from service.graphql.evidence import EvidenceOrder, PairEvidence, evidence_of, order_pairs
from service.pairing_evidence import get_evidence
from service.sweeps import record_trial
from tests.service.pairing_fakes import GNN_FINALS, make_report, make_trials

FIELDS = (
    "verdict metric higherIsBetter median ciLow ciHigh stepsToTarget stepsCiLow stepsCiHigh runs protocol learningRate weightDecay reason"
)


@strawberry.type
class Query:
    @strawberry.field
    async def evidence(self, info: Info, family: str, optimizer: str) -> PairEvidence | None:
        return await evidence_of(info, family, optimizer)


def _query(store: GraphStore, family: str, optimizer: str) -> dict[str, Any]:
    schema = strawberry.Schema(query=Query)
    context = SimpleNamespace(vocab=SimpleNamespace(store=store))
    source = f'{{ evidence(family: "{family}", optimizer: "{optimizer}") {{ {FIELDS} }} }}'
    result = asyncio.run(schema.execute(source, context_value=context))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def test_evidence_of_a_stored_pair() -> None:
    store = GraphStore()
    for trial in make_trials("graph-neural-network", GNN_FINALS):
        record_trial(store, trial, Phase.SEED)
    adam = _query(store, "graph-neural-network", "adam")["evidence"]
    assert {k: adam[k] for k in ("verdict", "metric", "higherIsBetter", "median", "stepsToTarget", "runs", "protocol")} == {
        "verdict": "SUPPORTED",
        "metric": "accuracy",
        "higherIsBetter": True,
        "median": 0.92,
        "stepsToTarget": 200,
        "runs": 5,
        "protocol": "nnv-pairing-2",
    }
    assert adam["ciLow"] <= 0.92 <= adam["ciHigh"] and (adam["learningRate"], adam["weightDecay"]) == (1e-3, 0.0)
    assert adam["reason"] == get_evidence(store).get("graph-neural-network", "adam").reason  # type: ignore[union-attr]
    sgd = _query(store, "graph-neural-network", "sgd")["evidence"]
    assert sgd["verdict"] is None and sgd["stepsToTarget"] is None and sgd["stepsCiHigh"] is None  # unclaimed, never reached
    assert _query(store, "transformer", "adam") == {"evidence": None}


@dataclass
class _Pair:
    claim_layer: str
    optimizer: Any


def _pair(family: str, optimizer: str) -> _Pair:
    return _Pair(concept_iri(family), SimpleNamespace(id=optimizer))


def test_order_pairs_by_evidence() -> None:
    pairs = [_pair("transformer", o) for o in ("sophia", "mystery", "lion", "adam", "adamw", "sgd")]
    ordered = order_pairs(pairs, make_report())  # type: ignore[type-var]
    # supported, inconclusive, contradicted, then unclaimed (better median first), then unmeasured
    assert [p.optimizer.id for p in ordered] == ["adamw", "lion", "sophia", "adam", "sgd", "mystery"]
    assert [e.name for e in EvidenceOrder] == ["CLAIM", "EVIDENCE"]
