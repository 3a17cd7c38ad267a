"""Hostile GraphQL traffic over real HTTP: every answer is a refusal with a contract code, fast, and never a 5xx."""

from __future__ import annotations

import json
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import graphql
import httpx
import pytest

from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.settings import Settings
from tests.service.conftest import serve

LIMIT_S = 5.0  # every refusal comes this fast, or faster


@pytest.fixture(scope="module")
def client(server_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server_url, timeout=30) as session:
        yield session


def timed(send: Callable[..., httpx.Response], *args: Any, **kwargs: Any) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    response = send(*args, **kwargs)
    return response, time.monotonic() - start


def assert_refused(response: httpx.Response, elapsed: float, status: int, code: str) -> None:
    """The contract's refusal: this status, this code on every error, no internals, in bounded time."""
    assert response.status_code == status, response.text[:500]
    assert "Traceback" not in response.text and 'File "' not in response.text
    errors = response.json()["errors"]
    assert errors and {e["extensions"]["code"] for e in errors} == {code}, errors[:3]
    assert elapsed < LIMIT_S, f"{elapsed:.1f} s"


def post_query(client: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> tuple[httpx.Response, float]:
    return timed(client.post, "/graphql", json={"query": query, "variables": variables or {}})


def nested(levels: int) -> str:
    return '{ concept(id: "adamw") { ' + "related { " * levels + "id" + " }" * levels + " } }"


@pytest.mark.parametrize("levels", [10, 100, 10_000])
def test_deep_nesting_is_too_complex(client: httpx.Client, levels: int) -> None:
    # 10_000 levels: graphql-core's parser stops at 200 ("nested too deeply"), no RecursionError
    assert_refused(*post_query(client, nested(levels)), 200, "QUERY_TOO_COMPLEX")


@pytest.mark.parametrize(
    "query",
    [
        "{ " + " ".join(f"a{i}: stats {{ triples }}" for i in range(1000)) + " }",  # alias bomb
        "{ stats { " + "triples " * 50_000 + "} }",  # 50,000 fields: over the token limit
        "{ " + "stats { triples } " * 2_000 + "}",  # the same field 2,000 times: over the field-merging budget
        "{ ...F0 } "  # each fragment spreads the next one twice: 2^30 fields
        + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
        + " fragment F30 on Query { stats { triples } }",
        '{ search(text: "adam", first: 100) { node { ... on Concept { related { related { related { id } } } } } } }',
        "{ concepts { nodes { related { related { related { id } } } } } }",  # no `first`: a page of 20, not 1
    ],
    ids=["1000-aliases", "50k-fields", "field-merge-bomb", "fragment-explosion", "fanout-through-fragment", "default-page"],
)
def test_bombs_are_too_complex(client: httpx.Client, query: str) -> None:
    assert_refused(*post_query(client, query), 200, "QUERY_TOO_COMPLEX")


@pytest.mark.parametrize(
    "query",
    [
        "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        "query { ...A } fragment A on Query { stats { triples } ...A }",
    ],
    ids=["mutual", "self"],
)
def test_fragment_cycles_are_bad_input(client: httpx.Client, query: str) -> None:
    response, elapsed = post_query(client, query)
    assert_refused(response, elapsed, 200, "BAD_USER_INPUT")
    assert "within itself" in response.json()["errors"][0]["message"]  # graphql-core's NoFragmentCycles rule


@pytest.mark.parametrize(
    "query",
    [
        "{ stats { triples }",
        "{ nope }",
        '{ concept(nope: "x") { id } }',
        '{ concepts(first: "many") { totalCount } }',
        "subscription { stats { triples } }",
        "{ stats @nope { triples } }",
    ],
    ids=["syntax", "unknown-field", "unknown-argument", "wrong-type", "subscription", "unknown-directive"],
)
def test_invalid_documents_are_bad_input(client: httpx.Client, query: str) -> None:
    assert_refused(*post_query(client, query), 200, "BAD_USER_INPUT")


@pytest.mark.parametrize("bad_id", ["\u001b", "a%zz", "x> ?p ?o", "a[b", "x\u007f", "\ufdd0", "lars#hp-03#x"])
def test_ids_that_cannot_be_iris_name_nothing(client: httpx.Client, bad_id: str) -> None:
    # they reached the store's SPARQL parser, which refused them: an internal error for the whole request
    query = 'query($id: ID!) { ok: concept(id: "adamw") { id } node(id: $id) { id } paper(id: $id) { id } }'
    response, elapsed = post_query(client, query, {"id": bad_id})
    body = response.json()
    assert response.status_code == 200 and elapsed < LIMIT_S
    assert body["data"] == {"ok": {"id": "adamw"}, "node": None, "paper": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    neighbors, elapsed = post_query(client, "query($id: ID!) { neighbors(id: $id) { edges { subject } } }", {"id": bad_id})
    assert_refused(neighbors, elapsed, 200, "NOT_FOUND")


@pytest.mark.parametrize("first", ["101", "1000000000", "2147483648", "-5", "0"])
@pytest.mark.parametrize(
    "query",
    [
        "{ concepts(first: %s) { totalCount } }",
        "{ concepts(first: %s) { nodes { related { related { id } } } } }",
        '{ search(text: "adam", first: %s) { score } }',
    ],
    ids=["concepts", "nested", "search"],
)
def test_first_literal_out_of_range_is_bad_input(client: httpx.Client, first: str, query: str) -> None:
    # over 100 is an invalid argument (as in GitHub's API), not a complex query, even where the estimate is huge
    response, elapsed = post_query(client, query % first)
    assert_refused(response, elapsed, 200, "BAD_USER_INPUT")
    assert response.json()["errors"][0]["message"] == f"first must be between 1 and 100, got {first}"


@pytest.mark.parametrize("first", [10**9, 2**31, 2**40, -1, -(2**31)])
def test_huge_or_negative_first_variable(client: httpx.Client, first: int) -> None:
    query = "query($f: Int) { concepts(first: $f) { totalCount } }"
    response, elapsed = post_query(client, query, {"f": first})
    assert_refused(response, elapsed, 200, "BAD_USER_INPUT")
    if -(2**31) <= first < 2**31:  # a value Int can hold reaches the resolver's check, with the same message
        assert response.json()["errors"][0]["message"] == f"first must be between 1 and 100, got {first}"


def test_megabyte_name_is_refused_by_the_body_limit(client: httpx.Client) -> None:
    query = "query($n: String) { concept(name: $n) { id } }"
    assert_refused(*post_query(client, query, {"n": "x" * 1_048_576}), 413, "BAD_USER_INPUT")


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query($n: String) { concept(name: $n) { id } }", {"n": "x" * 100_000}),
        ('{ concept(name: "' + "x" * 100_000 + '") { id } }', None),
        ("query($t: String!) { search(text: $t) { score } }", {"t": "attention " * 10_000}),
        ('query($a: JSON) { instantiate(term: "gelu", args: $a) { ok } }', {"a": {"approximate": "x" * 100_000}}),
    ],
    ids=["name-variable", "name-literal", "search-text", "json-argument"],
)
def test_100kb_strings_are_bad_input_fast(client: httpx.Client, query: str, variables: dict[str, Any] | None) -> None:
    # fuzzy matching of a 100 kB text took minutes; strings are capped at 256 characters
    assert_refused(*post_query(client, query, variables), 200, "BAD_USER_INPUT")


def test_name_at_the_string_limit_is_answered_fast(client: httpx.Client) -> None:
    response, elapsed = post_query(client, "query($n: String) { concept(name: $n) { id } }", {"n": "x" * 256})
    assert_refused(response, elapsed, 200, "NOT_FOUND")


def test_batched_queries_are_bad_input(client: httpx.Client) -> None:
    batch = [{"query": "{ stats { triples } }"}] * 3
    assert_refused(*timed(client.post, "/graphql", json=batch), 400, "BAD_USER_INPUT")


@pytest.mark.parametrize(
    "query",
    [
        '{ __type(name: "Concept") { ' + "fields { type { " * 6 + "name" + " } }" * 6 + " } }",
        "{ __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }",
    ],
    ids=["__type", "__schema"],
)
def test_deep_introspection_is_too_complex(client: httpx.Client, query: str) -> None:
    assert_refused(*post_query(client, query), 200, "QUERY_TOO_COMPLEX")


def test_the_standard_introspection_query_is_served(client: httpx.Client) -> None:
    response, elapsed = post_query(client, graphql.get_introspection_query())
    assert response.status_code == 200 and "errors" not in response.json() and elapsed < LIMIT_S
    assert {"Concept", "Query"} <= {t["name"] for t in response.json()["data"]["__schema"]["types"]}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"query": ', "application/json"),  # truncated
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),  # nested past the JSON parser's recursion limit
        (b'{"query": "{ stats { triples } }", "variables": {"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}}", "application/json"),
        (b'{"query": "\xff\xfe"}', "application/json"),  # not UTF-8
        (b"null", "application/json"),
        (b'"{ stats { triples } }"', "application/json"),
        (b"42", "application/json"),
        (b'{"query": 42}', "application/json"),
        (b'{"query": "{ stats { triples } }", "variables": [1]}', "application/json"),
        (b'{"variables": {}}', "application/json"),  # no query
        (b'{"query": "{ stats { triples } }", "operationName": "Nope"}', "application/json"),
    ],
    ids=[
        "truncated",
        "deep-array",
        "deep-variables",
        "bad-utf8",
        "null",
        "string",
        "number",
        "query-number",
        "variables-list",
        "no-query",
        "unknown-operation",
    ],
)
def test_malformed_json_bodies_are_bad_input(client: httpx.Client, content: bytes, content_type: str) -> None:
    assert_refused(*timed(client.post, "/graphql", content=content, headers={"content-type": content_type}), 400, "BAD_USER_INPUT")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql", "application/xml", None]
)
def test_wrong_content_types_are_bad_input(client: httpx.Client, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps({"query": "{ stats { triples } }"}).encode()
    assert_refused(*timed(client.post, "/graphql", content=body, headers=headers), 400, "BAD_USER_INPUT")


@pytest.mark.parametrize(
    "params",
    [
        {"query": 'mutation { instantiate(term: "gelu") { ok } }'},
        {"query": 'mutation { smokeTest(term: "gelu") { ok } }'},
        {"query": "{ stats { triples } }", "variables": "{"},
    ],
    ids=["instantiate", "smokeTest", "malformed-variables"],
)
def test_get_with_a_mutation_or_bad_variables_is_bad_input(client: httpx.Client, params: dict[str, str]) -> None:
    assert_refused(*timed(client.get, "/graphql", params=params), 400, "BAD_USER_INPUT")


def test_megabyte_get_url_is_refused_by_the_server(server_url: str) -> None:
    # the body limit does not apply to a URL; uvicorn refuses an over-long request line before the app runs
    host, port = server_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=LIMIT_S) as sock:
        start = time.monotonic()
        sock.sendall(b"GET /graphql?query=" + b"x" * 1_000_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 400 ") and b"Traceback" not in head and time.monotonic() - start < LIMIT_S


@pytest.fixture(scope="module")
def limited_url(vocab: Vocabulary) -> Iterator[str]:
    """A second real server that allows 30 requests a minute per client."""
    with serve(create_app(Settings(rate_limit_per_minute=30), vocab=vocab)) as url:
        yield url


def test_introspection_flood_is_rate_limited(limited_url: str) -> None:
    query = {"query": graphql.get_introspection_query()}
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    start = time.monotonic()
    with httpx.Client(base_url=limited_url, timeout=30) as flood:
        for _ in range(1000):
            response = flood.post("/graphql", json=query)
            statuses[response.status_code] += 1
            if response.status_code == 429:
                codes[response.json()["errors"][0]["extensions"]["code"]] += 1
        elapsed = time.monotonic() - start
        assert flood.get("/healthz").status_code == 200  # the limit is for the API, not the health check
    assert set(statuses) == {200, 429}, statuses
    assert statuses[200] <= 30 + elapsed / 2 + 1  # the bucket's 30 plus its refill of one every 2 s
    assert codes == {"RATE_LIMITED": statuses[429]}
    assert elapsed < 120, f"{elapsed:.0f} s for 1,000 requests"
