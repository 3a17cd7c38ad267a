"""The read model: what the read paths need from one version of the store, compiled into plain Python objects.

Each part is read from the store in a few bulk queries (never one per concept) the first time it is
asked for, then held in memory for the life of the model; :meth:`ReadModel.warm` builds them all (the
service does it at start-up). A model never changes: when the store's version moves on, the
:class:`~ontology.vocabulary.Vocabulary` swaps in a new one (one reference assignment), so a request
that took a model reads one consistent version however long it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import TypeVar

from ontology import repository
from ontology.names import NameIndex
from ontology.pairs import PairIndex
from ontology.readmodel.adjacency import Adjacency
from ontology.store import TripleStore
from ontology.views import ConceptView, ModelView, PaperView, StatsView

T = TypeVar("T")
PARTS = ("concepts", "papers", "models", "names", "model_names", "adjacency", "pairs", "stats")


def _ordered(items: dict[str, str]) -> list[str]:
    """IRIs ordered by their label, case-insensitively, then by IRI (as ``ORDER BY LCASE(STR(?l)) ?x``)."""
    return sorted(items, key=lambda iri: (items[iri].lower(), iri))


def _concept_names(concepts: dict[str, ConceptView]) -> NameIndex:
    """The name index of the cards' names and aliases, with their kinds (what :func:`repository.name_index` reads)."""
    labels = [(iri, view.name, True) for iri, view in concepts.items()]
    labels += [(iri, alias, False) for iri, view in concepts.items() for alias in view.alt_names]
    return NameIndex.from_labels(labels, {iri: view.kind for iri, view in concepts.items()})


class ReadModel:
    """Concept cards, papers, models, name indexes, pairs, adjacency and counts of one store version.

    Args:
        store: The store to read.
        version: ``store.version()`` when the model was made (the vocabulary swaps the model when it moves on).

    """

    def __init__(self, store: TripleStore, version: str) -> None:
        self.store = store
        self.version = version
        self.build_seconds: dict[str, float] = {}
        self._filtered: dict[tuple[str | None, str | None], list[str]] = {}

    def _timed(self, part: str, read: Callable[[], T]) -> T:
        start = time.perf_counter()
        value = read()
        self.build_seconds[part] = time.perf_counter() - start
        return value

    def warm(self) -> ReadModel:
        """Build every part now (at start-up, or after a swap, off the request path)."""
        for part in PARTS:
            getattr(self, part)
        return self

    def has(self, part: str) -> bool:
        """Whether ``part`` is built (reading it then costs no query)."""
        return part in self.__dict__

    @cached_property
    def concepts(self) -> dict[str, ConceptView]:
        """Every concept's card (scalars, edge lists as IRIs, hyperparameters, sources, errata, pairings).

        Its relation lists come from :attr:`adjacency` (built first if it is not yet), not read twice.
        """
        edges = self.adjacency
        return self._timed("concepts", lambda: repository.get_concepts(self.store, None, edges=edges))

    @cached_property
    def papers(self) -> dict[str, PaperView]:
        """Every paper, authors in order."""
        return self._timed("papers", lambda: repository.get_papers(self.store, None))

    @cached_property
    def models(self) -> dict[str, ModelView]:
        """Every model."""
        return self._timed("models", lambda: repository.get_models(self.store, None))

    @cached_property
    def names(self) -> NameIndex:
        """Concept labels → IRIs, with each concept's kind (``"Adam optimizer"`` reaches only an optimizer), from the cards."""
        concepts = self.concepts
        return self._timed("names", lambda: _concept_names(concepts))

    @cached_property
    def model_names(self) -> NameIndex:
        """Model labels → IRIs (every preferred label of each model)."""
        return self._timed("model_names", lambda: repository.model_name_index(self.store))

    @cached_property
    def adjacency(self) -> Adjacency:
        """The relation edges, for neighbourhoods and shortest paths."""
        return self._timed("adjacency", lambda: Adjacency.read(self.store))

    @cached_property
    def pairs(self) -> PairIndex:
        """Every optimizer–layer pair with its recipe, and the families claims may be about (from the concept cards)."""
        concepts = self.concepts
        return self._timed("pairs", lambda: PairIndex.from_cards(concepts))

    @cached_property
    def stats(self) -> StatsView:
        """Counts of the graph's content."""
        return self._timed("stats", lambda: repository.get_stats(self.store))

    @cached_property
    def concept_order(self) -> list[str]:
        """Concept IRIs ordered by name."""
        return _ordered({iri: view.name for iri, view in self.concepts.items()})

    @cached_property
    def paper_order(self) -> list[str]:
        """Paper IRIs ordered by title."""
        return _ordered({iri: view.title for iri, view in self.papers.items()})

    @cached_property
    def model_order(self) -> list[str]:
        """Model IRIs ordered by name."""
        return _ordered({iri: view.name for iri, view in self.models.items()})

    def list_concepts(self, kind: str | None = None, status: str | None = None) -> list[str]:
        """Concept IRIs ordered by name, only of ``kind`` and ``status`` (their values: ``"LOSS"``, ``"SPECULATIVE"``) when given."""
        key = (kind, status)
        if key not in self._filtered:
            concepts = self.concepts
            self._filtered[key] = [
                iri
                for iri in self.concept_order
                if (kind is None or concepts[iri].kind == kind) and (status is None or concepts[iri].status == status)
            ]
        return self._filtered[key]
