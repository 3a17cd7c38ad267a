from __future__ import annotations

import pytest
from rdflib.compare import isomorphic

from loaders.builtin import build_graph
from ontology.store import GraphStore, StoreError

TTL = b"@prefix ex: <http://example.org/> . ex:a ex:p ex:b . ex:b ex:p ex:c ."


def test_load_select_ask() -> None:
    store = GraphStore()
    assert store.load(TTL, "ttl") == 2
    rows = store.select("SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }")
    assert rows == [{"o": "http://example.org/b"}]
    assert store.run("ASK { <http://example.org/b> ?p ?o }") is True


def test_bad_data_loads_nothing() -> None:
    store = GraphStore()
    store.load(TTL, "ttl")
    with pytest.raises(StoreError):
        store.load(TTL + b" ex:broken ex:p", "ttl")
    assert len(store) == 2


def test_bad_query_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="invalid SPARQL"):
        GraphStore().select("SELEKT nothing")


def test_on_disk_store_persists(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = GraphStore(tmp_path / "db")
    store.load(TTL, "ttl")
    store.flush()
    del store
    assert len(GraphStore(tmp_path / "db")) == 2


def test_build_is_deterministic(builtin_rdflib) -> None:  # type: ignore[no-untyped-def]
    again, _ = build_graph()
    assert isomorphic(builtin_rdflib, again)
    assert sorted(builtin_rdflib.serialize(format="nt").splitlines()) == sorted(again.serialize(format="nt").splitlines())


def test_store_round_trip_is_isomorphic(builtin_rdflib) -> None:  # type: ignore[no-untyped-def]
    from loaders.builtin import load_builtin

    store = GraphStore()
    load_builtin(store)
    assert isomorphic(builtin_rdflib, store.to_rdflib())


def test_builtin_cache_is_content_addressed(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from loaders.builtin import builtin_ntriples
    from ontology.resources import CURATED_DIR

    monkeypatch.setenv("NNV_CACHE_DIR", str(tmp_path / "cache"))
    data = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, data)
    first, report = builtin_ntriples(data)
    assert report is not None and report.concepts >= 330
    again, cached = builtin_ntriples(data)
    assert cached is None and again == first
    (data / "optimizers.yaml").write_text((data / "optimizers.yaml").read_text().replace("name: AdamW", "name: AdamW2", 1))
    changed, rebuilt = builtin_ntriples(data)
    assert rebuilt is not None and b'"AdamW2"' in changed


def test_an_empty_memory_store_loads_in_one_call_with_the_same_triples_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    data = b'<urn:a> <urn:b> "x" .\n_:n <urn:b> <urn:c> .\n'
    fast, staged = GraphStore(), GraphStore()
    assert fast.load(data, "nt") == 2
    monkeypatch.setattr(staged, "_load_into_empty", lambda data, fmt: False)  # the general path: a staging graph and one UPDATE
    assert staged.load(data, "nt") == 2
    assert fast.dump("nt").count(b"\n") == staged.dump("nt").count(b"\n") == 2 and fast.generation == 1
    broken = GraphStore()
    with pytest.raises(StoreError) as caught:
        broken.load(b'<urn:a> <urn:b> "x" .\n<urn:a> <urn:b> .\n', "nt")
    assert caught.value.line == 2 and broken.is_empty() and len(broken) == 0
