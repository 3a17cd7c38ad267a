"""BM25 over the nodes' fields: an in-memory SQLite FTS5 table (``porter unicode61`` tokenizer).

Names and aliases weigh far more than definitions, when-to-use items, formulas' words and paper
titles. What the user typed never becomes FTS5 syntax: it is split into words here, each word is
quoted, and the OR of them is bound as a parameter.

A word found in more than :data:`MAX_WORD_SHARE` of the nodes is left out of the query when a rarer
word is there: BM25 gives it little weight (an IDF under ln 5), yet ranking every node holding it was
most of a query's time in a big graph (27 ms of 28 at a million triples, where "layer" is in 40% of them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from ontology.search.documents import NodeDocument, split_words
from ontology.search.types import MatchKind, MatchReason, Ranked, SqliteIndex

MAX_QUERY_WORDS = 32
MAX_WORD_SHARE = 0.2
MAX_COUNTED_WORDS = 100_000  # document frequencies remembered per index
_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """
    a an and are as at be but by can do does doesn don for from has have how i in into is it its me my not of on or
    s so t that the their them then there these this those to too use used uses using via want was what when where
    which while who why will with without you your
""",
    )
)
FIELDS = (MatchKind.NAME, MatchKind.ALIAS, MatchKind.DEFINITION, MatchKind.WHEN_TO_USE, MatchKind.FORMULA, MatchKind.PAPER_TITLE)
"""What each column of the table holds, in order."""
_CREATE = (
    "CREATE VIRTUAL TABLE docs USING fts5(name, alias, definition, usage, formula, papers, tokenize='porter unicode61 remove_diacritics 2')"
)
_WEIGHTS = "INSERT INTO docs(docs, rank) VALUES ('rank', 'bm25(10.0, 8.0, 2.0, 1.5, 1.0, 1.5)')"  # a name beats any definition
_INSERT = "INSERT INTO docs(rowid, name, alias, definition, usage, formula, papers) VALUES (?, ?, ?, ?, ?, ?, ?)"
_SELECT = "SELECT rowid, rank FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT ?"
_EXPLAIN = (  # snippets marked with char(2)/char(3), which no label contains, for the rows asked for only
    "SELECT rowid, rank, snippet(docs, 0, char(2), char(3), '…', 12), snippet(docs, 1, char(2), char(3), '…', 12), "
    "snippet(docs, 2, char(2), char(3), '…', 12), snippet(docs, 3, char(2), char(3), '…', 12), "
    "snippet(docs, 4, char(2), char(3), '…', 12), snippet(docs, 5, char(2), char(3), '…', 12) "
    "FROM docs WHERE docs MATCH ? AND rowid IN (SELECT value FROM json_each(?))"
)
_OPEN, _CLOSE = "\x02", "\x03"
_MARKED = re.compile("\x02([^\x03]*)\x03")


def query_words(text: str) -> list[str]:
    """The distinct words of ``text`` worth looking up (casefolded, stopwords dropped), in order."""
    words = dict.fromkeys(w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS)
    return list(words)[:MAX_QUERY_WORDS]


def fts_query(words: Iterable[str]) -> str:
    """The FTS5 query matching any of ``words``: each one quoted (a quote inside doubled), OR-joined."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def _row(doc: NodeDocument) -> tuple[object, ...]:
    aliases = " ; ".join(split_words(a) for a in doc.aliases)
    return (split_words(doc.name), aliases, doc.definition, " ; ".join(doc.when_to_use), doc.formula_words, " ; ".join(doc.paper_titles))


class LexicalIndex:
    """BM25 ranking of every node's fields."""

    def __init__(self, docs: Iterable[NodeDocument]) -> None:
        self._docs = list(docs)
        self._db = SqliteIndex()
        self._db.fetch(_CREATE)
        self._db.fetch(_WEIGHTS)
        self._db.insert(_INSERT, ((i, *_row(doc)) for i, doc in enumerate(self._docs)))
        self._rowids = {doc.iri: i for i, doc in enumerate(self._docs)}
        self._nodes_with: dict[str, int] = {}

    def count_nodes_with(self, word: str) -> int:
        """How many nodes hold ``word`` (as FTS5 matches it: stemmed, in any field); remembered."""
        if word not in self._nodes_with:
            if len(self._nodes_with) >= MAX_COUNTED_WORDS:
                self._nodes_with.clear()
            self._nodes_with[word] = int(self._db.fetch("SELECT count(*) FROM docs WHERE docs MATCH ?", (fts_query([word]),))[0][0])  # type: ignore[call-overload]
        return self._nodes_with[word]

    def selective_words(self, words: list[str]) -> list[str]:
        """``words`` without those in over :data:`MAX_WORD_SHARE` of the nodes, unless none is rarer."""
        limit = MAX_WORD_SHARE * len(self._docs)
        return [w for w in words if self.count_nodes_with(w) <= limit] or words

    def rank(self, text: str, limit: int) -> list[Ranked]:
        """The ``limit`` best nodes for the words of ``text`` by BM25, best first, without reasons (see :meth:`explain`)."""
        words = self.selective_words(query_words(text))
        if not words:
            return []
        rows = self._db.fetch(_SELECT, (fts_query(words), limit))
        return [Ranked(self._docs[int(row)].iri, _score(rank), ()) for row, rank in rows]  # type: ignore[call-overload]

    def explain(self, text: str, iris: Iterable[str]) -> dict[str, tuple[MatchReason, ...]]:
        """Which fields of each of ``iris`` matched the words of ``text``, with their passages (none: left out).

        Snippets cost more than ranking (at a million triples, 1.1 ms for ten hits' six fields against 0.5 ms
        to rank), so they are made for the hits shown only.
        """
        words = self.selective_words(query_words(text))
        rowids = [self._rowids[iri] for iri in iris if iri in self._rowids]
        if not words or not rowids:
            return {}
        found = {}
        for row in self._db.fetch(_EXPLAIN, (fts_query(words), json.dumps(rowids))):
            doc, score = self._docs[int(row[0])], _score(row[1])  # type: ignore[call-overload]
            found[doc.iri] = tuple(
                MatchReason(kind, _passage(doc, kind, str(snippet)), score)
                for kind, snippet in zip(FIELDS, row[2:], strict=True)
                if _OPEN in str(snippet)
            )
        return found


def _score(rank: object) -> float:
    return round(-float(rank), 4)  # type: ignore[arg-type]  # FTS5's bm25 is negative, lower is better


def _passage(doc: NodeDocument, kind: MatchKind, snippet: str) -> str:
    """What to show for a matched field: the name, the aliases holding a matched word, else the snippet."""
    if kind is MatchKind.NAME:
        return doc.name
    if kind is MatchKind.ALIAS:
        found = [m.casefold() for m in _MARKED.findall(snippet)]
        return ", ".join(a for a in doc.aliases if any(f in split_words(a).casefold() for f in found)) or doc.aliases[0]
    return snippet.replace(_OPEN, "").replace(_CLOSE, "")
