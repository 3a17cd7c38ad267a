"""Texts that differ only in their string literals share one parsed template: the same answers, errors located in the text asked.

The oracle is the ordinary path: the same text asked with no template known, so strawberry parses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import parse, print_ast
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.graphql import document_cache, literals
from service.graphql.literals import find_template, remember_template, split_literals
from service.graphql.schema import create_schema, schema_sdl
from service.settings import Settings

LOOKUP = '{ concept(name: "%s") { name altNames } }'
# Several literals and comments, errors after a literal on its line, and lines below it.
TWO_LINES = 'query {  # %s\n  a: concept(name: "%s") { name } b: concept(name: "%s") { name }\n  c: concept(id: "%s") { id } }'
FRAGMENT = 'query($k: Int) { ...F }\nfragment F on Query { concept(name: "%s") { id } neighbors(id: "%s", depth: $k) { edges { object } } }'
LIST = '{ neighbors(id: "%s", predicates: ["%s", "%s"]) { edges { subject predicate } } }'
INTROSPECTION = '{ __type(name: "%s") { name kind } }'
CASES: dict[str, tuple[str, list[tuple[str, ...]]]] = {
    "lookup": (LOOKUP, [("gqa",), ("Grouped-Query Attention",), ("no such term",), ("",), ("Ünïcödé ✓ 注意",), ("x" * 256,), ("x" * 257,)]),
    "two lines": (
        TWO_LINES,
        [
            ("first", "gqa", "nope", "adamw"),
            ("", "a name that is not there", "g", "https://nnvocab.org/id/concept/adamw"),
            ("a much longer comment than before", "", "rmsnorm", "missing"),
        ],
    ),
    "fragment": (FRAGMENT, [("gqa", "https://nnvocab.org/id/concept/adamw"), ("nope", "missing-id")]),
    "list": (LIST, [("https://nnvocab.org/id/concept/adamw", "nnv:pairsWith", "skos:related"), ("x", "", "y")]),
    "introspection": (INTROSPECTION, [("Concept",), ("Nope",), ("Query",)]),
}


PLAIN = st.text(st.characters(exclude_categories=("Cs", "Cc"), exclude_characters='"\\'), max_size=12)
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')


@pytest.fixture(scope="module")
def client(search_ready: Vocabulary) -> Iterator[TestClient]:
    app = create_app(Settings(rate_limit_per_minute=10**9, response_cache_bytes=0), vocab=search_ready)
    with TestClient(app) as test_client:
        yield test_client


def _ask(client: TestClient, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": text, **({"variables": variables} if variables else {})}
    response = client.post("/graphql", json=body)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def _parsed(client: TestClient, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The answer with no template known (the text is parsed), templates restored afterwards."""
    saved = dict(literals._templates)
    literals._templates.clear()
    try:
        return _ask(client, text, variables)
    finally:
        literals._templates.clear()
        literals._templates.update(saved)


@pytest.mark.parametrize("case", list(CASES))
def test_texts_of_one_key_answer_as_if_each_were_parsed(client: TestClient, case: str) -> None:
    pattern, rows = CASES[case]
    variables = {"k": 1} if case == "fragment" else None
    _ask(client, pattern % rows[0], variables)  # the first text of the key makes its template
    assert find_template(pattern % rows[1]) is not None
    for row in rows:
        text = pattern % row
        assert _ask(client, text, variables) == _parsed(client, text, variables), text


@given(data=st.data())
@settings(max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_any_query_with_other_literals_answers_as_if_parsed(client: TestClient, data: st.DataObject) -> None:
    """hypothesis-graphql's queries over the whole schema; then the same query with other plain string literals."""
    text = data.draw(queries(schema_sdl(), allow_x00=False))
    assert isinstance(text, str)
    _ask(client, text)  # makes the template when the text can have one
    other = STRING.sub(lambda _: '"' + data.draw(PLAIN) + '"', text)
    templated = find_template(other) is not None
    event(f"templated: {templated}")
    assert _ask(client, other) == _parsed(client, other)


def test_error_locations_are_those_of_the_text_asked(client: TestClient) -> None:
    _ask(client, TWO_LINES % ("c", "gqa", "nope", "adamw"))
    answer = _ask(client, TWO_LINES % ("a longer comment", "no such name", "nor this one", "missing"))
    assert find_template(TWO_LINES % ("", "", "", "")) is not None
    located = {e["path"][0]: e["locations"] for e in answer["errors"]}
    assert located == {"a": [{"line": 2, "column": 3}], "b": [{"line": 2, "column": 45}], "c": [{"line": 3, "column": 3}]}


def test_a_text_of_a_known_key_is_not_parsed(vocab: Vocabulary, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real_parse = parse

    def counting(text: str, **options: Any) -> Any:
        parsed.append(text)
        return real_parse(text, **options)

    monkeypatch.setattr(literals, "_templates", {})  # none known yet
    monkeypatch.setattr("strawberry.schema.schema.parse", counting)
    monkeypatch.setattr(document_cache, "parse", counting)  # the response cache's parse (on by default)
    app = create_app(Settings(rate_limit_per_minute=100_000), vocab=vocab)
    with TestClient(app) as client:
        answers = [_ask(client, LOOKUP % name + f"  # asked {n}") for n, name in enumerate(("gqa", "rmsnorm", "adamw"))]
    names = [answer["data"]["concept"]["name"] for answer in answers]
    assert names == ["Grouped-Query Attention", "RMS Normalization", "AdamW"]
    assert parsed == [LOOKUP % "gqa" + "  # asked 0"]


def test_split_keeps_what_is_outside_literals_and_comments() -> None:
    split = split_literals('query { a: concept(name: "gqa") { id } # why\n}')
    assert split is not None
    assert split.key == 'query { a: concept(name: "") { id } #\n}'
    assert split.spans == ((25, 30), (39, 44))


@pytest.mark.parametrize(
    "text",
    [
        '{ concept(name: """gqa""") { id } }',  # a block string
        r'{ concept(name: "g\u0071a") { id } }',  # an escape: its value is not what is written
        '{ concept(name: "g\tqa") { id } }',  # a control character (the lexer refuses most)
        '{ concept(name: "gqa") { id } } # \x01',
        '{ concept(name: "\ud800") { id } }',  # a lone surrogate
        '{ concept(name: "%s") { id } }' % ("x" * 257),  # over the string limit: refused by validation
        "{ concept { id } }" + " " * literals.MAX_TEMPLATE_CHARS,
    ],
)
def test_texts_the_lexer_might_read_otherwise_are_never_templated(text: str) -> None:
    assert split_literals(text) is None


@pytest.mark.parametrize(
    "text",
    [
        'mutation { instantiate(term: "linear", args: {in_features: "4"}) { ok } }',  # a string in a JSON value
        'query ($n: String = "gqa") { concept(name: $n) { id } }',  # a variable's default value
        'query ($_nnv0: String) { concept(name: "gqa") { id } x: concept(name: $_nnv0) { id } }',  # our variables' names
    ],
)
def test_no_template_where_a_literal_is_not_a_plain_string_argument(text: str) -> None:
    schema = create_schema()._schema
    split = split_literals(text)
    assert split is not None
    literals._templates.pop(split.key, None)
    remember_template(text, parse(text), schema)
    assert split.key in literals._templates and literals._templates[split.key] is None
    assert find_template(text) is None


def test_a_template_declares_a_variable_of_the_argument_type_for_each_literal() -> None:
    text = 'query Way { path(from: "adamw", to: "adam") { predicate } concept(name: "gqa") { id } }'
    remember_template(text, parse(text), create_schema()._schema)
    hit = find_template(text.replace("adamw", "sgd"))
    assert hit is not None
    assert print_ast(hit.template.document) == (
        "query Way($_nnv0: ID!, $_nnv1: ID!, $_nnv2: String!) {\n"
        "  path(from: $_nnv0, to: $_nnv1) {\n    predicate\n  }\n"
        "  concept(name: $_nnv2) {\n    id\n  }\n}"
    )
    assert hit.values() == {"_nnv0": "sgd", "_nnv1": "adam", "_nnv2": "gqa"}


PIECES = st.sampled_from(['"', "#", "\\", "\n", "\r", "\t", "a", " ", "{", "}", ":", "é", "\x01", "x" * 300])


@given(st.lists(PIECES, max_size=30).map("".join))
@settings(max_examples=2000, deadline=None, database=None)
def test_a_shape_read_from_the_split_is_the_shape_of_the_text(text: str) -> None:
    expected = None if '"""' in text else literals.SPAN.sub(document_cache._blank, text)
    assert document_cache.document_shape(text) == expected
