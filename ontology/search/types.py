"""The values search hands out: modes, hits and the reasons a hit matched."""

from __future__ import annotations

import enum
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class SearchMode(enum.Enum):
    """Which rankings a search uses."""

    HYBRID = "hybrid"
    """Lexical and semantic rankings fused (the default)."""
    LEXICAL = "lexical"
    """BM25 over the nodes' fields, fused with the typo-tolerant name match; never loads the model."""
    SEMANTIC = "semantic"
    """Cosine similarity of sentence embeddings only."""
    FUZZY = "fuzzy"
    """The typo-tolerant name match alone (scores in [0, 1]: a filter threshold means something)."""


class MatchKind(enum.Enum):
    """Where a hit matched."""

    NAME = "name"
    ALIAS = "alias"
    DEFINITION = "definition"
    WHEN_TO_USE = "when_to_use"
    FORMULA = "formula"
    PAPER_TITLE = "paper_title"
    SIMILAR_NAME = "similar_name"
    """A name spelled close to the query (a typo, a missing space)."""
    SEMANTIC = "semantic"
    """The node's text means something close to the query (cosine similarity)."""


@dataclass(frozen=True)
class MatchReason:
    """One reason a hit matched: the field, the passage or label matched, and that ranking's score."""

    kind: MatchKind
    text: str
    score: float


@dataclass(frozen=True)
class SearchHitView:
    """One ranked result; ``matched`` is the text of its first reason (kept for older callers)."""

    iri: str
    score: float
    matched: str
    why: tuple[MatchReason, ...] = ()


class Ranked(NamedTuple):
    """A node's place in one ranking, best reasons first (a named tuple: made thousands of times a second)."""

    iri: str
    score: float
    why: tuple[MatchReason, ...]


class SqliteIndex:
    """An in-memory SQLite database shared by the threads that search it (one query at a time)."""

    def __init__(self) -> None:
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._lock = threading.Lock()

    def fetch(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run one parameterised statement and return all its rows."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def insert(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        """Run one parameterised statement per row, in one transaction."""
        with self._lock, self._db:
            self._db.executemany(sql, rows)
