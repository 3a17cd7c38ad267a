"""The graph's relations (:data:`ontology.graphview.RELATIONS`) as in-memory adjacency, read in one query."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from sys import intern

from ontology.graphview import RELATIONS, EdgeView, curie
from ontology.store import TripleStore


class Adjacency:
    """Edges by subject and by object; an :class:`ontology.graphview.EdgeReader` that never queries the store."""

    def __init__(self, edges: list[EdgeView]) -> None:
        self.leaving: dict[str, list[EdgeView]] = defaultdict(list)
        self.entering: dict[str, list[EdgeView]] = defaultdict(list)
        for edge in edges:
            self.leaving[edge.subject].append(edge)
            self.entering[edge.object].append(edge)
        self.size = len(edges)

    @classmethod
    def read(cls, store: TripleStore) -> Adjacency:
        """Every relation edge of ``store``, in one query (each IRI held once, shared with the cards that intern it too)."""
        rows = store.select(f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {' '.join(RELATIONS)} }} ?s ?p ?o }}")
        curies = {iri: curie(iri) for iri in {str(r["p"]) for r in rows}}
        return cls([EdgeView(intern(str(r["s"])), curies[str(r["p"])], intern(str(r["o"]))) for r in rows])

    def __iter__(self) -> Iterator[EdgeView]:
        """Every edge, once."""
        for leaving in self.leaving.values():
            yield from leaving

    def edges(self, nodes: set[str], predicates: set[str] | None, *, out: bool = True, into: bool = True) -> list[EdgeView]:
        """The edges leaving (``out``) and/or entering (``into``) ``nodes``, only of ``predicates`` when given."""
        found: set[EdgeView] = set()
        for node in nodes:
            if out:
                found.update(self.leaving.get(node, ()))
            if into:
                found.update(self.entering.get(node, ()))
        return [e for e in found if predicates is None or e.predicate in predicates]
