"""The GraphQL read path on the read model: no SPARQL on the hot path, a write shows up next request, remote = embedded."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ontology._terms import Value
from ontology.namespaces import CONCEPT
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.graphql import literals
from service.graphql.context import Context
from service.graphql.document_cache import _documents, document_shape
from service.graphql.limits import MAX_STRING_CHARS, MAX_TOKENS
from service.graphql.schema import create_schema
from tests.service.conftest import TEST_SETTINGS

HOT_PATH = {
    "by name": '{ concept(name: "gqa") { name altNames kind papers { title authors } models { name } broader { id } '
    "pairsWith { concept { id } } } }",
    "by id": '{ concept(id: "adamw") { name hyperparameters { name default } sources { document line } errata { claim } } }',
    "page": "{ concepts(first: 100, kind: LAYER) { totalCount nodes { id name papers { title } models { name } } } }",
    "pairs": '{ compatiblePairs(layer: "Transformer") { optimizer { name } via { id } note recipe { concept { id } } } }',
    "neighbours": '{ neighbors(id: "adamw", depth: 2) { nodes { id } edges { subject predicate object } } }',
    "path": '{ path(from: "lstm", to: "adam") { subject predicate object } }',
    "stats": "{ stats { triples concepts papers models pairings implementations errata } }",
    "papers": '{ papers(search: "attention", first: 5) { totalCount nodes { id title concepts { id } } } }',
    "models": '{ models(search: "gpt", first: 5) { totalCount nodes { id name concepts { id } } } }',
}


class CountingStore(GraphStore):
    """A store that counts the queries it runs."""

    queries = 0

    def run(self, sparql: str, prefixes: bool = True) -> list[dict[str, Value]] | bool:
        """Count, then run."""
        self.queries += 1
        return super().run(sparql, prefixes)


@pytest.fixture(scope="module")
def counted(builtin_store: GraphStore) -> CountingStore:
    store = CountingStore()
    store.load(builtin_store.dump("nt"), "nt")
    return store


def _execute(vocab: Vocabulary, query: str) -> dict[str, Any]:
    result = asyncio.run(create_schema().execute(query, context_value=Context(vocab=vocab)))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


@pytest.mark.parametrize("name", HOT_PATH)
def test_the_hot_path_issues_no_sparql(counted: CountingStore, name: str) -> None:
    vocab = Vocabulary(counted)
    vocab.read_model.warm()
    counted.queries = 0
    data = _execute(vocab, HOT_PATH[name])
    assert counted.queries == 0
    assert any(data.values())


def test_answers_equal_the_sparql_path(counted: CountingStore) -> None:
    """The read model answers as the store does: the concept by name resolves to its card, read back by SPARQL."""
    data = _execute(Vocabulary(counted), HOT_PATH["by name"])["concept"]
    assert data["name"] == "Grouped-Query Attention" and "GQA" in data["altNames"] and data["kind"] == "ATTENTION"
    rows = counted.select(f"SELECT ?t WHERE {{ <{CONCEPT['grouped-query-attention']}> nnv:introducedIn ?p . ?p dcterms:title ?t }}")
    assert sorted(p["title"] for p in data["papers"]) == sorted(str(r["t"]) for r in rows)


def test_a_write_shows_up_in_the_next_request(builtin_store: GraphStore) -> None:
    store = GraphStore()
    store.load(builtin_store.dump("nt"), "nt")
    vocab = Vocabulary(store)
    query = {"query": '{ concept(id: "adamw") { altNames } }'}
    with TestClient(create_app(TEST_SETTINGS, vocab=vocab)) as client:
        first = client.post("/graphql", json=query).json()["data"]["concept"]["altNames"]
        assert "AdamW optimizer zz" not in first
        store.update(f'INSERT DATA {{ <{CONCEPT["adamw"]}> skos:altLabel "AdamW optimizer zz" }}')
        second = client.post("/graphql", json=query).json()["data"]["concept"]["altNames"]
        assert second == sorted([*first, "AdamW optimizer zz"])
        found = client.post("/graphql", json={"query": '{ concept(name: "AdamW optimizer zz") { id } }'}).json()
        assert found["data"]["concept"]["id"] == "adamw"


def test_remote_store_answers_as_the_embedded_one(server_url: str, remote_server_url: str) -> None:
    for name, query in HOT_PATH.items():
        if name == "stats":
            continue  # the remote dataset also counts the version graph's triple
        answers = [httpx.post(f"{url}/graphql", json={"query": query}, timeout=30).json() for url in (server_url, remote_server_url)]
        assert "errors" not in answers[0] and answers[0] == answers[1], name


def test_a_shape_is_a_document_with_its_strings_emptied_unless_over_the_limit() -> None:
    assert document_shape('{ concept(name: "gqa") { id } }') == document_shape('{ concept(name: "rmsnorm") { id } }')
    at_limit, over = "x" * MAX_STRING_CHARS, "x" * (MAX_STRING_CHARS + 1)
    assert document_shape(f'{{ concept(name: "{at_limit}") {{ id }} }}') == '{ concept(name: "") { id } }'
    assert document_shape(f'{{ concept(name: "{over}") {{ id }} }}') == document_shape(f'{{ concept(name: "{over}yz") {{ id }} }}')
    assert document_shape(f'{{ concept(name: "{over}") {{ id }} }}') != document_shape(f'{{ concept(name: "{at_limit}") {{ id }} }}')
    escaped = '{ concept(name: "a\\"b # c") { id } }'
    assert document_shape(escaped) == escaped  # kept as written: its length as read differs
    assert document_shape('# a "comment"\n{ concept(name: "gqa") { id } } # more') == '\n{ concept(name: "") { id } } '
    assert document_shape('{ concept(name: """gqa""") { id } }') is None


def test_validation_by_shape_still_refuses_what_differs(server_url: str) -> None:
    def post(query: str) -> dict[str, Any]:
        body: dict[str, Any] = httpx.post(f"{server_url}/graphql", json={"query": query}, timeout=30).json()
        return body

    assert post('{ concept(name: "gqa") { id } }')["data"]["concept"]["id"] == "grouped-query-attention"
    assert post('{ concept(name: "rmsnorm") { id } }')["data"]["concept"]["id"] == "rmsnorm"
    long_name = "x" * 300
    refused = post(f'{{ concept(name: "{long_name}") {{ id }} }}')
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    unknown_field = post('{ concept(name: "gqa") { idd } }')
    assert unknown_field["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT" and "idd" in unknown_field["errors"][0]["message"]


def test_a_text_is_parsed_once_and_a_broken_or_oversized_one_never_cached(counted: CountingStore, monkeypatch: pytest.MonkeyPatch) -> None:
    vocab, query = Vocabulary(counted), '{ concept(name: "gqa") { id } }'
    _documents.pop(query, None)
    monkeypatch.setattr(literals, "_templates", {})  # no template of its key known either (see test_graphql_literals.py)
    assert _execute(vocab, query)["concept"]["id"] == "grouped-query-attention"
    parsed = _documents[query]
    assert _execute(vocab, query)["concept"]["id"] == "grouped-query-attention" and _documents[query] is parsed
    schema = create_schema(TEST_SETTINGS)
    broken = '{ concept(name: "gqa") { id }'
    for _ in range(2):
        result = asyncio.run(schema.execute(broken, context_value=Context(vocab=vocab)))
        assert result.errors and "Syntax Error" in result.errors[0].message and broken not in _documents
    too_many = "{ " + " ".join(f"a{i}: __typename" for i in range(MAX_TOKENS)) + " }"
    result = asyncio.run(schema.execute(too_many, context_value=Context(vocab=vocab)))
    assert result.errors and result.errors[0].extensions == {"code": "QUERY_TOO_COMPLEX"} and too_many not in _documents
