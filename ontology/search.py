"""Ranked, typo-tolerant search over concept, paper and model labels, aliases and definitions."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from ontology.names import normalise
from ontology.store import TripleStore

MAX_QUERY_CHARS = 256
MIN_SCORE = 50  # rapidfuzz prunes candidates that cannot reach it (hits under 0.5 are noise anyway)


@dataclass(frozen=True)
class SearchHitView:
    """One ranked result."""

    iri: str
    score: float
    matched: str


@dataclass(frozen=True)
class _Doc:
    iri: str
    text: str
    weight: float


class SearchIndex:
    """Labels and texts of every concept, paper and model, searched with rapidfuzz."""

    def __init__(self, store: TripleStore) -> None:
        rows = store.select(
            "SELECT ?x ?t ?w WHERE { "
            "{ ?x a nnv:Concept . { ?x skos:prefLabel ?t } UNION { ?x skos:altLabel ?t } BIND(1.0 AS ?w) } UNION "
            "{ ?x a nnv:Concept ; skos:definition ?t BIND(0.7 AS ?w) } UNION "
            "{ ?x a nnv:Paper ; dcterms:title ?t BIND(1.0 AS ?w) } UNION "
            "{ ?x a nnv:Model ; skos:prefLabel ?t BIND(1.0 AS ?w) } }"
        )
        docs = [_Doc(str(r["x"]), str(r["t"]), float(r["w"])) for r in rows]  # type: ignore[arg-type]
        self._names = [d for d in docs if d.weight == 1.0]  # labels, aliases, titles
        self._texts = [d for d in docs if d.weight != 1.0]  # definitions
        self._labels = [utils.default_process(d.text) for d in self._names]
        self._compact = [normalise(d.text) for d in self._names]
        self._definitions = [utils.default_process(d.text) for d in self._texts]

    def search(self, text: str, first: int = 10) -> list[SearchHitView]:
        """The best ``first`` nodes for ``text``, best first; scores in [0, 1]."""
        text = text[:MAX_QUERY_CHARS]  # fuzzy scoring grows faster than the text (10k chars took minutes)
        query = utils.default_process(text)
        if not query:
            return []
        best: dict[str, SearchHitView] = {}
        passes = (
            (normalise(text), self._compact, self._names, fuzz.ratio, 1.0),  # whole-label typos: "layernrom" ~ "LayerNorm"
            (query, self._labels, self._names, fuzz.WRatio, 0.95),  # word order and partial words
            (query, self._labels, self._names, fuzz.partial_ratio, 0.85),  # a phrase inside a label
            (query, self._definitions, self._texts, fuzz.partial_ratio, 0.85),  # a phrase inside a definition
        )
        for needle, haystack, docs, scorer, factor in passes:
            hits = process.extract(needle, haystack, scorer=scorer, limit=first * 8, processor=None, score_cutoff=MIN_SCORE)
            for _choice, score, i in hits:
                doc = docs[i]
                value = round(score / 100 * doc.weight * factor, 4)
                if doc.iri not in best or value > best[doc.iri].score:
                    best[doc.iri] = SearchHitView(doc.iri, value, doc.text)
        return sorted(best.values(), key=lambda h: (-h.score, h.iri))[:first]
