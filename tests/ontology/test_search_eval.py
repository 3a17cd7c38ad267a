"""The search evaluation set (``tests/data/search_eval.yaml``, issue #16) and its 20-question subset.

The whole set is scored by ``benchmarks/bench_search.py``; here the set is checked against the
built-in graph and the subset is asked in HYBRID mode, with a threshold.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from ontology.namespaces import CONCEPT
from ontology.search import SearchIndex, SearchMode
from ontology.vocabulary import Vocabulary

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))  # bench_search imports its siblings by name
from bench_search import failures, load_questions, score

QUESTIONS = load_questions()
SUBSET = [q for q in QUESTIONS if q.subset]
KINDS = {"layer", "attention", "optimizer", "loss", "schedule", "regularizer", "architecture", "training-technique"}
KINDS |= {"activation", "normalization", "embedding", "generative"}
MIN_PER_KIND = 8
# Issue #16's goals for the whole set (benchmarks/bench_search.py) are recall@5 >= 0.9 and MRR >= 0.7.
# Hybrid search gets recall@5 1.00 and MRR 0.93 on this subset, so the same figures as thresholds sit a
# little under it: two of the 20 questions may drop out of the top 5 (0.05 each) before the test fails.
SUBSET_RECALL_AT_5 = 0.9
SUBSET_MRR = 0.7


@pytest.fixture(scope="module")
def index(vocab: Vocabulary) -> SearchIndex:
    """The built-in graph's search index with the embedding model loaded (~8 s, once)."""
    search_index = vocab.search_index
    search_index.preload()
    return search_index


def test_every_answer_is_a_concept_of_the_builtin_graph(vocab: Vocabulary) -> None:
    unknown = sorted({slug for q in QUESTIONS for slug in q.answers if vocab.concept_by_id(slug) is None})
    assert unknown == []


def test_the_set_is_large_and_spread_over_every_kind() -> None:
    per_kind = Counter(q.kind for q in QUESTIONS)
    assert len(QUESTIONS) >= 80
    assert set(per_kind) == KINDS
    assert min(per_kind.values()) >= MIN_PER_KIND, per_kind
    assert len({q.text.casefold() for q in QUESTIONS}) == len(QUESTIONS)  # no question twice
    assert all(q.answers and len(set(q.answers)) == len(q.answers) for q in QUESTIONS)


def test_the_subset_has_20_questions_covering_every_kind() -> None:
    assert len(SUBSET) == 20
    assert {q.kind for q in SUBSET} == KINDS


def test_no_question_names_its_intended_concept(vocab: Vocabulary) -> None:
    labels = {q.text: vocab.label(str(CONCEPT[q.answers[0]])) for q in QUESTIONS}
    assert [text for text, label in labels.items() if label.casefold() in text.casefold()] == []


def test_hybrid_search_answers_the_subset(index: SearchIndex) -> None:
    scores = score(index, SUBSET, SearchMode.HYBRID)
    assert scores.recall_at(5) >= SUBSET_RECALL_AT_5, failures(scores, SUBSET)
    assert scores.mrr >= SUBSET_MRR, failures(scores, SUBSET, k=1)
