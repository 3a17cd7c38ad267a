"""Lexical, typo-tolerant and fused search on the built-in graph (no embedding model needed here)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from ontology.namespaces import CONCEPT, PAPER
from ontology.search import MatchKind, ModelLoadingError, SearchIndex, SearchMode, list_documents
from ontology.search.documents import NodeDocument, split_words
from ontology.search.fuzzy import RARE_TRIGRAMS, FuzzyIndex
from ontology.search.hybrid import RRF_K, best_of, combine, fuse, scale
from ontology.search.lexical import LexicalIndex, fts_query, query_words
from ontology.search.types import MatchReason, Ranked
from ontology.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    '"',
    '"unbalanced',
    "NEAR(",
    "NEAR(a b",
    "*",
    "a*",
    "^",
    ":",
    "-",
    "(",
    ")",
    "AND",
    "OR NOT",
    "x" * 10_000,
    "!!!",
    "'; DROP TABLE docs; --",
    "\x00",
    "🙂",
    "name:adam",  # FTS5 column filters
    "{name alias}: adam",
]


@pytest.fixture(scope="module")
def index(vocab: Vocabulary, tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return SearchIndex(vocab.store, cache_dir=tmp_path_factory.mktemp("cache"))


def _slugs(index: SearchIndex, text: str, mode: SearchMode, first: int = 5) -> list[str]:
    return [hit.iri.rsplit("/", 1)[1] for hit in index.search(text, first, mode)]


def test_documents_hold_every_field(vocab: Vocabulary) -> None:
    docs = {d.iri: d for d in list_documents(vocab.store)}
    layer_norm = docs[str(CONCEPT["layer-normalization"])]
    assert layer_norm.kind == "concept" and layer_norm.name == "Layer Normalization"
    assert "LayerNorm" in layer_norm.aliases and "batch" in layer_norm.definition
    assert layer_norm.when_to_use and not any(item[:1].isdigit() for item in layer_norm.when_to_use)  # "01. " dropped
    assert layer_norm.paper_titles == ("Layer Normalization",)
    assert docs[str(CONCEPT["selu"])].formula_words == "SELU else exp"
    assert docs[str(PAPER["vaswani2017-transformer"])].name == "Attention Is All You Need"
    assert split_words("LayerNorm") == "LayerNorm Layer Norm" and split_words("Adam") == "Adam"


def test_user_text_becomes_quoted_words_only() -> None:
    assert query_words("Normalization that doesn't depend on BATCH size") == ["normalization", "depend", "batch", "size"]
    assert fts_query(query_words('NEAR("x" b*) AND c')) == '"near" OR "x" OR "b" OR "c"'
    assert fts_query(['say"hi']) == '"say""hi"'
    assert len(query_words(" ".join(f"w{i}" for i in range(100)))) == 32


def test_lexical_answers_a_description(index: SearchIndex) -> None:
    top = _slugs(index, "normalization that doesn't depend on batch size", SearchMode.LEXICAL)
    assert {"layer-normalization", "group-normalization"} <= set(top)
    assert _slugs(index, "the loss for class imbalance in detection", SearchMode.LEXICAL, 1) == ["focal-loss"]
    assert _slugs(index, "adam", SearchMode.LEXICAL, 2) == ["adam", "adamw"]


def test_typos_still_find_names(index: SearchIndex) -> None:
    assert _slugs(index, "layernrom", SearchMode.LEXICAL, 1) == ["layer-normalization"]
    (hit,) = index.search("layernrom", 1, SearchMode.FUZZY)
    assert hit.iri == str(CONCEPT["layer-normalization"]) and hit.matched == "LayerNorm" and hit.score == 0.8889
    assert hit.why == (MatchReason(MatchKind.SIMILAR_NAME, "LayerNorm", 0.8889),)


def test_each_hit_says_where_it_matched(index: SearchIndex) -> None:
    hits = {h.iri: h for h in index.search("Attention Is All You Need", 2, SearchMode.LEXICAL)}
    assert hits.keys() == {str(PAPER["vaswani2017-transformer"]), str(CONCEPT["transformer"])}  # the paper, and the concept by its alias
    (title,) = hits[str(PAPER["vaswani2017-transformer"])].why  # BM25's and the fuzzy match's NAME reasons, merged
    assert (title.kind, title.text) == (MatchKind.NAME, "Attention Is All You Need") and title.score > 1  # a BM25 score
    hits = {h.iri: h for h in index.search("batch norm", 3, SearchMode.LEXICAL)}
    why = hits[str(CONCEPT["batch-normalization"])].why
    assert [r.kind for r in why][:3] == [MatchKind.NAME, MatchKind.ALIAS, MatchKind.DEFINITION]
    assert why[0].text == "Batch Normalization" and "BatchNorm" in why[1].text.split(", ")
    assert all(0 < h.score <= 1 for h in hits.values())


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("mode", [SearchMode.LEXICAL, SearchMode.FUZZY])
def test_hostile_text_never_raises(index: SearchIndex, text: str, mode: SearchMode) -> None:
    hits = index.search(text, 10, mode)
    assert len(hits) <= 10 and all(0 < h.score <= 1 for h in hits)


def test_empty_and_zero_give_nothing(index: SearchIndex) -> None:
    assert index.search("", 10) == [] and index.search("   ", 10) == [] and index.search("adam", 0) == []
    assert index.search("!!!", 10, SearchMode.LEXICAL) == []


def test_search_is_deterministic(index: SearchIndex) -> None:
    assert index.search("attention over keys", 20, SearchMode.LEXICAL) == index.search("attention over keys", 20, SearchMode.LEXICAL)


def test_reciprocal_rank_fusion() -> None:
    reason = MatchReason(MatchKind.NAME, "A", 1.0)
    first = [Ranked("a", 9.0, (reason,)), Ranked("b", 5.0, ())]
    second = [Ranked("b", 0.9, (MatchReason(MatchKind.SEMANTIC, "B", 0.9),)), Ranked("c", 0.8, ())]
    fused = fuse([first, second], 10)
    best = 2 / (RRF_K + 1)
    assert [r.iri for r in fused] == ["b", "a", "c"]
    assert fused[0].score == round((1 / (RRF_K + 2) + 1 / (RRF_K + 1)) / best, 4)
    assert fused[1].score == round(1 / (RRF_K + 1) / best, 4) == 0.5 and fused[1].why == (reason,)
    assert fuse([first, first], 1) == [Ranked("a", 1.0, (reason,))] and fuse([], 3) == []


def test_convex_combination_of_scores() -> None:
    name, passage = MatchReason(MatchKind.NAME, "A", 8.0), MatchReason(MatchKind.SEMANTIC, "B", 0.9)
    bm25 = [Ranked("a", 8.0, (name,)), Ranked("b", 2.0, ())]
    cosine = [Ranked("b", 0.9, (passage,)), Ranked("c", 0.45, ())]
    assert [r.score for r in scale(bm25)] == [1.0, 0.25] and scale([]) == []
    combined = combine([scale(bm25), cosine], (0.4, 0.6), 10)
    assert [(r.iri, r.score) for r in combined] == [("b", round(0.4 * 0.25 + 0.6 * 0.9, 4)), ("a", 0.4), ("c", 0.27)]
    assert combined[0].why == (passage,) and combined[1].why == (name,)
    assert combine([scale(bm25), []], (0.4, 0.6), 1) == [Ranked("a", 0.4, (name,))]


def test_best_of_keeps_each_nodes_highest_score() -> None:
    similar = MatchReason(MatchKind.SIMILAR_NAME, "A", 0.9)
    best = best_of([scale([Ranked("a", 4.0, ()), Ranked("b", 3.0, ())]), [Ranked("b", 0.9, (similar,))]], 10)
    assert best == [Ranked("a", 1.0, ()), Ranked("b", 0.9, (similar,))]


def test_lexical_search_never_imports_torch() -> None:
    script = (
        "import sys\nfrom loaders.builtin import load_builtin\nfrom ontology.store import GraphStore\n"
        "from ontology.search import SearchIndex, SearchMode\nstore = GraphStore()\nload_builtin(store)\n"
        "hits = SearchIndex(store).search('layer norm', 3, SearchMode.LEXICAL)\nprint(len(hits), 'torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["3", "False"]


def test_a_bounded_wait_for_the_model_is_refused_not_held(vocab: Vocabulary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = SearchIndex(vocab.store, cache_dir=tmp_path)
    loaded = threading.Event()
    monkeypatch.setattr(index.semantic, "get_vectors", lambda: loaded.wait(60) and np.zeros((1, 384), dtype=np.float32))
    for mode in (SearchMode.HYBRID, SearchMode.SEMANTIC):
        with pytest.raises(ModelLoadingError, match="still loading"):
            index.search("layernrom", 5, mode, model_wait_s=0.01)
    assert index.search("layernrom", 1, SearchMode.LEXICAL, model_wait_s=0.01)[0].iri == str(CONCEPT["layer-normalization"])
    loaded.set()
    assert index.semantic.wait_ready(60) is True


def _doc(i: int, name: str, definition: str = "") -> NodeDocument:
    return NodeDocument(f"urn:x:{i}", "concept", name, definition=definition)


def test_fuzzy_candidates_come_from_the_rarest_trigrams_so_common_ones_do_not_flood_them() -> None:
    docs = [_doc(i, f"Attention Variant {i:04d}") for i in range(400)] + [_doc(400, "Layer Normalization Gating")]
    fuzzy = FuzzyIndex(docs)
    rare = fuzzy.rare_trigrams("layernrmalizationgating")
    assert len(rare) == RARE_TRIGRAMS and not {"tio", "ion"} & set(rare)  # both are in all 401 labels
    assert fuzzy.rank("layer nrmalization gating", 3)[0].iri == "urn:x:400"
    assert fuzzy.rare_trigrams("qqqzzz") == []  # no known trigram: no candidates


def test_a_word_in_most_nodes_is_dropped_when_a_rarer_one_is_there() -> None:
    docs = [_doc(i, f"Node {i}", "a layer of a network") for i in range(20)] + [_doc(20, "Gating", "a layer with a sigmoid gate")]
    lexical = LexicalIndex(docs)
    assert lexical.count_nodes_with("layer") == 21 and lexical.count_nodes_with("gate") == 1
    assert lexical.selective_words(["layer", "gate"]) == ["gate"]
    assert lexical.selective_words(["layer", "network"]) == ["layer", "network"]  # none rarer: all kept
    assert [r.iri for r in lexical.rank("which layer has a gate", 2)] == ["urn:x:20"]
