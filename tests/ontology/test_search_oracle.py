"""What search computes in Python against what SQLite FTS5 computed before (the oracle).

The passages: each field FTS5's ``snippet()`` says matched (it marks a word) must be found matched in
Python, with the very same snippet, and no other field: over the evaluation questions' ten best hits
on the built-in graph, and over made-up fields built to reach the algorithm's corners.

The typo-tolerant candidates: the labels an FTS5 ``trigram`` table ranks first by BM25.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

import pytest

from ontology.names import normalise
from ontology.search.documents import NodeDocument, list_documents
from ontology.search.fuzzy import CANDIDATES, MAX_COMPACT_CHARS, FuzzyIndex
from ontology.search.lexical import FIELDS, LexicalIndex, fts_query, query_words
from ontology.search.snippets import snippet
from ontology.search.types import MatchKind
from ontology.vocabulary import Vocabulary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))  # bench_search imports its siblings by name
from bench_search import load_questions

MARKS = ("\x02", "\x03")
ORACLE = (
    "SELECT "
    + ", ".join(f"snippet(docs, {column}, char(2), char(3), '…', 12)" for column in range(len(FIELDS)))
    + " FROM docs WHERE docs MATCH ? AND rowid = ?"
)


Snippets = dict[MatchKind, str]


def _differences(lexical: LexicalIndex, text: str, iris: list[str]) -> tuple[int, list[tuple[str, Snippets, Snippets]]]:
    """How many matched fields FTS5 found for ``text`` in ``iris``, and the nodes whose Python snippets differ from them."""
    query = fts_query(lexical.selective_words(query_words(text)))
    matched = lexical.matched_fields(text, iris)
    compared, differing = 0, []
    for iri in iris:
        rows = lexical._db.fetch(ORACLE, (query, lexical._rowids[iri]))  # the table itself: only a test asks it for snippets
        expected = {kind: str(s) for kind, s in zip(FIELDS, rows[0], strict=True) if MARKS[0] in str(s)} if rows else {}
        made = {kind: snippet(field, found, MARKS) for kind, field, found in matched.get(iri, [])}
        compared += len(expected)
        if made != expected:
            differing.append((iri, expected, made))
    return compared, differing


def test_the_snippets_of_the_evaluation_questions_hits_are_fts5s(vocab: Vocabulary) -> None:
    lexical = vocab.search_index.lexical
    compared = 0
    for question in load_questions():
        count, differing = _differences(lexical, question.text, [hit.iri for hit in lexical.rank(question.text, 10)])
        assert differing == [], question.text
        compared += count
    assert compared > 500


LONG = (
    "A first sentence without the words. The gradient flows back: every layer gets its share of the gradient, "
    "layer after layer, until the input. Then the batch statistics are kept for inference; normalizing them "
    "helps. Normalization, normalized, normalizes: one stem. Café, naïve and Ünïcode words are words too."
)
DOCS = [
    NodeDocument("urn:x:0", "concept", "Gradient Layer", aliases=("GradLayer", "Layer of Gradients"), definition=LONG),
    NodeDocument("urn:x:1", "concept", "Batch_Norm", aliases=tuple(f"Batch Alias {i}" for i in range(8)), definition="batch norm batch"),
    NodeDocument(
        "urn:x:2",
        "concept",
        "Plain",
        when_to_use=("01. When the layer is deep.", "When the gradient vanishes"),
        formula_words="Layer gradient",
    ),
    NodeDocument("urn:x:3", "paper", "Layer Gradient Batch Normalization Café Statistics Paper Title With Many Words In It"),
]


@pytest.mark.parametrize(
    "text",
    [
        "gradient layer",
        "batch statistics inference",
        "batch_norm",
        "normalize",
        "cafe naive unicode",
        "layer gradient batch input share words",
        "alias 7 batch",
        "deep vanishes",
        "the words",
    ],
)
def test_the_snippets_of_made_up_fields_are_fts5s(text: str) -> None:
    lexical = LexicalIndex(DOCS)
    compared, differing = _differences(lexical, text, [doc.iri for doc in DOCS])
    assert differing == [] and compared > 0


def _typo(text: str, rng: random.Random) -> str:
    at = rng.randrange(max(len(text) - 1, 1))
    return text[:at] + text[at + 1 :] if rng.random() < 0.5 else text[:at] + text[at + 1 : at + 2] + text[at : at + 1] + text[at + 2 :]


def test_fuzzy_candidates_are_those_an_fts5_trigram_table_ranks_first(vocab: Vocabulary) -> None:
    docs = list_documents(vocab.store)
    fuzzy = FuzzyIndex(docs)
    table = sqlite3.connect(":memory:")
    table.execute("CREATE VIRTUAL TABLE names USING fts5(compact, tokenize='trigram')")
    table.executemany("INSERT INTO names(rowid, compact) VALUES (?, ?)", enumerate(normalise(label) for label in fuzzy.labels))
    rng = random.Random(7)
    names = [doc.name for doc in docs]
    texts = [q.text for q in load_questions()] + rng.sample(names, 300) + [_typo(name, rng) for name in rng.sample(names, 300)]
    compared = 0
    for text in texts:
        grams = fuzzy.rare_trigrams(normalise(text)[:MAX_COMPACT_CHARS])
        if grams:
            query = " OR ".join(f'"{gram}"' for gram in sorted(grams))
            expected = [
                row for (row,) in table.execute("SELECT rowid FROM names WHERE names MATCH ? ORDER BY rank LIMIT ?", (query, CANDIDATES))
            ]
            assert fuzzy.candidates(grams) == expected, text
            compared += 1
    assert compared > 600
