"""Typo-tolerant name matching: trigram candidates from SQLite FTS5, scored with rapidfuzz.

``"layernrom"`` shares most of its trigrams with ``"layernorm"``: the trigram index finds the few
names worth scoring (no scan of every name per query), and rapidfuzz scores them in [0, 1]. Only the
query's :data:`RARE_TRIGRAMS` rarest known trigrams look candidates up: a common one (``"ion"``) names
thousands of labels in a big graph, and ranking them all cost 100 ms a query at a million triples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rapidfuzz import fuzz, utils
from rapidfuzz.process import cdist

from ontology.names import normalise
from ontology.search.documents import NodeDocument
from ontology.search.types import MatchKind, MatchReason, Ranked, SqliteIndex

MAX_COMPACT_CHARS = 64  # a longer query is no name: its first trigrams are enough to find one
MIN_SCORE = 50  # hits under 0.5 are noise
CANDIDATES = 50
RARE_TRIGRAMS = 6


def trigrams(compact: str) -> set[str]:
    """The trigrams of ``compact`` (none when it is shorter than 3)."""
    return {compact[i : i + 3] for i in range(len(compact) - 2)}


def trigram_query(grams: Iterable[str]) -> str:
    """An FTS5 query OR-ing ``grams`` (``""`` when there are none), each quoted."""
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in sorted(grams))


class FuzzyIndex:
    """Names, aliases, paper titles and model labels, indexed by their trigrams."""

    def __init__(self, docs: Iterable[NodeDocument]) -> None:
        self._names: list[tuple[str, str, MatchKind]] = []
        for doc in docs:
            self._names.append((doc.iri, doc.name, MatchKind.NAME))
            self._names += [(doc.iri, alias, MatchKind.ALIAS) for alias in doc.aliases]
        self._processed = [utils.default_process(text) for _iri, text, _kind in self._names]
        self._db = SqliteIndex()
        self._db.fetch("CREATE VIRTUAL TABLE names USING fts5(compact, tokenize='trigram')")
        self._compacts = [normalise(text) for _iri, text, _kind in self._names]
        self._db.insert("INSERT INTO names(rowid, compact) VALUES (?, ?)", enumerate(self._compacts))
        self._labels_with = Counter(gram for compact in self._compacts for gram in trigrams(compact))

    def rare_trigrams(self, compact: str) -> list[str]:
        """The :data:`RARE_TRIGRAMS` trigrams of ``compact`` found in the fewest labels (none found: none)."""
        known = [gram for gram in trigrams(compact) if gram in self._labels_with]
        return sorted(known, key=lambda gram: (self._labels_with[gram], gram))[:RARE_TRIGRAMS]

    def rank(self, text: str, limit: int) -> list[Ranked]:
        """Nodes whose names are spelled close to ``text``, best first; scores in [0, 1]."""
        compact = normalise(text)[:MAX_COMPACT_CHARS]
        processed = utils.default_process(text[: MAX_COMPACT_CHARS * 2])
        match = trigram_query(self.rare_trigrams(compact))
        if not match or not processed:
            return []
        rows = self._db.fetch("SELECT rowid FROM names WHERE names MATCH ? ORDER BY rank LIMIT ?", (match, CANDIDATES))
        found = [int(row) for (row,) in rows]  # type: ignore[call-overload]
        if not found:
            return []
        ratios = cdist([compact], [self._compacts[i] for i in found], scorer=fuzz.ratio)[0].tolist()  # whole-label typos
        labels = [self._processed[i] for i in found]
        words = cdist([processed], labels, scorer=fuzz.WRatio)[0].tolist()  # word order, partial words
        phrases = cdist([processed], labels, scorer=fuzz.partial_ratio)[0].tolist()  # a phrase inside a label
        scores = [max(r, w * 0.95, p * 0.85) for r, w, p in zip(ratios, words, phrases, strict=True)]
        best: dict[str, Ranked] = {}
        for i, score in zip(found, scores, strict=True):
            iri, label, kind = self._names[i]
            if score < MIN_SCORE:
                continue
            value = round(score / 100, 4)
            if iri not in best or value > best[iri].score:
                reason = kind if value == 1.0 else MatchKind.SIMILAR_NAME  # an exact name is a NAME (or ALIAS) match
                best[iri] = Ranked(iri, value, (MatchReason(reason, label, value),))
        return sorted(best.values(), key=lambda r: (-r.score, r.iri))[:limit]
