"""The :class:`Vocabulary` facade: a store plus its read model (:mod:`ontology.readmodel`) and search index.

The CLI, the Python API and the GraphQL resolvers all go through it, so a name resolves the
same way everywhere. The read model belongs to one store version: :meth:`Vocabulary.sync` swaps in
a new one (a single reference assignment) when the store's version moved on.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property

from ontology import repository
from ontology.names import NameIndex, UnknownNameError
from ontology.namespaces import CONCEPT, MODEL
from ontology.readmodel import ReadModel
from ontology.search import SearchIndex
from ontology.store import TripleStore
from ontology.views import ConceptView, ModelView

MAX_ORDERINGS = 64
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class AmbiguousNameError(LookupError):
    """A name carried by several concepts (``"SNN"``); ``candidates`` lists their IRIs."""

    def __init__(self, name: str, candidates: list[str], labels: list[str]) -> None:
        super().__init__(f"'{name}' is ambiguous: it names {', '.join(labels)}")
        self.name = name
        self.candidates = candidates
        self.labels = labels

    def __str__(self) -> str:
        return str(self.args[0])


class Vocabulary:
    """Read access to one graph. Caches are dropped by :meth:`invalidate` after a write."""

    def __init__(self, store: TripleStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._version = store.version()
        self._ordered: dict[tuple[str, str, str], list[str]] = {}
        self._model = ReadModel(store, self._version)

    @property
    def read_model(self) -> ReadModel:
        """The read model of the store version last synced (its parts are built on first use, or by ``warm``)."""
        return self._model

    def sync(self) -> bool:
        """Swap in a new read model if the store changed since (by anyone, on a shared store); whether it did."""
        version = self.store.version()
        if version == self._version:
            return False
        self.invalidate()
        return True

    def invalidate(self) -> None:
        """Forget cached indexes and start a new read model (call after the store changed)."""
        with self._lock:
            self.__dict__.pop("search_index", None)
            self._ordered = {}
            self._version = self.store.version()
            self._model = ReadModel(self.store, self._version)

    def ordered_iris(self, cls: str, label: str, filters: str = "") -> list[str]:
        """IRIs of a class in label order (see :func:`repository.list_iris`), cached until the store changes."""
        key = (cls, label, filters)
        if key not in self._ordered:
            if len(self._ordered) >= MAX_ORDERINGS:
                self._ordered.clear()
            self._ordered[key] = repository.list_iris(self.store, cls, label, filters)
        return self._ordered[key]

    @property
    def names(self) -> NameIndex:
        """Concept labels → IRIs, with each concept's kind (``"Adam optimizer"`` reaches only an optimizer)."""
        return self._model.names

    @property
    def model_names(self) -> NameIndex:
        """Model labels → IRIs."""
        return self._model.model_names

    @cached_property
    def search_index(self) -> SearchIndex:
        """The ranked search index."""
        return SearchIndex(self.store)

    def resolve(self, name: str) -> list[str]:
        """IRIs of the concepts named ``name``; raise :class:`UnknownNameError` if none."""
        return self.names.resolve_one(name)

    def resolve_concept(self, name: str) -> str:
        """The one concept IRI named ``name``.

        Raises:
            UnknownNameError: No concept has that name (with suggestions).
            AmbiguousNameError: Several concepts have it.

        """
        found = self.resolve(name)
        if len(found) > 1:
            labels = [self.names.preferred.get(iri, iri) for iri in found]
            raise AmbiguousNameError(name, found, labels)
        return found[0]

    def concept(self, name: str) -> ConceptView:
        """The full view of the concept named ``name`` (see :meth:`resolve_concept`)."""
        return self._model.concepts[self.resolve_concept(name)]

    def concept_by_id(self, slug: str) -> ConceptView | None:
        """The concept with this slug, or ``None``."""
        return self._model.concepts.get(str(CONCEPT[slug]))

    def model(self, name: str) -> ModelView:
        """The model named ``name`` (or with that slug)."""
        models = self._model.models
        if SLUG.fullmatch(name) and (direct := models.get(str(MODEL[name]))):
            return direct
        found = self.model_names.resolve(name)
        if not found:
            raise UnknownNameError(name, self.model_names.suggest(name))
        return models[found[0]]

    def label(self, iri: str) -> str:
        """Preferred label of a concept IRI (the IRI itself when unknown)."""
        return self.names.preferred.get(iri, iri)


__all__ = ["AmbiguousNameError", "UnknownNameError", "Vocabulary"]
