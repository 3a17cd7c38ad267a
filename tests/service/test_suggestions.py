"""One "did you mean": the CLI and GraphQL suggest the same names, in the same order, for the same typo."""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.testing import CliRunner

from implementations import UnknownImplementationError, get_implementation, list_implementations
from implementations.registry.factory import concept_names
from service.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    monkeypatch.delenv("NNV_STORE", raising=False)


def _cli_suggestions(*command: str) -> list[str]:
    result = runner.invoke(app, list(command))
    assert result.exit_code == 1, result.output
    hint = re.search(r"did you mean (.+)\?$", result.output.strip())
    assert hint, result.output
    return hint.group(1).split(", ")


def _graphql_suggestions(gql: Any, query: str) -> list[str]:
    error = gql(query)["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    suggestions: list[str] = error["extensions"]["suggestions"]
    return suggestions


def test_cli_and_graphql_suggest_the_same_names_for_a_concept(gql) -> None:  # type: ignore[no-untyped-def]
    cli = _cli_suggestions("concept", "layernrom")
    by_name = _graphql_suggestions(gql, '{ concept(name: "layernrom") { name } }')
    by_id = _graphql_suggestions(gql, '{ concept(id: "layer-nrom") { name } }')
    assert cli == by_name == by_id
    assert cli[0] == "Layer Normalization" and len(cli) <= 5


def test_cli_and_graphql_suggest_the_same_implementations(gql) -> None:  # type: ignore[no-untyped-def]
    cli = _cli_suggestions("instantiate", "lineaar")
    graphql = _graphql_suggestions(gql, 'mutation { instantiate(term: "lineaar") { ok } }')
    assert cli == graphql
    assert cli[0] == "Linear"


def test_the_registry_suggests_only_implemented_concepts() -> None:
    implemented = set(list_implementations())
    with pytest.raises(UnknownImplementationError) as info:
        get_implementation("layernrom")
    suggestions = info.value.suggestions
    assert suggestions[0] == "Layer Normalization"
    names = concept_names()
    assert all(set(names.resolve(name)) & implemented for name in suggestions)
    assert "Layer" not in suggestions  # a concept without an implementation is never suggested here


def test_the_registry_reads_written_forms() -> None:
    assert get_implementation("nn.LayerNorm").concept == "layer-normalization"
    assert get_implementation("torch.optim.AdamW").concept == "adamw"
    assert get_implementation("Adam optimizer").concept == "adam"
