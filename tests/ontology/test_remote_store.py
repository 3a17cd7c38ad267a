"""The remote backend against a real ``oxigraph serve``, and streaming loads on both backends."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from rdflib.compare import isomorphic

import ontology.store as store_module
from ontology.remote_store import RemoteStore
from ontology.store import GraphStore, StoreError, TripleStore
from tests.conftest import free_port

ROWS = 3_000


def _nt(count: int, start: int = 0) -> bytes:
    return b"".join(f'<http://example.org/s{i}> <http://example.org/p> "v{i}" .\n'.encode() for i in range(start, start + count))


@pytest.fixture(params=["embedded", "oxigraph-server"])
def store(request: pytest.FixtureRequest, oxigraph_url: str) -> Iterator[TripleStore]:
    if request.param == "embedded":
        yield GraphStore()
        return
    remote = RemoteStore(oxigraph_url)
    remote.update("CLEAR ALL")
    yield remote
    remote.close()


def test_remote_holds_the_builtin_graph(oxigraph_url: str, builtin_store: GraphStore) -> None:
    remote = RemoteStore(oxigraph_url)
    try:
        assert remote.load(builtin_store.dump("nt"), "nt", replace=True) == len(builtin_store)
        assert isomorphic(remote.to_rdflib(), builtin_store.to_rdflib())
        query = "SELECT ?c WHERE { ?c skos:altLabel ?l FILTER(LCASE(STR(?l)) = 'gqa') }"
        assert remote.select(query) == builtin_store.select(query)
        assert remote.run("ASK { ?s a nnv:Concept }") is True
        body, media = remote.protocol_query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv", 5.0)
        assert media == "text/csv" and body.split()[-1] == str(len(builtin_store)).encode()
    finally:
        remote.update("CLEAR ALL")
        remote.close()


def test_streamed_load_in_chunks_with_progress(store: TripleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CHUNK_TRIPLES", 500)
    seen: list[tuple[str, int, int]] = []
    added = store.load(io.BytesIO(_nt(ROWS)), "nt", progress=lambda *args: seen.append(args))
    assert added == ROWS == len(store)
    assert [s for s in seen if s[0] == "loading"][-1][2] == ROWS
    assert len([s for s in seen if s[0] == "loading"]) == ROWS // 500
    assert store.named_graphs() == [] or all(not g.startswith(store_module.STAGING) for g in store.named_graphs())


@pytest.mark.parametrize("journaled", [False, True], ids=["staged", "journaled"])
def test_malformed_stream_changes_nothing(store: TripleStore, monkeypatch: pytest.MonkeyPatch, journaled: bool) -> None:
    monkeypatch.setattr(store_module, "CHUNK_TRIPLES", 500)
    monkeypatch.setattr(store_module, "ATOMIC_LIMIT", 100 if journaled else 10**6)
    store.load(_nt(10), "nt")
    with pytest.raises(StoreError) as info:
        store.load(io.BytesIO(_nt(ROWS, 10) + b"<broken> .\n"), "nt")
    assert info.value.line == ROWS + 1
    assert len(store) == 10
    assert not [g for g in store.named_graphs() if g.startswith(store_module.STAGING)]


def test_journaled_load_and_interrupted_load(store: TripleStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "CHUNK_TRIPLES", 500)
    monkeypatch.setattr(store_module, "ATOMIC_LIMIT", 100)
    original = type(store)._write
    calls = {"n": 0}

    def crash_on_third(self: TripleStore, triples: list, graph: str | None) -> None:  # type: ignore[type-arg]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process dies mid-load
        original(self, triples, graph)

    monkeypatch.setattr(type(store), "_write", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        store.load(io.BytesIO(_nt(ROWS)), "nt", name="big.nt")
    assert store.interrupted_loads() == ["big.nt"]
    assert len(store) == 1_000  # two chunks arrived; the journal says so
    monkeypatch.setattr(type(store), "_write", original)
    store.load(io.BytesIO(_nt(ROWS)), "nt", name="big.nt")
    assert len(store) == ROWS and store.interrupted_loads() == []


def test_replace_is_one_step(store: TripleStore) -> None:
    store.load(_nt(100), "nt")
    assert store.load(_nt(5, 1000), "nt", replace=True) == 5
    assert len(store) == 5 and store.generation > 0


def test_unreachable_store_is_a_store_error() -> None:
    remote = RemoteStore(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(StoreError, match="unreachable"):
        len(remote)


def test_workers_sharing_a_store_see_each_others_writes(
    oxigraph_url: str, builtin_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ontology import remote_store
    from ontology.vocabulary import Vocabulary

    monkeypatch.setattr(remote_store, "VERSION_CHECK_S", 0.0)
    first, second = RemoteStore(oxigraph_url), RemoteStore(oxigraph_url)
    try:
        first.load(builtin_store.dump("nt"), "nt", replace=True)
        reader = Vocabulary(second)
        assert reader.resolve("AdamW")
        with pytest.raises(LookupError):
            reader.resolve("Zebra Optimizer")
        first.update('INSERT DATA { <https://w3id.org/nnvocab/concept/adamw> skos:altLabel "Zebra Optimizer"@en }')
        reader.sync()
        assert reader.resolve("Zebra Optimizer") == reader.resolve("AdamW")
    finally:
        first.update("CLEAR ALL")
        first.close()
        second.close()
