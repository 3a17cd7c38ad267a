"""Typo-tolerant name matching: trigram candidates from SQLite FTS5, scored with rapidfuzz.

``"layernrom"`` shares most of its trigrams with ``"layernorm"``: the trigram index finds the few
names worth scoring (no scan of every name per query), and rapidfuzz scores them in [0, 1].
"""

from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz import fuzz, utils

from ontology.names import normalise
from ontology.search.documents import NodeDocument
from ontology.search.types import MatchKind, MatchReason, Ranked, SqliteIndex

MAX_COMPACT_CHARS = 64  # a longer query is no name: its first trigrams are enough to find one
MIN_SCORE = 50  # hits under 0.5 are noise
CANDIDATES = 200


def trigram_query(compact: str) -> str:
    """An FTS5 query OR-ing every trigram of ``compact`` (``""`` when it has none), each quoted."""
    grams = sorted({compact[i : i + 3] for i in range(len(compact) - 2)})
    return " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)


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
        rows = ((i, normalise(text)) for i, (_iri, text, _kind) in enumerate(self._names))
        self._db.insert("INSERT INTO names(rowid, compact) VALUES (?, ?)", rows)

    def rank(self, text: str, limit: int) -> list[Ranked]:
        """Nodes whose names are spelled close to ``text``, best first; scores in [0, 1]."""
        compact = normalise(text)[:MAX_COMPACT_CHARS]
        processed = utils.default_process(text[: MAX_COMPACT_CHARS * 2])
        match = trigram_query(compact)
        if not match or not processed:
            return []
        rows = self._db.fetch("SELECT rowid FROM names WHERE names MATCH ? ORDER BY rank LIMIT ?", (match, CANDIDATES))
        best: dict[str, Ranked] = {}
        for (row,) in rows:
            i = int(row)  # type: ignore[call-overload]
            iri, label, kind = self._names[i]
            score = max(
                fuzz.ratio(compact, normalise(label)),  # whole-label typos
                fuzz.WRatio(processed, self._processed[i]) * 0.95,  # word order, partial words
                fuzz.partial_ratio(processed, self._processed[i]) * 0.85,  # a phrase inside a label
            )
            if score < MIN_SCORE:
                continue
            value = round(score / 100, 4)
            if iri not in best or value > best[iri].score:
                reason = kind if value == 1.0 else MatchKind.SIMILAR_NAME  # an exact name is a NAME (or ALIAS) match
                best[iri] = Ranked(iri, value, (MatchReason(reason, label, value),))
        return sorted(best.values(), key=lambda r: (-r.score, r.iri))[:limit]
