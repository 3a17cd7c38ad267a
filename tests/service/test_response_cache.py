"""The GraphQL response cache: identical answers, never stale after a write, never for mutations."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from loaders.builtin import load_builtin
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.response_cache import is_query
from service.settings import Settings
from tests.service.conftest import serve

LOOKUP = {"query": 'query Q { concept(name: "AdamW") { name altNames } }', "operationName": "Q"}


@pytest.fixture(scope="module")
def own() -> Iterator[tuple[str, Vocabulary]]:
    store = GraphStore()
    load_builtin(store)
    vocab = Vocabulary(store)
    with serve(create_app(Settings(rate_limit_per_minute=100_000), vocab=vocab)) as url:
        yield url, vocab


def test_repeated_query_is_served_from_the_cache(own: tuple[str, Vocabulary]) -> None:
    url, _ = own
    first = httpx.post(f"{url}/graphql", json=LOOKUP)
    second = httpx.post(f"{url}/graphql", json=LOOKUP)
    assert first.status_code == second.status_code == 200
    assert "x-nnvocab-cache" not in first.headers and second.headers["x-nnvocab-cache"] == "hit"
    assert first.json() == second.json() and first.json()["data"]["concept"]["name"] == "AdamW"


def test_a_write_makes_the_cached_answer_unreachable(own: tuple[str, Vocabulary]) -> None:
    url, vocab = own
    httpx.post(f"{url}/graphql", json=LOOKUP)
    vocab.store.update('INSERT DATA { <https://w3id.org/nnvocab/concept/adamw> skos:altLabel "Decoupled Adam (test)"@en }')
    fresh = httpx.post(f"{url}/graphql", json=LOOKUP)
    assert "x-nnvocab-cache" not in fresh.headers
    assert "Decoupled Adam (test)" in fresh.json()["data"]["concept"]["altNames"]


def test_errors_and_mutations_are_not_cached(own: tuple[str, Vocabulary]) -> None:
    url, _ = own
    missing = {"query": '{ concept(name: "no such thing at all") { name } }'}
    for _ in range(2):
        answer = httpx.post(f"{url}/graphql", json=missing)
        assert "x-nnvocab-cache" not in answer.headers and answer.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert is_query(b'{"query": "{ stats { concepts } }"}')
    assert not is_query(b'{"query": "mutation { smokeTest(term: \\"GELU\\") { ok } }"}')
    assert not is_query(b'{"query": "query A { stats { concepts } } mutation B { smokeTest(term: \\"x\\") { ok } }", "operationName": "B"}')
    assert not is_query(b'{"query": "query A { stats { concepts } } query B { stats { papers } }"}')  # which one is unknown
    assert not is_query(b"[1, 2]") and not is_query(b"not json") and not is_query(b'{"query": "{ unbalanced"}')
