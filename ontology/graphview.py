"""Neighbourhoods and shortest paths over the concept/paper/model relations.

Traversals fetch one level at a time from an :class:`EdgeReader`: the store itself (batched SPARQL,
so they scale and work on a remote store) or the read model's in-memory adjacency
(:class:`ontology.readmodel.Adjacency`); NetworkX runs the path algorithm on the subgraph that was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol

from ontology.namespaces import PREFIXES
from ontology.store import TripleStore

BATCH = 400
RELATIONS = (
    "nnv:pairsWith",
    "skos:broader",
    "skos:narrower",
    "skos:related",
    "nnv:introducedIn",
    "nnv:describes",
    "nnv:uses",
    "nnv:usedBy",
)


@dataclass(frozen=True)
class EdgeView:
    """A directed edge with a CURIE predicate."""

    subject: str
    predicate: str
    object: str


class EdgeReader(Protocol):
    """Where traversals read edges from."""

    def edges(self, nodes: set[str], predicates: set[str] | None, *, out: bool = True, into: bool = True) -> list[EdgeView]:
        """The edges of :data:`RELATIONS` (or of ``predicates``) leaving and/or entering ``nodes``."""
        ...


def curie(iri: str) -> str:
    """The CURIE of a relation IRI (``nnv:``, ``skos:`` or ``dcterms:``), the IRI itself otherwise."""
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and prefix in ("nnv", "skos", "dcterms"):
            return f"{prefix}:{iri[len(base) :]}"
    return iri


class StoreEdges:
    """Edges read from the store in batched SPARQL (:data:`BATCH` nodes a query)."""

    def __init__(self, store: TripleStore) -> None:
        self.store = store

    def edges(self, nodes: set[str], predicates: set[str] | None, *, out: bool = True, into: bool = True) -> list[EdgeView]:
        """See :meth:`EdgeReader.edges`."""
        return _edges(self.store, nodes, predicates, out=out, into=into)


def _reader(source: TripleStore | EdgeReader) -> EdgeReader:
    return StoreEdges(source) if isinstance(source, TripleStore) else source


def _edges(store: TripleStore, nodes: set[str], predicates: set[str] | None, *, out: bool = True, into: bool = True) -> list[EdgeView]:
    wanted = [p for p in RELATIONS if predicates is None or p in predicates]
    found: list[EdgeView] = []
    ordered = sorted(nodes)
    for start in range(0, len(ordered) if wanted else 0, BATCH):
        values = " ".join(f"<{n}>" for n in ordered[start : start + BATCH])
        patterns = [f"{{ VALUES ?s {{ {values} }} ?s ?p ?o }}"] * out + [f"{{ VALUES ?o {{ {values} }} ?s ?p ?o }}"] * into
        query = f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {' '.join(wanted)} }} {' UNION '.join(patterns)} }}"
        found += [EdgeView(str(r["s"]), curie(str(r["p"])), str(r["o"])) for r in store.select(query)]
    return found


def _edge_order(edge: EdgeView) -> tuple[str, str, str]:
    """Ties between paths go the same way whatever order a reader returns edges in."""
    return edge.predicate, edge.subject, edge.object


def neighbourhood(
    source: TripleStore | EdgeReader, node: str, depth: int = 1, predicates: set[str] | None = None
) -> tuple[set[str], list[EdgeView]]:
    """Nodes within ``depth`` hops of ``node`` (following edges either way) and the edges among them.

    Read level by level from ``source`` (from a store: one batched query per level, so it works the
    same on a remote store and never loads the whole graph).
    """
    reader = _reader(source)
    seen = {node}
    frontier = {node}
    edges: set[EdgeView] = set()
    for _ in range(max(depth, 0)):
        if not frontier:
            break
        found = reader.edges(frontier, predicates)
        edges.update(found)
        reached = {e.subject for e in found} | {e.object for e in found}
        frontier = reached - seen
        seen |= reached
    return seen, sorted(edges, key=lambda e: (e.subject, e.predicate, e.object))


def shortest_path(graph: TripleStore | EdgeReader, source: str, target: str, max_length: int = 6) -> list[EdgeView] | None:
    """The shortest directed path as edges, or ``None`` when none has at most ``max_length`` edges.

    A bidirectional breadth-first search over ``graph`` (forward from ``source``, backward
    from ``target``, the smaller frontier first); NetworkX finds the path in the subgraph read.
    """
    import networkx as nx  # here: a server starts without it (~0.08 s)

    reader = _reader(graph)
    if source == target:
        return []
    found = nx.DiGraph()
    reached = {source}, {target}
    frontiers = {source}, {target}
    for _ in range(max_length):
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        new: set[str] = set()
        for edge in sorted(reader.edges(frontiers[side], None, out=side == 0, into=side == 1), key=_edge_order):
            if not found.has_edge(edge.subject, edge.object):
                found.add_edge(edge.subject, edge.object, predicate=edge.predicate)
            new.add(edge.object if side == 0 else edge.subject)
        new -= reached[side]
        reached[side].update(new)
        frontiers = (new, frontiers[1]) if side == 0 else (frontiers[0], new)
        if reached[0] & reached[1]:
            nodes = nx.shortest_path(found, source, target)
            return [EdgeView(a, found[a][b]["predicate"], b) for a, b in pairwise(nodes)]
        if not new:
            return None
    return None
