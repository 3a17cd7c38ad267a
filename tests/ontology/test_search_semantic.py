"""Semantic and hybrid search with the real all-MiniLM-L6-v2 model (loaded once for the module)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ontology.namespaces import CONCEPT
from ontology.search import MatchKind, SearchIndex, SearchMode, list_documents
from ontology.search.semantic import MIN_SIMILARITY, VectorCache, content_hash, embed
from ontology.vocabulary import Vocabulary

NORMALIZATION = "normalization that doesn't depend on batch size"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("vectors")


@pytest.fixture(scope="module")
def index(vocab: Vocabulary, cache_dir: Path) -> SearchIndex:
    built = SearchIndex(vocab.store, cache_dir=cache_dir)
    built.preload()
    return built


def _slugs(index: SearchIndex, text: str, mode: SearchMode, first: int = 5) -> list[str]:
    return [hit.iri.rsplit("/", 1)[1] for hit in index.search(text, first, mode)]


def test_vectors_are_cached_by_content_hash(vocab: Vocabulary, index: SearchIndex, cache_dir: Path) -> None:
    concepts = len(vocab.names.kinds)
    texts = {text for doc in list_documents(vocab.store) if doc.kind == "concept" for text in doc.semantic_texts}
    assert concepts < len(texts) <= 2 * concepts  # a whole text and a definition per concept
    assert index.semantic.computed == len(texts)  # every distinct text embedded once, in a fresh cache
    again = SearchIndex(vocab.store, cache_dir=cache_dir)
    again.preload()
    assert again.semantic.computed == 0
    assert again.semantic.get_vectors().shape == (2 * concepts, 384)
    np.testing.assert_array_equal(again.semantic.get_vectors(), index.semantic.get_vectors())
    rows, vectors = VectorCache(cache_dir).read()
    assert vectors.shape == (len(texts), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert content_hash("x") != content_hash("y") and len(content_hash("x")) == 32 and len(rows) == len(texts)


def test_a_concept_is_as_close_as_its_closer_text(vocab: Vocabulary, index: SearchIndex) -> None:
    docs = {doc.iri: doc for doc in list_documents(vocab.store)}
    (hit,) = index.search("randomly zero activations during training", 1, SearchMode.SEMANTIC)
    whole, definition = docs[hit.iri].semantic_texts
    expected = (embed([whole, definition]) @ embed(["randomly zero activations during training"])[0]).max()
    assert hit.score == pytest.approx(float(expected), abs=1e-3)
    assert hit.matched in (whole[:160], definition[:160])


@pytest.mark.parametrize(
    ("question", "concept"),
    [
        ("randomly zero activations during training", "dropout"),
        ("share key/value heads to shrink the KV cache", "grouped-query-attention"),
        ("the loss for class imbalance in detection", "focal-loss"),
        ("warm up the learning rate then decay it", "linear-warmup"),
    ],
)
def test_a_paraphrase_finds_its_concept(index: SearchIndex, question: str, concept: str) -> None:
    hits = index.search(question, 5, SearchMode.SEMANTIC)
    assert concept in [h.iri.rsplit("/", 1)[1] for h in hits]
    assert all(h.why[0].kind is MatchKind.SEMANTIC and h.score == h.why[0].score >= MIN_SIMILARITY for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_hybrid_fuses_both_and_says_why(index: SearchIndex) -> None:
    hits = index.search(NORMALIZATION, 5)
    slugs = [h.iri.rsplit("/", 1)[1] for h in hits]
    assert {"layer-normalization", "group-normalization"} <= set(slugs)
    kinds = {r.kind for r in hits[slugs.index("layer-normalization")].why}
    assert {MatchKind.NAME, MatchKind.DEFINITION, MatchKind.SEMANTIC} <= kinds
    assert all(0 < h.score <= 1 for h in hits)


def test_modes_differ_and_repeat(index: SearchIndex) -> None:
    by_mode = {mode: _slugs(index, NORMALIZATION, mode, 10) for mode in (SearchMode.HYBRID, SearchMode.LEXICAL, SearchMode.SEMANTIC)}
    assert len({tuple(v) for v in by_mode.values()}) == 3
    assert all(_slugs(index, NORMALIZATION, mode, 10) == slugs for mode, slugs in by_mode.items())


def test_hybrid_keeps_typos_and_names(index: SearchIndex) -> None:
    assert str(CONCEPT["layer-normalization"]) in [h.iri for h in index.search("layernrom", 3)]
    assert _slugs(index, "adam", SearchMode.HYBRID, 1) == ["adam"]
    assert len(index.search("x" * 10_000, 10)) <= 10 and index.search("!!!", 10, SearchMode.LEXICAL) == []


def test_a_cache_of_another_layout_is_recomputed_not_fatal(tmp_path: Path) -> None:
    """An older cache stored the hashes as ``S32`` strings (trailing NUL bytes dropped): it reads as empty, then is replaced."""
    cache = VectorCache(tmp_path)
    cache.path.parent.mkdir(parents=True)
    hashes = [content_hash("a"), b"\x01" * 31 + b"\x00"]  # the second loses its last byte as S32
    np.savez(cache.path, hashes=np.array(hashes, dtype="S32"), vectors=np.ones((2, 384), dtype=np.float32))
    rows, vectors = cache.read()
    assert rows == {} and vectors.shape == (0, 384)
    cache.write(hashes, np.ones((2, 384), dtype=np.float32))
    rows, vectors = cache.read()
    assert rows == {hashes[0]: 0, hashes[1]: 1} and vectors.shape == (2, 384)
