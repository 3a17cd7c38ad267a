"""``nnvocab search``: the Python API's ranking, as a table or as JSON."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ontology.search import SearchIndex, SearchMode
from ontology.vocabulary import Vocabulary
from service.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    monkeypatch.delenv("NNV_STORE", raising=False)
    monkeypatch.setenv("NNV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cli-search-cache"))


@pytest.fixture(scope="module")
def index(vocab: Vocabulary, tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return SearchIndex(vocab.store, cache_dir=tmp_path_factory.getbasetemp() / "cli-search-cache")


def _json(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["search", *args, "--json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.output)
    return rows


@pytest.mark.parametrize(
    ("text", "mode"), [("layernrom", SearchMode.LEXICAL), ("randomly zero activations during training", SearchMode.HYBRID)]
)
def test_json_gives_the_python_api_hits(index: SearchIndex, text: str, mode: SearchMode) -> None:
    rows = _json(text, "--mode", mode.value, "--first", "5")
    expected = index.search(text, 5, mode)
    assert [(r["rank"], r["iri"], r["score"], r["matched"]) for r in rows] == [
        (i, h.iri, h.score, h.matched) for i, h in enumerate(expected, 1)
    ]
    assert [r["why"] for r in rows] == [[{"kind": w.kind.name, "text": w.text, "score": w.score} for w in h.why] for h in expected]


def test_json_rows_name_each_hit() -> None:
    (row,) = _json("Attention Is All You Need", "--mode", "LEXICAL", "--first", "1")
    assert {k: row[k] for k in ("rank", "kind", "name")} in (
        {"rank": 1, "kind": "paper", "name": "Attention Is All You Need"},
        {"rank": 1, "kind": "concept", "name": "Transformer"},
    )


def test_table_shows_rank_name_kind_score_and_why() -> None:
    result = runner.invoke(app, ["search", "batch norm", "--mode", "lexical", "--first", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if "Batch Normalization" in line)
    assert line.split("│")[1].strip() == "1" and "concept" in line and "name: Batch Normalization" in line


@pytest.mark.parametrize("args", [["adam", "--first", "0"], ["adam", "--mode", "fuzzy"], ["adam", "--first", "101"]])
def test_bad_options_are_usage_errors(args: list[str]) -> None:
    result = runner.invoke(app, ["search", *args])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_hostile_or_empty_text_gives_no_traceback() -> None:
    rows = _json('NEAR("x" *', "--mode", "lexical")  # the words "near" and "x", looked up as words
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1)) and all(0 < float(str(r["score"])) <= 1 for r in rows)
    result = runner.invoke(app, ["search", "!!!", "--mode", "lexical"])
    assert result.exit_code == 0 and "nothing matches '!!!'" in result.output
