"""Evidence of stored trials: computed once per store version, and its JSON."""

from __future__ import annotations

import math
import statistics

from implementations.pairing.protocol import Phase, Verdict
from ontology.store import GraphStore
from service.pairing_evidence import evidence_json, get_evidence, get_measured
from service.sweeps import record_trial
from tests.service.pairing_fakes import GNN_FINALS as FINALS
from tests.service.pairing_fakes import PAIRS, make_trials

GNN = "graph-neural-network"


def _store_with_trials() -> GraphStore:
    store = GraphStore()
    for trial in make_trials(GNN, FINALS):
        record_trial(store, trial, Phase.SEED)
    return store


def test_evidence_is_computed_once_per_store_version() -> None:
    store = _store_with_trials()
    first = get_evidence(store)
    assert get_evidence(store) is first
    adam = first.get(GNN, "adam")
    assert adam is not None and adam.runs == 5 and adam.median == statistics.median(FINALS["adam"])
    record_trial(store, make_trials(GNN, {"adam": [0.0] * 5 + [0.95]})[-1], Phase.SEED)  # seed 5
    second = get_evidence(store)
    assert second is not first and second.get(GNN, "adam").runs == 6  # type: ignore[union-attr]
    assert get_evidence(store) is second
    assert get_evidence(GraphStore()).pairs == ()  # another store: its own evidence


def test_only_measured_pairs_count() -> None:
    evidence = get_evidence(_store_with_trials())
    assert get_measured(evidence, GNN, "lion") is None and get_measured(evidence, "transformer", "adam") is None
    assert get_measured(evidence, GNN, "sgd") is evidence.get(GNN, "sgd")


def test_json_of_a_stored_pair() -> None:
    evidence = get_evidence(_store_with_trials())
    adam, sgd = evidence.get(GNN, "adam"), evidence.get(GNN, "sgd")
    assert adam is not None and sgd is not None
    data = evidence_json(adam)
    assert data["verdict"] == "supported" and data["metric"] == "accuracy" and data["higher_is_better"] is True
    assert data["median"] == 0.92 and data["ci_low"] <= 0.92 <= data["ci_high"]
    assert data["steps_to_target"] == 200.0 and data["steps_ci"] == [200.0, 200.0]  # the target (0.90) is reached at the last step
    assert (data["runs"], data["protocol"], data["lr"], data["weight_decay"]) == (5, "nnv-pairing-2", 1e-3, 0.0)
    assert data["reason"] == adam.reason and "0.92" in data["reason"]
    assert evidence_json(sgd)["steps_to_target"] is None and evidence_json(sgd)["verdict"] is None  # never reached; unclaimed


def test_json_maps_infinite_numbers_to_null() -> None:
    sophia = next(e for e in PAIRS if e.optimizer == "sophia")
    data = evidence_json(sophia)
    assert math.isinf(sophia.steps_to_target) and data["steps_to_target"] is None and data["steps_ci"] == [300, None]
    assert data["verdict"] == Verdict.CONTRADICTED.value and (data["median"], data["ci_low"], data["ci_high"]) == (0.701, 0.690, 0.712)
