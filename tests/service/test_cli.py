from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    monkeypatch.delenv("NNV_STORE", raising=False)


def test_concept_by_name_alias_and_case_gives_the_same_card() -> None:
    outputs = [runner.invoke(app, ["concept", name, "--json"]) for name in ("grouped query attention", "GQA", "gqa")]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    cards = [json.loads(r.output) for r in outputs]
    assert cards[0] == cards[1] == cards[2]
    assert cards[0]["name"] == "Grouped-Query Attention"
    text = runner.invoke(app, ["concept", "gqa"]).output
    assert "Ainslie" in text and "2023" in text and "Mistral 7B" in text


def test_unknown_concept_suggests_and_exits_1() -> None:
    result = runner.invoke(app, ["concept", "layernrom"])
    assert result.exit_code == 1
    assert "did you mean" in result.output and "Layer Normalization" in result.output
    assert "Traceback" not in result.output


def test_pairs_for_transformer() -> None:
    result = runner.invoke(app, ["pairs", "--layer", "Transformer", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    optimizers = {row["optimizer"] for row in rows}
    assert {"adamw", "lion", "sophia"} <= optimizers
    assert all(row["note"] for row in rows if row["optimizer"] in ("adamw", "lion", "sophia"))


def test_stats_query_export_validate() -> None:
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    assert stats["concepts"] >= 330
    rows = json.loads(runner.invoke(app, ["query", "SELECT ?l WHERE { concept:adamw skos:prefLabel ?l }", "--json"]).output)
    assert rows == [{"l": "AdamW"}]
    assert runner.invoke(app, ["query", "SELEKT"]).exit_code == 1
    exported = runner.invoke(app, ["export", "--format", "nt"])
    assert exported.exit_code == 0 and "<https://w3id.org/nnvocab/concept/adamw>" in exported.output
    validated = runner.invoke(app, ["validate"])
    assert validated.exit_code == 0 and "0 violations" in validated.output


def test_load_into_on_disk_store_and_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNV_STORE_PATH", str(tmp_path / "db"))
    assert runner.invoke(app, ["build"]).exit_code == 0
    before = json.loads(runner.invoke(app, ["stats", "--json"]).output)["triples"]
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:broken ex:p\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(bad)])
    assert result.exit_code == 1 and "bad.ttl" in result.output
    assert json.loads(runner.invoke(app, ["stats", "--json"]).output)["triples"] == before
    good = tmp_path / "good.txt"
    good.write_text("Tag: demo\n1 topic(s)\n- Frobnicated AttentionFrobnicated attention mixes heads by frobnication.\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(good)])
    assert result.exit_code == 0 and "added 1" in result.output
    card = runner.invoke(app, ["concept", "frobnicated attention", "--json"])
    assert json.loads(card.output)["sources"][0]["document"] == "good.txt"


def test_instantiate_smoke_and_coverage_commands() -> None:
    made = runner.invoke(app, ["instantiate", "gqa", "--arg", "embed_dim=32", "--arg", "num_heads=8", "--arg", "num_kv_heads=2"])
    assert made.exit_code == 0, made.output
    assert "GroupedQueryAttention" in made.output and "parameters:" in made.output
    bad = runner.invoke(app, ["instantiate", "linear", "--arg", "colour=red"])
    assert bad.exit_code == 1 and "accepted" in bad.output
    smoked = runner.invoke(app, ["smoke", "rmsnorm", "--json"])
    assert smoked.exit_code == 0 and json.loads(smoked.output)[0]["ok"] is True
    coverage = runner.invoke(app, ["coverage", "--json"])
    assert coverage.exit_code == 0
    assert all(row["reason"] for row in json.loads(coverage.output))
