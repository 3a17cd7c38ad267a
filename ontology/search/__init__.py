"""Search that answers questions: BM25 over the nodes' fields, typo-tolerant names, sentence embeddings.

``SearchIndex(store).search(text, first, mode)`` ranks concepts, papers and models:

* ``LEXICAL`` fuses BM25 (:mod:`~ontology.search.lexical`) with the typo-tolerant name match
  (:mod:`~ontology.search.fuzzy`) by reciprocal-rank fusion;
* ``SEMANTIC`` ranks by the cosine similarity of sentence embeddings (:mod:`~ontology.search.semantic`);
* ``HYBRID`` (the default) is a convex combination of the lexical score (BM25 divided by the best hit's,
  or the name likeness when higher) and the cosine similarity (:mod:`~ontology.search.hybrid`);
* ``FUZZY`` is the name match alone, its scores in [0, 1].

Every hit says why it matched. The index is built from the store once (:mod:`~ontology.search.documents`)
and never scans the store per query; the embedding model loads on the first query that needs it.
"""

from __future__ import annotations

from pathlib import Path

from ontology.search.documents import NodeDocument, list_documents
from ontology.search.fuzzy import FuzzyIndex
from ontology.search.hybrid import best_of, combine, fuse, scale
from ontology.search.lexical import LexicalIndex
from ontology.search.semantic import SemanticIndex, default_cache_dir, get_model
from ontology.search.types import MatchKind, MatchReason, Ranked, SearchHitView, SearchMode
from ontology.store import TripleStore

DEPTH = 50  # how deep each ranking is read before fusion
FUSED_FUZZY_SCORE = 0.86  # above what a phrase inside a label scores (0.85): whole-name likeness only
SEMANTIC_WEIGHT = 0.6
"""The semantic scores' share of a hybrid score (the lexical ones have the rest).

Chosen on the 131 evaluation questions outside the ``make test`` subset: 0.6 and 0.625 give the best
mean reciprocal rank there (0.964, against 0.934 for lexical search alone); the subset was not used to choose it.
"""


class ModelLoadingError(TimeoutError):
    """A semantic search asked for before the embedding model finished loading."""


class SearchIndex:
    """Every concept's, paper's and model's text, searchable lexically, by typo-tolerant names and by meaning."""

    def __init__(self, store: TripleStore, *, cache_dir: Path | None = None) -> None:
        docs = list_documents(store)
        self._labels = {doc.iri: doc.name for doc in docs}
        self.lexical = LexicalIndex(docs)
        self.fuzzy = FuzzyIndex(docs)
        self.semantic = SemanticIndex(docs, cache_dir)

    def get_label(self, iri: str) -> str:
        """The name (or title) of a node in the index; the IRI itself when unknown."""
        return self._labels.get(iri, iri)

    def preload(self) -> None:
        """Load the embedding model and the nodes' vectors now (computing and caching the missing ones)."""
        get_model()
        self.semantic.get_vectors()

    def search(
        self, text: str, first: int = 10, mode: SearchMode = SearchMode.HYBRID, *, model_wait_s: float | None = None
    ) -> list[SearchHitView]:
        """The best ``first`` nodes for ``text``, best first, each with why it matched.

        Scores lie in [0, 1]: the fused reciprocal-rank score (LEXICAL), the combined scaled scores
        (HYBRID), the cosine similarity (SEMANTIC) or the name likeness (FUZZY).

        Args:
            text: A name, a misspelt name or a question.
            first: How many hits at most.
            mode: Which rankings to use.
            model_wait_s: How long to wait for the embedding model when it is not loaded yet (``None``:
                as long as it takes); past it the model keeps loading in the background.

        Raises:
            ModelLoadingError: ``model_wait_s`` passed before the model was ready (HYBRID, SEMANTIC).

        """
        if first <= 0 or not text.strip():
            return []
        depth = max(DEPTH, first)
        semantic = mode in (SearchMode.HYBRID, SearchMode.SEMANTIC)
        if semantic and model_wait_s is not None and not self.semantic.wait_ready(model_wait_s):
            raise ModelLoadingError("the embedding model is still loading: ask again in a few seconds, or search in LEXICAL mode")
        if mode is SearchMode.FUZZY:
            ranked = self.fuzzy.rank(text, first)
        elif mode is SearchMode.SEMANTIC:
            ranked = self.semantic.rank(text, first)
        else:
            names = self.fuzzy.rank(text, DEPTH, min_score=FUSED_FUZZY_SCORE)
            bm25 = self.lexical.rank(text, depth)
            if semantic:
                lexical = best_of([scale(bm25), names], depth)
                ranked = combine([lexical, self.semantic.rank(text, depth)], (1 - SEMANTIC_WEIGHT, SEMANTIC_WEIGHT), depth)
            else:
                lexical = bm25
                ranked = fuse([bm25, names], depth)
            exact = {r.iri for r in names if r.score == 1.0}  # a node named exactly so comes first, whatever the others say
            if exact:
                ranked = sorted((Ranked(r.iri, 1.0, r.why) if r.iri in exact else r for r in ranked), key=lambda r: (-r.score, r.iri))
            ranked = self._with_lexical_reasons(text, ranked[:first], {r.iri for r in lexical}, {r.iri: r.score for r in bm25})
        return [SearchHitView(r.iri, r.score, r.why[0].text if r.why else "", r.why) for r in ranked[:first]]

    def _with_lexical_reasons(self, text: str, hits: list[Ranked], lexical: set[str], bm25: dict[str, float]) -> list[Ranked]:
        """``hits`` with the fields their words matched first (as the lexical ranking comes first), then their other reasons.

        The hits in ``lexical`` are explained, each with its BM25 score (``bm25``, when ranked there).
        """
        found = self.lexical.explain(text, [hit.iri for hit in hits if hit.iri in lexical], bm25)
        merged = []
        for hit in hits:
            reasons: dict[tuple[MatchKind, str], MatchReason] = {}
            for reason in (*found.get(hit.iri, ()), *hit.why):
                reasons.setdefault((reason.kind, reason.text), reason)
            merged.append(Ranked(hit.iri, hit.score, tuple(reasons.values())))
        return merged


__all__ = [
    "MatchKind",
    "MatchReason",
    "ModelLoadingError",
    "NodeDocument",
    "SearchHitView",
    "SearchIndex",
    "SearchMode",
    "default_cache_dir",
    "list_documents",
]
