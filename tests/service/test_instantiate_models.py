"""Models of the graph run: `nnvocab instantiate MODEL` (scaled down, --arg, --full --meta), their graph links and GraphQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from implementations.architectures.models import MODEL_CONFIGS, scaled_config
from ontology.vocabulary import Vocabulary
from service.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    monkeypatch.delenv("NNV_STORE", raising=False)


def _instantiate(*argv: str) -> dict[str, object]:
    result = runner.invoke(app, ["instantiate", *argv, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_model_name_builds_the_scaled_down_model_and_args_override() -> None:
    built = _instantiate("Llama 2", "--arg", "num_hidden_layers=1")
    assert built["ok"] is True and built["device"] == "cpu"
    assert built["args"] == {**scaled_config("llama-2"), "num_hidden_layers": 1}
    assert built["model"]["model"] == "llama-2" and built["model"]["architecture"] == "llama"  # type: ignore[index]
    assert 0 < built["parameter_count"] < 1_000_000  # type: ignore[operator]


def test_full_meta_reports_the_published_count_without_weights() -> None:
    llama = _instantiate("llama", "--full", "--meta")
    assert llama["device"] == "meta" and llama["parameter_count"] == 6_738_415_616
    assert llama["args"] == dict(MODEL_CONFIGS["llama"].published)
    text = runner.invoke(app, ["instantiate", "resnet-50", "--full", "--meta"])
    assert text.exit_code == 0 and "parameters: 25,557,032 (published: 25,557,032)" in text.output
    assert "meta device" in text.output


def test_full_without_meta_is_refused_above_the_cap_and_a_term_alone_has_no_model() -> None:
    refused = runner.invoke(app, ["instantiate", "llama-3", "--full"])
    assert refused.exit_code == 1 and "exceed the sandbox cap" in refused.output
    no_model = runner.invoke(app, ["instantiate", "mlp", "--full"])
    assert no_model.exit_code == 1 and "no model" in no_model.output
    unknown = runner.invoke(app, ["instantiate", "llama-9"])
    assert unknown.exit_code == 1 and "unknown term" in unknown.output


def test_models_link_to_their_implementation_in_the_graph(vocab: Vocabulary) -> None:
    rows = vocab.store.select(
        "SELECT ?impl ?config WHERE { <https://w3id.org/nnvocab/model/llama-3> nnv:implementation ?impl ; nnv:publishedConfig ?config }"
    )
    assert [str(r["impl"]).rsplit("/", 1)[-1] for r in rows] == ["llama"]
    config = json.loads(str(rows[0]["config"]))
    assert config["published"]["num_key_value_heads"] == 8 and config["parameters"] == 8_030_261_248
    linked = vocab.store.select("SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { ?m a nnv:Model ; nnv:implementation ?i }")[0]["n"]
    assert int(str(linked)) >= 40


def test_graphql_model_has_its_implementation_and_config(gql) -> None:  # type: ignore[no-untyped-def]
    query = '{ model(name: "Mistral 7B") { implementation { id target } config { architecture published parameters note } } }'
    model = gql(query)["data"]["model"]
    assert model["implementation"]["id"] == "llama"
    assert model["config"]["architecture"] == "llama" and model["config"]["parameters"] == "7241732096"
    assert model["config"]["published"]["num_key_value_heads"] == 8 and "sliding" in model["config"]["note"]
    none = gql('{ model(name: "ChatGPT") { implementation { id } config { architecture } } }')["data"]["model"]
    assert none == {"implementation": None, "config": None}
