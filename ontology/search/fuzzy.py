"""Typo-tolerant name matching: trigram candidates, ranked by BM25, scored with rapidfuzz.

``"layernrom"`` shares most of its trigrams with ``"layernorm"``: the trigram index finds the few
names worth scoring (no scan of every name per query), and rapidfuzz scores them in [0, 1]. Only the
query's :data:`RARE_TRIGRAMS` rarest known trigrams look candidates up: a common one (``"ion"``) names
thousands of labels in a big graph, and ranking them all cost 100 ms a query at a million triples.

The candidates are the :data:`CANDIDATES` best by BM25 over the labels' trigrams, as an FTS5 table
with the ``trigram`` tokenizer ranked them (``ORDER BY bm25(names), rowid``, the same arithmetic),
computed here with numpy: asking SQLite cost 0.5 ms a query at a million triples. A caller wanting only
near-whole-name matches (``min_score`` over :data:`PARTIAL_SCALE` × :data:`WORDS_WEIGHT`, as the fused
rankings do) has only the labels of a length that can score it ranked and scored.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, utils
from rapidfuzz.process import cdist

from ontology.names import normalise
from ontology.search.documents import NodeDocument
from ontology.search.types import MatchKind, MatchReason, Ranked

if TYPE_CHECKING:
    import numpy as np

MAX_COMPACT_CHARS = 64  # a longer query is no name: its first trigrams are enough to find one
MIN_SCORE = 50  # hits under 0.5 are noise
CANDIDATES = 50
RARE_TRIGRAMS = 6
WORDS_WEIGHT = 0.95  # of the word-order match (WRatio); the whole-label ratio counts fully
PHRASE_WEIGHT = 0.85  # of a phrase inside a label (partial_ratio)
PARTIAL_SCALE = 0.9  # what WRatio scales its partial matches by, between strings of lengths 1.5× apart or more
WRATIO_MAX_LENGTHS = 1.5  # ... under which WRatio compares whole strings
K1, B = 1.2, 0.75  # FTS5's BM25 parameters


def trigrams(compact: str) -> set[str]:
    """The trigrams of ``compact`` (none when it is shorter than 3)."""
    return {compact[i : i + 3] for i in range(len(compact) - 2)}


class FuzzyIndex:
    """Names, aliases, paper titles and model labels, indexed by their trigrams."""

    def __init__(self, docs: Iterable[NodeDocument]) -> None:
        self._names: list[tuple[str, str, MatchKind]] = []
        for doc in docs:
            self._names.append((doc.iri, doc.name, MatchKind.NAME))
            self._names += [(doc.iri, alias, MatchKind.ALIAS) for alias in doc.aliases]
        self._processed = [utils.default_process(text) for _iri, text, _kind in self._names]
        self._compacts = [normalise(text) for _iri, text, _kind in self._names]
        labels_with: dict[str, list[int]] = defaultdict(list)
        repeats: dict[str, dict[int, int]] = defaultdict(dict)  # a trigram twice or more in a label: how often
        for i, compact in enumerate(self._compacts):
            grams = trigrams(compact)
            for gram in grams:
                labels_with[gram].append(i)
            if len(grams) < len(compact) - 2:
                for gram, count in Counter(compact[j : j + 3] for j in range(len(compact) - 2)).items():
                    if count > 1:
                        repeats[gram][i] = count
        import numpy as np  # here, not at the top: a server starts without numpy (its first search builds this)

        self._labels_with = {gram: np.array(labels, dtype=np.int64) for gram, labels in labels_with.items()}
        self._label_counts = {gram: len(labels) for gram, labels in labels_with.items()}
        self._repeats = {gram: (np.array(list(found)), np.array(list(found.values()), dtype=np.float64)) for gram, found in repeats.items()}
        self._compact_lengths = np.array([len(compact) for compact in self._compacts], dtype=np.int64)
        self._processed_lengths = np.array([len(processed) for processed in self._processed], dtype=np.int64)
        self._trigram_counts = np.maximum(self._compact_lengths - 2, 0).astype(np.float64)  # each label's length in trigrams
        self._mean_trigrams = float(self._trigram_counts.sum()) / len(self._compacts) if self._compacts else 1.0

    def rare_trigrams(self, compact: str) -> list[str]:
        """The :data:`RARE_TRIGRAMS` trigrams of ``compact`` found in the fewest labels (none found: none)."""
        counts = self._label_counts
        return [gram for _count, gram in sorted((counts[gram], gram) for gram in trigrams(compact) if gram in counts)[:RARE_TRIGRAMS]]

    def rank(self, text: str, limit: int, min_score: float = 0.0) -> list[Ranked]:
        """Nodes whose names are spelled close to ``text``, best first, scoring ``min_score`` or more; scores in [0, 1]."""
        compact = normalise(text)[:MAX_COMPACT_CHARS]
        processed = utils.default_process(text[: MAX_COMPACT_CHARS * 2])
        grams = self.rare_trigrams(compact)
        if not grams or not processed:
            return []
        found = self.candidates(grams, _lengths(len(compact), len(processed), min_score))
        if not found:
            return []
        cutoff = max(MIN_SCORE, 100 * min_score) - 0.01  # rapidfuzz scores 0 under it: the floor, not a rounded score, decides
        labels = [self._processed[i] for i in found]
        ratios = cdist([compact], [self._compacts[i] for i in found], scorer=fuzz.ratio, score_cutoff=cutoff)[0].tolist()  # typos
        words = cdist([processed], labels, scorer=fuzz.WRatio, score_cutoff=cutoff / WORDS_WEIGHT)[0].tolist()  # word order, partial words
        phrases = [0.0] * len(found)  # a phrase inside a label: never enough above PHRASE_WEIGHT
        if cutoff <= 100 * PHRASE_WEIGHT:
            phrases = cdist([processed], labels, scorer=fuzz.partial_ratio, score_cutoff=cutoff / PHRASE_WEIGHT)[0].tolist()
        scores = [max(r, w * WORDS_WEIGHT, p * PHRASE_WEIGHT) for r, w, p in zip(ratios, words, phrases, strict=True)]
        best: dict[str, Ranked] = {}
        for i, score in zip(found, scores, strict=True):
            if score < cutoff:
                continue
            iri, label, kind = self._names[i]
            value = round(score / 100, 4)
            if score < MIN_SCORE or value < min_score:
                continue
            if iri not in best or value > best[iri].score:
                reason = kind if value == 1.0 else MatchKind.SIMILAR_NAME  # an exact name is a NAME (or ALIAS) match
                best[iri] = Ranked(iri, value, (MatchReason(reason, label, value),))
        return sorted(best.values(), key=lambda r: (-r.score, r.iri))[:limit]

    @property
    def labels(self) -> list[str]:
        """Every name, alias, title and label indexed, in the order :meth:`candidates` numbers them."""
        return [label for _iri, label, _kind in self._names]

    def candidates(self, grams: list[str], lengths: tuple[int, int, int, int] | None = None) -> list[int]:
        """The :data:`CANDIDATES` labels holding any of ``grams`` best by BM25 (FTS5's), of the ``lengths`` given if any.

        Args:
            grams: Trigrams, as :meth:`rare_trigrams` picks them.
            lengths: The lowest and highest compact lengths, then processed lengths, one of which a label must have.

        """
        import numpy as np

        grams = sorted(grams)  # the FTS5 query's phrases, summed in this order
        holding = [self._labels_with[gram] for gram in grams]
        held = np.concatenate(holding)
        labels = np.unique(held)
        if lengths is not None:
            low, high, words_low, words_high = lengths
            compact, words = self._compact_lengths[labels], self._processed_lengths[labels]
            labels = labels[((compact >= low) & (compact <= high)) | ((words >= words_low) & (words <= words_high))]
            if not len(labels):
                return []
        frequencies = np.zeros((len(grams), len(labels)))
        at, there = _find(labels, held)
        frequencies[np.repeat(np.arange(len(grams)), [len(h) for h in holding])[there], at] = 1.0
        for row, gram in enumerate(grams):
            if gram in self._repeats:
                repeated, counts = self._repeats[gram]
                at, there = _find(labels, repeated)
                frequencies[row, at] = counts[there]
        rows = len(self._compacts)
        idf = np.array([max(math.log((rows - len(h) + 0.5) / (len(h) + 0.5)), 1e-6) for h in holding])
        norms = K1 * (1 - B + B * self._trigram_counts[labels] / self._mean_trigrams)
        terms = idf[:, None] * (frequencies * (K1 + 1.0) / (frequencies + norms))
        scores = terms[0].copy()
        for term in terms[1:]:
            scores += term  # one phrase after the other, as FTS5 adds them (the same rounding)
        return [int(i) for i in labels[np.lexsort((labels, -scores))[:CANDIDATES]]]


def _find(labels: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where in ``labels`` (sorted, not empty) the ``wanted`` ones are, and which of ``wanted`` are there."""
    import numpy as np

    at = np.searchsorted(labels, wanted).clip(max=len(labels) - 1)
    there = labels[at] == wanted
    return at[there], there


def _lengths(compact: int, processed: int, min_score: float) -> tuple[int, int, int, int] | None:
    """The lengths of the labels that can score ``min_score``, compact (whole-label ratio) or processed (WRatio); any: ``None``.

    A ratio of ``min_score`` needs lengths within ``(2 - min_score) / min_score`` of each other; over
    :data:`PARTIAL_SCALE` × :data:`WORDS_WEIGHT`, WRatio must compare whole strings, lengths under 1.5× apart.
    """
    if min_score <= PARTIAL_SCALE * WORDS_WEIGHT:
        return None
    spread = (2 - min_score) / min_score
    return (
        math.floor(compact / spread),
        math.ceil(compact * spread),
        math.floor(processed / WRATIO_MAX_LENGTHS),
        math.ceil(processed * WRATIO_MAX_LENGTHS),
    )
