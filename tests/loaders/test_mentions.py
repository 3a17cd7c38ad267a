"""Passing mentions of the guide resolve; notes that name a concept have an edge to it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from loaders.curated import load_curated
from loaders.mentions import PaperIndex, extract_mentions, names_in
from ontology.names import NameIndex, normalise
from ontology.namespaces import CONCEPT, MODEL, PAPER
from ontology.vocabulary import Vocabulary
from tests.conftest import ROOT, SEED_GUIDE, shared_file

CHECKED = yaml.safe_load((ROOT / "tests" / "data" / "passing_mentions.yaml").read_text(encoding="utf-8"))
ROWS: list[dict[str, Any]] = CHECKED["mentions"]
DOC = ROOT / "docs" / "passing-mentions.md"
CITATION = re.compile(r"\S+ \d{4}")

# Concepts whose names are everyday words in notes ("the encoder side", "a batch", "weight decay of …"):
# a note using the word is not a claim about that concept, so no edge is required.
GENERIC_WORDS = frozenset(
    [
        "token",
        "layer",
        "gradient",
        "vector",
        "sequence",
        "batch",
        "zero",
        "inference",
        "sparse",
        "linear",
        "loss-function",
        "encoder",
        "decoder",
        "transformer-encoder",
        "transformer-decoder",
        "tensor",
        "neuron",
        "parameter",
        "feature",
        "head",
        "dense",
        "attention",
        "training",
        "weight",
        "embedding",
        "convolution",
        "bias",
        "activation-function",
        "neural-network",
        "learning-rate",
        "overfitting",
        "regularization",
        "fine-tuning",
        "kernel",
    ]
)
# A word of the note that is also a concept's name in another sense: (concept, named concept).
HOMONYMS = frozenset({("causal-attention", "lookahead"), ("lamb", "clip")})


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


@pytest.fixture(scope="module")
def papers(vocab: Vocabulary) -> PaperIndex:
    return PaperIndex(vocab)


def test_every_concept_mention_resolves_to_its_concept(vocab: Vocabulary) -> None:
    rows = [row for row in ROWS if "concept" in row]
    assert len(rows) > 400
    wrong = [(row["term"], sorted(vocab.names.resolve(row["term"]))) for row in rows]
    expected = [(row["term"], sorted(str(CONCEPT[slug]) for slug in _as_list(row["concept"]))) for row in rows]
    assert wrong == expected


def test_every_paper_mention_resolves_to_its_paper(papers: PaperIndex) -> None:
    rows = [row for row in ROWS if "paper" in row]
    assert len(rows) > 150
    found = {
        row["term"]: papers.cited(row["term"]) if CITATION.fullmatch(row["term"]) else papers.titled(row["term"], row.get("citation"))
        for row in rows
    }
    assert found == {row["term"]: sorted(str(PAPER[slug]) for slug in _as_list(row["paper"])) for row in rows}


def test_model_mentions_name_models_and_aliases_name_existing_concepts(vocab: Vocabulary) -> None:
    models = {row["term"]: vocab.model_names.resolve(row["term"]) for row in ROWS if "model" in row}
    assert models == {row["term"]: [str(MODEL[row["model"]])] for row in ROWS if "model" in row}
    aliases = [row for row in ROWS if "alias_of" in row]
    assert [row["term"] for row in aliases if vocab.concept_by_id(row["alias_of"]) is None] == []


def test_left_out_mentions_have_a_reason_and_are_listed_in_the_doc() -> None:
    doc = DOC.read_text(encoding="utf-8")
    left_out = [row for row in ROWS if "left_out" in row]
    assert left_out, "the left-out list is empty"
    assert [row["term"] for row in left_out if row["left_out"] not in CHECKED["reasons"]] == []
    for key, reason in CHECKED["reasons"].items():
        assert f"### {key}: {reason}" in doc
    assert [row["term"] for row in left_out if f"{row['term'].replace('|', '/')} (L{row['line']})" not in doc] == []
    assert [row["term"] for row in ROWS if "alias_of" in row and f"| {row['term']} | {row['line']} |" not in doc] == []


def test_each_row_has_exactly_one_outcome() -> None:
    outcomes = {"concept", "paper", "model", "alias_of", "left_out"}
    assert [row["term"] for row in ROWS if len(outcomes & row.keys()) != 1] == []


def test_the_checked_list_covers_every_candidate_of_the_guide() -> None:
    mentions = extract_mentions(shared_file(SEED_GUIDE).read_text(encoding="utf-8"))
    assert [(normalise(m.term), m.line) for m in mentions] == [(normalise(row["term"]), row["line"]) for row in ROWS]


def test_extraction_finds_papers_citations_fields_and_terms() -> None:
    text = 'x\nRelated terms: Pruning, structured sparsity\nPapers: "Drop an Octave" (Chen et al., 2019). GQA, then a Tree of Thought.'
    assert [(m.term, m.line, m.how, m.citation) for m in extract_mentions(text)] == [
        ("Pruning", 2, "field", None),
        ("structured sparsity", 2, "field", None),
        ("Drop an Octave", 3, "paper", "Chen 2019"),
        ("Chen 2019", 3, "citation", None),
        ("Tree of Thought", 3, "capitalised", None),
        ("GQA", 3, "acronym", None),
    ]


def test_names_in_prefers_the_longest_name() -> None:
    index = NameIndex.from_labels([("a", "Layer Normalization", True), ("b", "Layer", True), ("c", "GELU", True)])
    assert names_in("uses layer normalization, then GELU", index) == {"a", "c"}
    assert names_in("a plain layer", index) == {"b"}


def _edges() -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    for concept in load_curated().concepts.values():
        for other in [*concept.broader, *concept.related, *(p.concept for p in concept.pairs_with)]:
            edges |= {(concept.id, other), (other, concept.id)}
    return edges


def test_every_note_that_names_a_concept_has_an_edge_to_it(vocab: Vocabulary) -> None:
    data = load_curated()
    edges = _edges()
    missing: list[str] = []
    for concept in data.concepts.values():
        notes = [p.note for p in concept.pairs_with if p.note] + ([concept.status_note] if concept.status_note else [])
        for note in notes:
            for iri in names_in(note, vocab.names):
                named = iri.rsplit("/", 1)[-1]
                if named != concept.id and named not in GENERIC_WORDS and (concept.id, named) not in HOMONYMS | edges:
                    missing.append(f"{data.origin[('concept', concept.id)]}: {concept.id} → {named}: {note}")
    assert missing == []


def test_new_concepts_cite_a_guide_line_that_mentions_them() -> None:
    lines = shared_file(SEED_GUIDE).read_text(encoding="utf-8").split("\n")
    data = load_curated(Path(ROOT / "ontology" / "data" / "curated"))
    added = [c for c in data.concepts.values() if data.origin[("concept", c.id)] == "mentions.yaml"]
    assert len(added) >= 40
    unmentioned = []
    for concept in added:
        keys = {normalise(name) for name in [concept.name, *concept.alt_names]}
        texts = [normalise(lines[s.line - 1]) for s in concept.sources if s.line]
        if not any(key in text for key in keys for text in texts):
            unmentioned.append(concept.id)
    assert unmentioned == []
