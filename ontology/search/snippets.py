"""FTS5's ``snippet()`` made in Python, for the hits shown: the same passages, without a query per hit.

At a million triples, ``snippet()`` cost 1.1 ms for the ten hits of a page (SQLite evaluates the whole
match again to reach ten rows), more than ranking them. Here a field's text is split into tokens as
FTS5's ``unicode61`` tokenizer splits it, each token is stemmed by FTS5 itself (:class:`Stemmer`,
remembered), and the passage is chosen and marked by the algorithm of SQLite's ``fts5_aux.c``
(``fts5SnippetFunction``): the window of :data:`SNIPPET_TOKENS` tokens holding the most distinct
query phrases, centred on them or starting at a sentence, each matched phrase marked.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Iterable, Mapping, Sequence

from ontology.search.types import SqliteIndex

SNIPPET_TOKENS = 12
ELLIPSIS = "…"
MAX_STEMS = 100_000  # stems remembered per index
TOKEN = re.compile(r"([^\W_]+)")
"""A token as ``unicode61`` cuts it: a run of letters and digits (an underscore separates)."""
_ASCII_TOKEN = re.compile(r"([A-Za-z0-9]+)")  # the same in ASCII text, three times faster
_ASCII_SEPARATORS = bytes(c if chr(c).isascii() and chr(c).isalnum() else ord(" ") for c in range(256))

Instance = tuple[int, int, int]
"""A query phrase found in a field: its first token's position, the phrase's index in the query, its length."""


class Stemmer:
    """Tokens' stems as FTS5's tokenizer makes them, asked of a scratch FTS5 table once per new token."""

    def __init__(self, tokenize: str) -> None:
        self._db = SqliteIndex()
        self._db.fetch(f'CREATE VIRTUAL TABLE words USING fts5(word, tokenize="{tokenize}")')
        self._db.fetch("CREATE VIRTUAL TABLE terms USING fts5vocab(words, instance)")
        self._stems: dict[str, str] = {}
        self._lock = threading.Lock()

    def stems(self, tokens: Iterable[str]) -> Mapping[str, str]:
        """Every token's stem, ``tokens``' among them (``""``: FTS5 keeps no term for it)."""
        wanted, stems = set(tokens), self._stems
        if wanted.issubset(stems):
            return stems
        with self._lock:
            if len(self._stems) + len(wanted) > MAX_STEMS:
                self._stems = {}  # a new dict: what other threads were handed stays whole
            stems = self._stems
            words = sorted(wanted.difference(stems))  # another thread may have asked for some meanwhile
            if words:
                self._db.insert("INSERT INTO words(rowid, word) VALUES (?, ?)", enumerate(words))
                rows = self._db.fetch("SELECT doc, term FROM terms WHERE offset = 0")
                self._db.insert("DELETE FROM words", [()])
                found = {int(doc): str(term) for doc, term in rows}  # type: ignore[call-overload]
                stems.update((word, found.get(i, "")) for i, word in enumerate(words))
            return stems


def tokenize(text: str) -> list[str]:
    """The tokens of ``text``, as ``unicode61`` cuts them."""
    if text.isascii():  # five times faster than the regular expression
        return text.encode().translate(_ASCII_SEPARATORS).decode().split()
    return TOKEN.findall(text)


def find_phrases(tokens: Sequence[str], stems: Mapping[str, str], phrases: Sequence[tuple[str, ...]]) -> list[Instance]:
    """Where each of ``phrases`` (stems) occurs among ``tokens``, in FTS5's order: by position, then phrase."""
    starting: dict[str, list[int]] = {}
    for i, phrase in enumerate(phrases):
        if phrase:
            starting.setdefault(phrase[0], []).append(i)
    found = []
    for pos in [pos for pos, token in enumerate(tokens) if stems[token] in starting]:
        for i in starting[stems[tokens[pos]]]:
            size = len(phrases[i])
            if size == 1 or tuple(stems[t] for t in tokens[pos : pos + size]) == phrases[i]:
                found.append((pos, i, size))
    return found


def snippet(text: str, found: Sequence[Instance], marks: tuple[str, str]) -> str:
    """``snippet(table, column, open, close, '…', 12)`` of a field where query phrases were ``found`` (not none)."""
    parts = (_ASCII_TOKEN if text.isascii() else TOKEN).split(text)  # tokens at odd indices, what separates them at even ones
    tokens, gaps = parts[1::2], parts[0::2]
    start = _best_start(gaps, len(tokens), found)
    return _highlight(tokens, gaps, found, start, marks)


def _window(found: Sequence[Instance], positions: Sequence[int], start: int, size: int) -> tuple[int, int]:
    """``fts5SnippetScore``: the window at ``start`` scored (1000 a new phrase, 1 a repeat), and where to centre it."""
    inside = found[bisect.bisect_left(positions, start) : bisect.bisect_left(positions, start + SNIPPET_TOKENS)]
    if not inside:  # a sentence's start too far before the phrase
        return 0, 0
    phrases = [phrase for _pos, phrase, _length in inside]
    score = 999 * len(set(phrases)) + len(phrases)
    first, last = inside[0][0], inside[-1][0] + inside[-1][2]
    centred = first - int((SNIPPET_TOKENS - (last - first)) / 2)  # C's division truncates towards 0
    return score, max(0, min(centred, size - SNIPPET_TOKENS))


def _starts_sentence(gap: str) -> bool:
    """Whether the token after ``gap`` starts a sentence: ``gap`` ends in blanks after a full stop or a colon."""
    text = gap.rstrip(" \t\n\r")
    return text != gap and text.endswith((".", ":"))


def _best_start(gaps: Sequence[str], size: int, found: Sequence[Instance]) -> int:
    """The first token of the best window: around each phrase found, or from its sentence's start (preferred by 100)."""
    if size <= SNIPPET_TOKENS:
        return 0  # every window is the whole field
    positions = [pos for pos, _phrase, _length in found]
    sentences = [0] + [i for i in range(1, size) if ("." in gaps[i] or ":" in gaps[i]) and _starts_sentence(gaps[i])]
    windows: dict[int, tuple[int, int]] = {}  # by first token: many phrases share a sentence, or a window
    best_score, best_start = 0, 0
    for pos in positions:
        score, start = windows[pos] if pos in windows else windows.setdefault(pos, _window(found, positions, pos, size))
        if score > best_score:
            best_score, best_start = score, start
        sentence = sentences[bisect.bisect_right(sentences, pos) - 1]
        if sentence < pos:
            if sentence not in windows:
                windows[sentence] = _window(found, positions, sentence, size)
            score = windows[sentence][0] + (120 if sentence == 0 else 100)
            if score > best_score:
                best_score, best_start = score, sentence
    return best_start


def _coalesced(found: Sequence[Instance]) -> list[tuple[int, int]]:
    """The first and last tokens of the matched phrases, overlapping ones merged (``fts5CInstIterNext``)."""
    merged: list[tuple[int, int]] = []
    for pos, _phrase, length in found:
        end = pos + length - 1
        if merged and pos <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((pos, end))
    return merged


def _highlight(tokens: Sequence[str], gaps: Sequence[str], found: Sequence[Instance], start: int, marks: tuple[str, str]) -> str:
    """The window of :data:`SNIPPET_TOKENS` tokens from ``start``, matched phrases marked (``fts5HighlightCb``)."""
    opening, closing = marks
    last = start + SNIPPET_TOKENS - 1
    phrases = [p for p in _coalesced(found) if p[0] >= start]  # one starting before the window is not marked
    phrases.append((-1, -1))
    out = [ELLIPSIS if start > 0 else gaps[0]]
    current = 0
    for pos in range(start, min(last, len(tokens) - 1) + 1):
        if pos > start:
            out.append(gaps[pos])
        if pos == phrases[current][0]:
            out.append(opening)
        out.append(tokens[pos])
        if pos == phrases[current][1]:
            out.append(closing)
            current += 1
        elif pos == last and 0 <= phrases[current][0] <= pos:
            out.append(closing)  # a phrase cut by the window's end
    out.append(gaps[-1] if last >= len(tokens) - 1 else ELLIPSIS)
    return "".join(out)
