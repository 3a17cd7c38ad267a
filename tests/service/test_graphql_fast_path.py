"""A plain JSON POST to ``/graphql`` skips strawberry's general request parsing: its answers equal strawberry's, byte for byte.

The oracle is strawberry's own path (``run``), taken when :meth:`_GraphQLApp._plain_request` declines a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ontology.vocabulary import Vocabulary
from service.app import _GraphQLApp, create_app
from service.settings import Settings

TWO = 'query A { concept(name: "gqa") { name } } query B { concept(name: "adamw") { id } }'
JSON = {"content-type": "application/json"}
# (body bytes or JSON, headers): found, not found, invalid, syntax errors, variables, operation names, refusals
REQUESTS: dict[str, tuple[Any, dict[str, str]]] = {
    "lookup": ({"query": '{ concept(name: "gqa") { name altNames } }'}, JSON),
    "charset": ({"query": '{ concept(name: "rmsnorm") { id } }'}, {"content-type": "application/json; charset=utf-8"}),
    "type in capitals": ({"query": '{ concept(name: "rmsnorm") { id } }'}, {"content-type": "Application/JSON"}),
    "not found": ({"query": '{ concept(name: "no such term") { id } }'}, JSON),
    "unknown field": ({"query": '{ concept(name: "gqa") { idd } }'}, JSON),
    "syntax": ({"query": '{ concept(name: "gqa") { id }'}, JSON),
    "variables": ({"query": "query Q($n: String!) { concept(name: $n) { id } }", "variables": {"n": "adamw"}}, JSON),
    "variable type": ({"query": "query Q($n: String!) { concept(name: $n) { id } }", "variables": {"n": 5}}, JSON),
    "missing variable": ({"query": "query Q($n: String!) { concept(name: $n) { id } }"}, JSON),
    "operation named": ({"query": TWO, "operationName": "B"}, JSON),
    "operation unknown": ({"query": TWO, "operationName": "C"}, JSON),
    "operation missing": ({"query": TWO}, JSON),
    "mutation refused": ({"query": 'mutation { smokeTest(term: "linear") { ok } }'}, JSON),
    "mutation rate-limited": ({"query": 'mutation { a: smokeTest(term: "linear") { ok } b: smokeTest(term: "relu") { ok } }'}, JSON),
    "subscription": ({"query": "subscription { x }"}, JSON),
    "extensions": ({"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1}}}, JSON),
    "too long a string": ({"query": '{ concept(name: "%s") { id } }' % ("x" * 300)}, JSON),
    "empty query": ({"query": ""}, JSON),
    "no query": ({"variables": {}}, JSON),
    "query not a string": ({"query": 5}, JSON),
    "variables not an object": ({"query": "{ __typename }", "variables": [1]}, JSON),
    "operationName not a string": ({"query": "{ __typename }", "operationName": 5}, JSON),
    "a batch": ([{"query": "{ __typename }"}], JSON),
    "a string": ("just text", JSON),
    "not JSON": (b"{ nope", JSON),
    "too deep": (b"[" * 2000 + b"]" * 2000, JSON),
    "other type": (b"{ __typename }", {"content-type": "application/graphql"}),
    "no type": (b'{"query": "{ __typename }"}', {}),
    "multipart accepted": ({"query": "{ __typename }"}, {**JSON, "accept": "multipart/mixed;subscriptionSpec=1.0"}),
}


@pytest.fixture(scope="module")
def client(vocab: Vocabulary) -> Iterator[TestClient]:
    """Mutations of over one field are refused (nothing runs); the others too under ``allow_mutations=False``."""
    settings = Settings(rate_limit_per_minute=10**9, response_cache_bytes=0, mutation_rate_limit_per_minute=1)
    with TestClient(create_app(settings, vocab=vocab)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def read_only(vocab: Vocabulary) -> Iterator[TestClient]:
    settings = Settings(rate_limit_per_minute=10**9, response_cache_bytes=0, allow_mutations=False)
    with TestClient(create_app(settings, vocab=vocab)) as test_client:
        yield test_client


def _post(client: TestClient, body: Any, headers: dict[str, str]) -> tuple[int, str | None, str | None, bytes]:
    if isinstance(body, bytes):
        response = client.post("/graphql", content=body, headers=headers)
    else:
        response = client.post("/graphql", json=body, headers=headers)
    return response.status_code, response.headers.get("content-type"), response.headers.get("retry-after"), response.content


@pytest.mark.parametrize("name", list(REQUESTS))
def test_answers_equal_strawberrys(client: TestClient, read_only: TestClient, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    body, headers = REQUESTS[name]
    if name == "mutation refused":
        client = read_only
    fast = _post(client, body, headers)
    with monkeypatch.context() as strawberry_only:

        async def decline(self: _GraphQLApp, request: Any) -> None:
            return None

        strawberry_only.setattr(_GraphQLApp, "_plain_request", decline)
        assert _post(client, body, headers) == fast


def test_plain_requests_take_the_fast_path_and_others_do_not(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    answered: list[str] = []
    real = _GraphQLApp._answer

    async def counting(self: _GraphQLApp, request: Any, data: dict[str, Any]) -> Any:
        answered.append(data["query"])
        return await real(self, request, data)

    monkeypatch.setattr(_GraphQLApp, "_answer", counting)
    for name, (body, headers) in REQUESTS.items():
        if name == "mutation refused":
            continue  # it would run (the read-only app refuses it)
        answered.clear()
        _post(client, body, headers)
        plain = (
            isinstance(body, dict)
            and isinstance(body.get("query"), str)
            and body["query"]
            and name
            not in (
                "variables not an object",
                "operationName not a string",
                "type in capitals",  # strawberry reads it (and refuses it), as before
            )
        )
        assert bool(answered) == bool(plain), name
