"""``nnvocab pairs``: document titles, sources and notes said once, word-wrapped at 80 and 120 columns, complete JSON."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from implementations.pairing.protocol import Phase
from ontology.namespaces import SEED_GUIDE, SEED_TAGS, document_title
from ontology.pairs import PairView, list_pairs
from ontology.store import GraphStore
from ontology.views import SourceView, slug_of
from ontology.vocabulary import Vocabulary
from service.cli import app
from service.cli.pairs import WIDE_COLUMNS, describe_sources, distinct_notes, distinct_sources, pair_evidence, pairs_json, print_pairs
from service.pairing_evidence import evidence_json, get_evidence
from service.sweeps import record_trial
from tests.service.pairing_fakes import GNN_FINALS, make_trials

ROOT = Path(__file__).resolve().parents[2]
HASHED_NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
SUMMARY = "Summary Table: Layer → Optimizer Pairing"


@pytest.fixture(scope="module")
def pairs(vocab: Vocabulary) -> list[PairView]:
    return list_pairs(vocab.store)


def render(vocab: Vocabulary, found: list[PairView], width: int) -> list[str]:
    out = io.StringIO()
    print_pairs(Console(file=out, width=width, color_system=None), vocab, found, get_evidence(vocab.store))
    return out.getvalue().splitlines()


def table_rows(lines: list[str]) -> dict[str, list[str]]:
    """Each row of a rendered table by the words of its first column: the words of each other column."""
    header = next(line for line in lines if "note" in line)
    starts = [0, header.index("verdict"), header.index("note"), *[match.start() for match in re.finditer(r"(?<!and )source", header)], None]
    body = lines[lines.index(next(line for line in lines if set(line.strip()) == {"─"})) + 1 :]
    rows: dict[str, list[str]] = {}
    for block in "\n".join(line if line.strip() else "" for line in body).split("\n\n"):
        columns = [" ".join(" ".join(line[a:b] for line in block.splitlines()).split()) for a, b in itertools.pairwise(starts)]
        rows[columns[0]] = columns[1:]
    return rows


def test_documents_are_shown_by_title() -> None:
    assert document_title(SEED_GUIDE) == "NN Vocabulary guide"
    assert document_title(SEED_TAGS) == "architecture tag page"
    assert document_title("arXiv:1701.07875") == "arXiv:1701.07875"


def test_a_line_cited_with_and_without_its_section_is_one_source() -> None:
    cited = [
        SourceView(SEED_GUIDE, None, 5969),
        SourceView(SEED_GUIDE, SUMMARY, 5969),
        SourceView(SEED_GUIDE, "Optimization Algorithms", 2933),
    ]
    assert distinct_sources(cited) == [SourceView(SEED_GUIDE, "Optimization Algorithms", 2933), SourceView(SEED_GUIDE, SUMMARY, 5969)]
    assert describe_sources(cited) == f"NN Vocabulary guide, line 2933 (Optimization Algorithms); line 5969 ({SUMMARY})"
    assert describe_sources([SourceView("arXiv:1701.07875", "Algorithm 1"), SourceView(SEED_TAGS, None, 12)]) == (
        "arXiv:1701.07875, Algorithm 1\narchitecture tag page, line 12"
    )


def test_a_note_that_repeats_an_earlier_one_is_dropped() -> None:
    gnn = [
        "summary table: Adam for GNNs, with node-level normalization",
        "the layer → optimizer table recommends Adam for GNNs, with node-level normalization",
    ]
    assert distinct_notes(gnn) == gnn[:1]
    lion = [
        "summary table: Lion is a recommended optimizer for Transformers, with warmup then cosine decay",
        "listed as a recommended Transformer optimizer in the layer → optimizer table",
    ]
    assert distinct_notes(lion) == lion[:1]
    adagrad = [
        "summary table: Adagrad suits embedding layers because their gradients are sparse",
        "Adagrad's own entry targets word embeddings with rare tokens",
    ]
    assert distinct_notes(adagrad) == adagrad
    assert distinct_notes(["same words", "same words", ""]) == ["same words"]


@pytest.mark.parametrize("width", [80, 120])
def test_every_cell_wraps_at_word_boundaries(vocab: Vocabulary, pairs: list[PairView], width: int) -> None:
    for pair in pairs:
        lines = render(vocab, [pair], width)
        assert max(map(len, lines)) <= width and not any("…" in line for line in lines)
        notes = distinct_notes((pair.note or "").split("; "))
        note = " ".join(f"• {note}" for note in notes) if len(notes) > 1 else " ".join(notes)
        if pair.recipe:
            note += " recipe: " + ", ".join(vocab.label(item.concept) for item in pair.recipe)
        sources = describe_sources(pair.sources)
        measured = pair_evidence(get_evidence(vocab.store), pair)
        verdict = "no runs" if measured is None else str(measured.verdict or "unclaimed")
        columns = [verdict, note, sources] if width >= WIDE_COLUMNS else [verdict, f"{note} source: {sources}"]
        assert table_rows(lines) == {
            " ".join(f"{vocab.label(pair.layer)} → {vocab.label(pair.optimizer)}".split()): [" ".join(c.split()) for c in columns]
        }


@pytest.mark.parametrize("columns", [80, 120])
def test_the_command_reads_at_the_terminal_width(columns: int) -> None:
    env = {**{k: v for k, v in os.environ.items() if k not in ("NNV_STORE", "NNV_STORE_PATH")}, "COLUMNS": str(columns)}
    done = subprocess.run(
        [sys.executable, "-m", "service", "pairs", "--layer", "Transformer"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(map(len, lines)) <= columns and "…" not in done.stdout and not HASHED_NAME.search(done.stdout)
    rows = {pairing: " ".join(columns) for pairing, columns in table_rows(lines).items()}
    assert list(rows) == [f"Transformer → {name}" for name in ("Adam", "AdamW", "LAMB", "Lion", "Sophia")]
    assert all(row.count("NN Vocabulary guide") == 1 for row in rows.values())
    assert rows["Transformer → AdamW"].count("5969") == 1 and "line 2933 (Optimization Algorithms)" in rows["Transformer → AdamW"]
    lion = rows["Transformer → Lion"]
    assert "recommended optimizer for Transformers" in lion and "listed as a recommended" not in lion


def test_json_keeps_every_note_source_and_recipe(vocab: Vocabulary, pairs: list[PairView]) -> None:
    rows = pairs_json(pairs, get_evidence(vocab.store))
    assert [(row["layer"], row["optimizer"]) for row in rows] == [(slug_of(p.layer), slug_of(p.optimizer)) for p in pairs]
    for row, pair in zip(rows, pairs, strict=True):
        assert row["note"] == pair.note and "; ".join(row["notes"]) == (pair.note or "")
        assert [(s["document"], s["section"], s["line"]) for s in row["sources"]] == [(s.document, s.section, s.line) for s in pair.sources]
        assert all(s["title"] == document_title(s["document"]) for s in row["sources"])
        assert [(r["concept"], r["note"], len(r["sources"])) for r in row["recipe"]] == [
            (slug_of(item.concept), item.note, len(item.sources)) for item in pair.recipe
        ]
    gnn = next(row for row in rows if (row["layer"], row["optimizer"]) == ("graph-neural-network", "adam"))
    assert len(gnn["notes"]) == 2 and len(gnn["sources"]) == 2  # everything stored, although the table says it once
    assert any(row["recipe"] for row in rows)


def test_the_json_command_lists_notes_sources_and_recipes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNV_STORE", raising=False)
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    result = CliRunner().invoke(app, ["pairs", "--layer", "LSTM", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["optimizer"] for row in rows] == ["adam", "rmsprop"]
    assert rows[0]["recipe"][0]["concept"] == "gradient-clipping"
    assert rows[0]["sources"] == [{"document": SEED_GUIDE, "title": "NN Vocabulary guide", "section": None, "line": 5970}]


@pytest.fixture(scope="module")
def vocab_with_trials(builtin_store: GraphStore) -> Vocabulary:
    """The built-in graph without its committed protocol run, plus 5 seed runs each of Adam, AdamW and SGD on the GNN task."""
    store = GraphStore()
    store.load(builtin_store.dump("nt"), "nt")
    store.update("DELETE WHERE { ?trial a nnv:PairingTrial ; ?p ?o }")
    for trial in make_trials("graph-neural-network", GNN_FINALS):
        record_trial(store, trial, Phase.SEED)
    return Vocabulary(store)


def test_json_and_table_carry_the_evidence_of_the_claim(monkeypatch: pytest.MonkeyPatch, vocab_with_trials: Vocabulary) -> None:
    monkeypatch.setattr("service.cli.commands._vocab", lambda: vocab_with_trials)
    evidence = get_evidence(vocab_with_trials.store)
    for layer, via in (("graph neural network", None), ("GCN", "graph-neural-network")):
        result = CliRunner().invoke(app, ["pairs", "--layer", layer, "--json"])
        assert result.exit_code == 0, result.output
        rows = {row["optimizer"]: row for row in json.loads(result.output)}
        assert set(rows) == {"adam", "adamw"} and all(row["inferred_via"] == via for row in rows.values())
        for optimizer, row in rows.items():
            assert row["evidence"] == evidence_json(evidence.get("graph-neural-network", optimizer))  # type: ignore[arg-type]
        adam = rows["adam"]["evidence"]
        assert (adam["verdict"], adam["median"], adam["runs"], adam["steps_to_target"], adam["protocol"]) == (
            "supported",
            0.92,
            5,
            200.0,
            "nnv-pairing-2",
        )
    transformer = json.loads(CliRunner().invoke(app, ["pairs", "--layer", "Transformer", "--json"]).output)
    assert transformer and all(row["evidence"] is None for row in transformer)  # no runs on that family
    out = io.StringIO()
    found = list_pairs(vocab_with_trials.store)
    print_pairs(Console(file=out, width=120, color_system=None), vocab_with_trials, found, evidence)
    rows = table_rows(out.getvalue().splitlines())
    assert rows["Graph Neural Network → Adam"][0] == "supported" and rows["Transformer → AdamW"][0] == "no runs"
