"""Mutations cannot grow the graph or run without bound: stored runs are capped, mutation fields rate-limited, and can be off.

The sandboxed runs are stubbed where the write path or the limits are measured (as in ``test_fuzz.py``):
thousands of torch jobs would measure the machine, not the bounds.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from implementations.registry.graph import implementation_iri, smoke_run_graph
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.runs import last_smoke_tests, record_smoke
from service.settings import Settings
from service.verifications import latest_verification, record_verification
from tests.conftest import fresh_builtin

KEEP = 3
SMOKE = {"term": "gelu", "ok": True, "checks": [{"name": "forward", "ok": True, "detail": None}], "error": None}
VERIFICATION = {"layer": "transformer", "optimizer": "adamw", "ok": True, "steps": 10, "initial_loss": 2.0, "final_loss": 1.0}
PER_SMOKE_RUN = len(smoke_run_graph(SMOKE)[0])  # the triples one stored run holds (7)


def _smoke_runs(vocab: Vocabulary, term: str) -> list[float]:
    """Durations of the stored smoke runs of ``term``, newest first."""
    rows = vocab.store.select(
        f"SELECT ?ms WHERE {{ ?run a nnv:SmokeTest ; prov:used <{implementation_iri(term)}> ; nnv:durationMs ?ms ; "
        "prov:startedAtTime ?t } ORDER BY DESC(?t)"
    )
    return [float(row["ms"]) for row in rows]  # type: ignore[arg-type]


def test_1000_smoke_runs_keep_only_the_newest() -> None:
    vocab = Vocabulary(fresh_builtin())
    start = len(vocab.store)
    for i in range(1000):
        record_smoke(vocab, {**SMOKE, "ok": i % 2 == 0, "duration_ms": float(i)}, KEEP)
    assert len(vocab.store) - start == KEEP * PER_SMOKE_RUN + 1  # K runs and the nnv:lastSmokeTest link
    assert _smoke_runs(vocab, "gelu") == [999.0, 998.0, 997.0]
    latest = last_smoke_tests(vocab.store, ["gelu"])["gelu"]
    assert (latest.ok, latest.duration_ms) == (False, 999.0)


def test_smoke_test_mutations_through_graphql_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    vocab = Vocabulary(fresh_builtin())
    runs: list[str] = []

    def sandbox(term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        runs.append(term)
        return {**SMOKE, "term": term, "duration_ms": float(len(runs))}

    monkeypatch.setattr("service.runs.smoke_test", sandbox)
    client = TestClient(create_app(Settings(mutation_rate_limit_per_minute=10_000, keep_runs=KEEP), vocab=vocab))
    start = len(vocab.store)
    many = "mutation { " + " ".join(f'a{i}: smokeTest(term: "gelu") {{ ok }}' for i in range(15)) + " }"
    for _ in range(20):
        assert client.post("/graphql", json={"query": many}).json()["data"]["a14"] == {"ok": True}
    assert len(runs) == 300
    assert len(vocab.store) - start == KEEP * PER_SMOKE_RUN + 1
    assert _smoke_runs(vocab, "gelu") == [300.0, 299.0, 298.0]
    stored = client.post("/graphql", json={"query": '{ concept(id: "gelu") { implementation { lastSmokeTest { durationMs } } } }'})
    assert stored.json()["data"]["concept"]["implementation"]["lastSmokeTest"] == {"durationMs": 300.0}


def test_verifications_keep_the_newest_per_pairing() -> None:
    vocab = Vocabulary(fresh_builtin())
    record_verification(vocab.store, {**VERIFICATION, "optimizer": "lion", "seed": -1}, KEEP)  # another pair: untouched
    start = len(vocab.store)
    for seed in range(200):
        record_verification(vocab.store, {**VERIFICATION, "seed": seed}, KEEP)
    runs = vocab.store.select("SELECT ?run WHERE { ?run a nnv:PairingVerification ; prov:used <https://w3id.org/nnvocab/concept/adamw> }")
    links = vocab.store.select(
        "SELECT ?pairing WHERE { ?pairing nnv:verification ?run . ?run prov:used <https://w3id.org/nnvocab/concept/adamw> }"
    )
    assert len(runs) == KEEP and len(links) == KEEP * 2  # the pairing is listed from both of its concepts
    per_run = (len(vocab.store) - start) // KEEP
    assert len(vocab.store) - start == KEEP * per_run and per_run >= 11
    assert latest_verification(vocab.store, "transformer", "adamw")["seed"] == 199  # type: ignore[index]
    assert latest_verification(vocab.store, "transformer", "lion")["seed"] == -1  # type: ignore[index]


def test_remote_store_is_bounded_too(remote_vocab: Vocabulary) -> None:
    for i in range(KEEP):  # reach the steady state, whatever earlier tests stored
        record_smoke(remote_vocab, {**SMOKE, "term": "relu", "duration_ms": float(i)}, KEEP)
    steady = len(remote_vocab.store)
    for i in range(30):
        record_smoke(remote_vocab, {**SMOKE, "term": "relu", "duration_ms": 100.0 + i}, KEEP)
    assert len(remote_vocab.store) == steady
    assert _smoke_runs(remote_vocab, "relu") == [129.0, 128.0, 127.0]


@pytest.fixture
def instantiations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Terms the (stubbed) sandbox instantiated."""
    made: list[str] = []

    def sandbox(term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        made.append(term)
        return {"ok": True, "parameter_count": 2_500_050_000}

    monkeypatch.setattr("service.graphql.implementations.run_instantiate", sandbox)
    return made


def _aliases(count: int) -> str:
    return "mutation { " + " ".join(f'm{i}: instantiate(term: "gelu") {{ ok }}' for i in range(count)) + " }"


def test_each_mutation_field_counts_against_a_separate_limit(vocab: Vocabulary, instantiations: list[str]) -> None:
    client = TestClient(create_app(Settings(mutation_rate_limit_per_minute=20, rate_limit_per_minute=1000), vocab=vocab))
    assert len(client.post("/graphql", json={"query": _aliases(15)}).json()["data"]) == 15
    refused = client.post("/graphql", json={"query": _aliases(15)})  # 5 tokens left: 15 aliases are refused whole
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    error = refused.json()["errors"][0]
    assert error["extensions"] == {"code": "RATE_LIMITED", "retryAfter": int(refused.headers["retry-after"])}
    assert len(instantiations) == 15  # nothing of the refused document ran
    assert client.post("/graphql", json={"query": "{ stats { concepts } }"}).status_code == 200  # queries are not mutations
    same_field_twice = 'mutation { instantiate(term: "gelu") { ok } instantiate(term: "gelu") { term } }'  # merged: one run
    assert client.post("/graphql", json={"query": same_field_twice}).json()["data"]["instantiate"] == {"ok": True, "term": "gelu"}
    assert len(client.post("/graphql", json={"query": _aliases(4)}).json()["data"]) == 4  # 1 + 4 = the 5 left
    assert client.post("/graphql", json={"query": _aliases(1)}).status_code == 429
    assert len(instantiations) == 20


def test_read_only_deployment_refuses_every_mutation(vocab: Vocabulary, instantiations: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("service.runs.smoke_test", lambda term, args=None: pytest.fail("a smoke test ran"))
    monkeypatch.setattr("service.verifications.verify_in_sandbox", lambda *args, **kwargs: pytest.fail("a verification ran"))
    client = TestClient(create_app(Settings(allow_mutations=False), vocab=vocab))
    start = len(vocab.store)
    for mutation in ('instantiate(term: "gelu")', 'smokeTest(term: "gelu")', 'verifyPairing(layer: "Transformer", optimizer: "AdamW")'):
        body = client.post("/graphql", json={"query": f"mutation {{ {mutation} {{ ok }} }}"}).json()
        assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert instantiations == [] and len(vocab.store) == start
    assert client.post("/graphql", json={"query": "{ stats { concepts } }"}).json()["data"]["stats"]["concepts"] > 300


def test_parameter_counts_over_int_are_big_ints(vocab: Vocabulary, instantiations: list[str]) -> None:
    client = TestClient(create_app(Settings(), vocab=vocab))
    body = client.post("/graphql", json={"query": 'mutation { instantiate(term: "gelu") { ok parameterCount parameterCountBig } }'}).json()
    assert body == {"data": {"instantiate": {"ok": True, "parameterCount": None, "parameterCountBig": "2500050000"}}}
