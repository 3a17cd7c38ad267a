"""A NetworkX view of the graph's concept/paper/model relations, for paths and neighbourhoods."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import networkx as nx

from ontology.store import TripleStore
from ontology.vocab import PREFIXES

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


def _curie(iri: str) -> str:
    for prefix, base in PREFIXES.items():
        if iri.startswith(base) and prefix in ("nnv", "skos", "dcterms"):
            return f"{prefix}:{iri[len(base) :]}"
    return iri


def build_view(store: TripleStore) -> nx.MultiDiGraph:
    """A multigraph of the relations in :data:`RELATIONS`; each edge keyed by its CURIE predicate."""
    values = " ".join(RELATIONS)
    graph: nx.MultiDiGraph = nx.MultiDiGraph()
    for row in store.select(f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o }}"):
        graph.add_edge(str(row["s"]), str(row["o"]), key=_curie(str(row["p"])))
    return graph


def neighbourhood(view: nx.MultiDiGraph, node: str, depth: int = 1, predicates: set[str] | None = None) -> tuple[set[str], list[EdgeView]]:
    """Nodes within ``depth`` hops of ``node`` (following edges either way) and the edges among them."""
    seen = {node}
    frontier = {node}
    edges: set[EdgeView] = set()
    for _ in range(max(depth, 0)):
        nxt: set[str] = set()
        for current in frontier:
            if current not in view:
                continue
            for s, o, key in list(view.out_edges(current, keys=True)) + list(view.in_edges(current, keys=True)):
                if predicates is None or key in predicates:
                    edges.add(EdgeView(s, key, o))
                    nxt.update((s, o))
        frontier = nxt - seen
        seen |= nxt
    return seen, sorted(edges, key=lambda e: (e.subject, e.predicate, e.object))


def shortest_path(view: nx.MultiDiGraph, source: str, target: str, max_length: int = 6) -> list[EdgeView] | None:
    """The shortest directed path as edges, or ``None`` when none has at most ``max_length`` edges."""
    if source not in view or target not in view:
        return None
    try:
        nodes = nx.shortest_path(view, source, target)
    except nx.NetworkXNoPath:
        return None
    if len(nodes) - 1 > max_length:
        return None
    return [EdgeView(a, sorted(view[a][b])[0], b) for a, b in pairwise(nodes)]
