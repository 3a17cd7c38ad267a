"""BM25 over the nodes' fields: an in-memory SQLite FTS5 table (``porter unicode61`` tokenizer).

Names and aliases weigh far more than definitions, when-to-use items, formulas' words and paper
titles. What the user typed never becomes FTS5 syntax: it is split into words here, each word is
quoted, and the OR of them is bound as a parameter.

A word found in more than :data:`MAX_WORD_SHARE` of the nodes is left out of the query when a rarer
word is there: BM25 gives it little weight (an IDF under ln 5), yet ranking every node holding it was
most of a query's time in a big graph (27 ms of 28 at a million triples, where "layer" is in 40% of them).

The passages a hit shows are FTS5's snippets made in Python (:mod:`~ontology.search.snippets`): asking
the table for them evaluated the whole match again, 2 ms for a page of ten hits at a million triples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from itertools import chain

from ontology.search.documents import NodeDocument, split_words
from ontology.search.snippets import Instance, Stemmer, find_phrases, snippet, tokenize
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
_TOKENIZER = "porter unicode61 remove_diacritics 2"
_CREATE = f"CREATE VIRTUAL TABLE docs USING fts5(name, alias, definition, usage, formula, papers, tokenize='{_TOKENIZER}')"
_BM25 = "bm25(docs, 10.0, 8.0, 2.0, 1.5, 1.0, 1.5)"  # a name beats any definition
_INSERT = "INSERT INTO docs(rowid, name, alias, definition, usage, formula, papers) VALUES (?, ?, ?, ?, ?, ?, ?)"
_SELECT = f"SELECT rowid, {_BM25} AS score FROM docs WHERE docs MATCH ? ORDER BY score, rowid LIMIT ?"  # not the slower ORDER BY rank
_SCORE = f"SELECT rowid, {_BM25} FROM docs WHERE docs MATCH ? AND rowid IN (SELECT value FROM json_each(?))"
_OPEN, _CLOSE = "\x02", "\x03"
_MARKED = re.compile("\x02([^\x03]*)\x03")


def query_words(text: str) -> list[str]:
    """The distinct words of ``text`` worth looking up (casefolded, stopwords dropped), in order."""
    words = dict.fromkeys(w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS)
    return list(words)[:MAX_QUERY_WORDS]


def fts_query(words: Iterable[str]) -> str:
    """The FTS5 query matching any of ``words``: each one quoted (a quote inside doubled), OR-joined."""
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def _row(doc: NodeDocument) -> tuple[str, ...]:
    aliases = " ; ".join(split_words(a) for a in doc.aliases)
    return (split_words(doc.name), aliases, doc.definition, " ; ".join(doc.when_to_use), doc.formula_words, " ; ".join(doc.paper_titles))


class LexicalIndex:
    """BM25 ranking of every node's fields."""

    def __init__(self, docs: Iterable[NodeDocument]) -> None:
        self._docs = list(docs)
        self._db = SqliteIndex()
        self._db.fetch(_CREATE)
        self._stemmer = Stemmer(_TOKENIZER)
        self._db.insert(_INSERT, ((i, *_row(doc)) for i, doc in enumerate(self._docs)))
        self._db.insert("INSERT INTO docs(docs) VALUES ('optimize')", [()])  # one segment: queries a third faster
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
        return [Ranked(self._docs[row].iri, _score(rank), ()) for row, rank in rows]  # type: ignore[call-overload]

    def explain(self, text: str, iris: Iterable[str], scores: Mapping[str, float]) -> dict[str, tuple[MatchReason, ...]]:
        """Which fields of each of ``iris`` matched the words of ``text``, with their passages (none: left out).

        The passages are FTS5's snippets, made in Python (:mod:`~ontology.search.snippets`); each reason
        carries its node's BM25 score, from ``scores`` (the ranking's), else asked of the table.
        """
        matched = self.matched_fields(text, iris)
        missing = [self._rowids[iri] for iri in matched if iri not in scores]
        known = {**scores, **self._scores(self.selective_words(query_words(text)), missing)} if missing else scores
        return {
            iri: tuple(
                MatchReason(kind, _passage(self._docs[self._rowids[iri]], kind, field, found), known[iri]) for kind, field, found in fields
            )
            for iri, fields in matched.items()
            if iri in known
        }

    def matched_fields(self, text: str, iris: Iterable[str]) -> dict[str, list[tuple[MatchKind, str, list[Instance]]]]:
        """The fields of each of ``iris`` holding words of ``text`` as FTS5 matches them: each with its text and the words' places."""
        words = self.selective_words(query_words(text))
        docs = [self._docs[self._rowids[iri]] for iri in iris if iri in self._rowids]
        if not words or not docs:
            return {}
        fields = {doc.iri: _row(doc) for doc in docs}
        field_tokens = {iri: [tokenize(field) for field in row] for iri, row in fields.items()}
        asked = [tokenize(word) for word in words]
        tokens = set(chain(chain.from_iterable(asked), *(chain.from_iterable(row) for row in field_tokens.values())))
        stems = self._stemmer.stems(tokens)
        phrases = [tuple(stems[token] for token in word) for word in asked]
        starts = {phrase[0] for phrase in phrases if phrase}
        starting = {token for token in tokens if stems[token] in starts}  # the tokens a phrase can start at
        matched: dict[str, list[tuple[MatchKind, str, list[Instance]]]] = {}
        for iri, row in fields.items():
            for kind, field, in_field in zip(FIELDS, row, field_tokens[iri], strict=True):
                found = [] if starting.isdisjoint(in_field) else find_phrases(in_field, stems, phrases)
                if found:
                    matched.setdefault(iri, []).append((kind, field, found))
        return matched

    def _scores(self, words: list[str], rowids: list[int]) -> dict[str, float]:
        """The BM25 scores of the nodes at ``rowids`` that match ``words``."""
        rows = self._db.fetch(_SCORE, (fts_query(words), json.dumps(rowids)))
        return {self._docs[row].iri: _score(rank) for row, rank in rows}  # type: ignore[call-overload]


def _score(rank: object) -> float:
    return round(-float(rank), 4)  # type: ignore[arg-type]  # FTS5's bm25 is negative, lower is better


def _passage(doc: NodeDocument, kind: MatchKind, field: str, found: list[Instance]) -> str:
    """What to show for a matched field: the name, the aliases holding a matched word, else the snippet."""
    if kind is MatchKind.NAME:
        return doc.name
    marked = snippet(field, found, (_OPEN, _CLOSE))
    if kind is MatchKind.ALIAS:
        words = [m.casefold() for m in _MARKED.findall(marked)]
        return ", ".join(a for a in doc.aliases if any(w in split_words(a).casefold() for w in words)) or doc.aliases[0]
    return marked.replace(_OPEN, "").replace(_CLOSE, "")
