"""Pairing trials in the store and the durable runs file: round trips, identity, retention, torn lines."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph

import loaders.builtin
from implementations.pairing.protocol import PROTOCOL_VERSION, Phase, TrialConfig, TrialResult
from loaders.builtin import build_graph, complete_lines
from ontology.namespaces import NNV
from ontology.store import GraphStore
from ontology.validation import validate_graph
from service.sweeps import list_trials, load_runs_file, record_trial, stored_hashes, trial_graph
from service.verifications import record_verification
from tests.implementations.pairing.sweep_fakes import fake_result


def _result(lr: float = 1e-2, seed: int = 0, optimizer: str = "adamw", family: str = "transformer") -> TrialResult:
    config = TrialConfig(family, optimizer, lr, 1e-3, seed, 150, ("warmup-cosine", "decay-split"))
    return fake_result(config, duration_s=1.25)


def test_record_then_list_round_trips_the_result() -> None:
    store = GraphStore()
    results = [_result(1e-2), _result(1e-3, seed=1), replace(_result(1e-1), error="diverged at step 40")]
    for result in results:
        record_trial(store, result, Phase.TUNE)
    assert sorted(list_trials(store), key=lambda r: r.config.lr) == sorted(results, key=lambda r: r.config.lr)
    assert stored_hashes(store) == {r.config.config_hash() for r in results}
    rows = store.select("SELECT ?ok ?final ?phase WHERE { ?t a nnv:PairingTrial ; nnv:ok ?ok ; nnv:finalMetric ?final ; nnv:phase ?phase }")
    assert sorted((bool(r["ok"]), float(str(r["final"])), str(r["phase"])) for r in rows)[0] == (False, float("-inf"), "tune")


def test_the_config_hash_is_the_id_and_the_protocol_filters() -> None:
    store = GraphStore()
    result = _result()
    iri = record_trial(store, result, Phase.SEED)
    record_trial(store, result, Phase.SEED)
    assert iri.endswith("/pairing-trial/" + result.config.config_hash())
    assert list_trials(store) == [result]
    older = replace(_result(3e-3), protocol="nnv-pairing-1")
    record_trial(store, older)
    assert list_trials(store) == [result]
    assert list_trials(store, protocol="nnv-pairing-1") == [older]
    assert PROTOCOL_VERSION != "nnv-pairing-1"


def test_trials_are_never_pruned_by_keep_runs() -> None:
    store = GraphStore()
    for seed in range(3):
        record_trial(store, _result(seed=seed), Phase.SEED)
    for _ in range(3):
        record_verification(store, {"layer": "transformer", "optimizer": "adamw", "ok": True, "duration_ms": 5.0}, keep_runs=1)
    assert store.select("SELECT (COUNT(?v) AS ?n) WHERE { ?v a nnv:PairingVerification }")[0]["n"] == 1
    assert len(list_trials(store)) == 3


def test_the_runs_file_is_appended_and_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    runs = tmp_path / "data" / "pairing-trials.nt"
    results = [_result(1e-2), _result(1e-3, optimizer="lion")]
    for result in results:
        record_trial(GraphStore(), result, runs_file=runs)
    whole = runs.read_bytes()
    assert whole.endswith(b"\n") and whole.count(b"#metrics>") == 2
    with runs.open("ab") as handle:
        handle.write(b"<https://w3id.org/nnvocab/pairing-trial/0123456789abcdef> <https://w3id.org/nnv")
    assert complete_lines(runs) == whole
    store = GraphStore()
    assert load_runs_file(store, runs) == len(Graph().parse(data=whole, format="nt"))
    assert sorted(list_trials(store), key=lambda r: r.config.lr) == sorted(results, key=lambda r: r.config.lr)
    assert load_runs_file(store, tmp_path / "absent.nt") == 0


def test_the_built_in_graph_loads_the_committed_runs_and_they_conform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = tmp_path / "pairing-trials.nt"
    record_trial(GraphStore(), _result(), runs_file=runs)
    monkeypatch.setattr(loaders.builtin, "PAIRING_TRIALS_NT", runs)
    graph, _report = build_graph()
    trials = list(graph.subjects(predicate=NNV.configHash))
    assert [str(t).rsplit("/", 1)[-1] for t in trials] == [_result().config.config_hash()]
    subgraph = trial_graph(_result(), Phase.TUNE)
    for concept in subgraph.objects(predicate=NNV.family):
        subgraph += graph.triples((concept, None, None))
    for concept in subgraph.objects(predicate=NNV.optimizer):
        subgraph += graph.triples((concept, None, None))
    report = validate_graph(subgraph)
    assert [m for m in report.messages if "pairing-trial" in m] == []
    broken = trial_graph(_result(), Phase.TUNE)
    broken.remove((None, NNV.configHash, None))
    assert any("configuration hash" in m for m in validate_graph(broken).messages)
