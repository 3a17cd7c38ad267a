"""The :class:`Vocabulary` facade: a store plus its cached name and search indexes.

The CLI, the Python API and the GraphQL resolvers all go through it, so a name resolves the
same way everywhere.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property

from ontology import repository
from ontology.names import NameIndex, UnknownNameError
from ontology.namespaces import CONCEPT, MODEL
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

    def sync(self) -> None:
        """Drop the cached indexes if the store changed since they were built (by anyone, on a shared store)."""
        version = self.store.version()
        if version != self._version:
            self.invalidate()
            self._version = version

    def invalidate(self) -> None:
        """Forget cached indexes (call after the store changed)."""
        with self._lock:
            for name in ("names", "model_names", "search_index"):
                self.__dict__.pop(name, None)
            self._ordered = {}

    def ordered_iris(self, cls: str, label: str, filters: str = "") -> list[str]:
        """IRIs of a class in label order (see :func:`repository.list_iris`), cached until the store changes."""
        key = (cls, label, filters)
        if key not in self._ordered:
            if len(self._ordered) >= MAX_ORDERINGS:
                self._ordered.clear()
            self._ordered[key] = repository.list_iris(self.store, cls, label, filters)
        return self._ordered[key]

    @cached_property
    def names(self) -> NameIndex:
        """Concept labels → IRIs, with each concept's kind (``"Adam optimizer"`` reaches only an optimizer)."""
        index = repository.name_index(self.store)
        rows = self.store.select("SELECT ?c ?k WHERE { ?c a nnv:Concept ; nnv:kind ?kind BIND(STRAFTER(STR(?kind), 'kind-') AS ?k) }")
        index.kinds = {str(r["c"]): str(r["k"]) for r in rows}
        return index

    @cached_property
    def model_names(self) -> NameIndex:
        """Model labels → IRIs."""
        rows = self.store.select("SELECT ?m ?l WHERE { ?m a nnv:Model ; skos:prefLabel ?l }")
        return NameIndex.from_labels((str(r["m"]), str(r["l"]), True) for r in rows)

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
        iri = self.resolve_concept(name)
        return repository.get_concepts(self.store, [iri])[iri]

    def concept_by_id(self, slug: str) -> ConceptView | None:
        """The concept with this slug, or ``None``."""
        return repository.get_concepts(self.store, [str(CONCEPT[slug])]).get(str(CONCEPT[slug]))

    def model(self, name: str) -> ModelView:
        """The model named ``name`` (or with that slug)."""
        if SLUG.fullmatch(name) and (direct := repository.get_models(self.store, [str(MODEL[name])])):
            return next(iter(direct.values()))
        found = self.model_names.resolve(name)
        if not found:
            raise UnknownNameError(name, self.model_names.suggest(name))
        return repository.get_models(self.store, found[:1])[found[0]]

    def label(self, iri: str) -> str:
        """Preferred label of a concept IRI (the IRI itself when unknown)."""
        return self.names.preferred.get(iri, iri)


__all__ = ["AmbiguousNameError", "UnknownNameError", "Vocabulary"]
