"""Store-side traversals agree with NetworkX run on the whole graph (the oracle)."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

from ontology.graphview import RELATIONS, neighbourhood, shortest_path
from ontology.namespaces import CONCEPT
from ontology.store import GraphStore

SAMPLE = ["adamw", "transformer", "lion", "gelu", "layer-normalization", "dropout", "adam", "multi-head-attention"]


@pytest.fixture(scope="module")
def oracle(builtin_store: GraphStore) -> nx.MultiDiGraph:
    graph: nx.MultiDiGraph = nx.MultiDiGraph()
    rows = builtin_store.select(f"SELECT ?s ?p ?o WHERE {{ VALUES ?p {{ {' '.join(RELATIONS)} }} ?s ?p ?o }}")
    for row in rows:
        graph.add_edge(str(row["s"]), str(row["o"]))
    return graph


@pytest.mark.parametrize("depth", [1, 2])
def test_neighbourhood_matches_networkx(builtin_store: GraphStore, oracle: nx.MultiDiGraph, depth: int) -> None:
    start = str(CONCEPT["adamw"])
    nodes, edges = neighbourhood(builtin_store, start, depth)
    expected = set(nx.single_source_shortest_path_length(oracle.to_undirected(as_view=True), start, cutoff=depth))
    assert nodes == expected
    assert all(e.subject in nodes and e.object in nodes for e in edges)
    assert len(edges) == len({(e.subject, e.predicate, e.object) for e in edges})


def test_neighbourhood_filters_predicates(builtin_store: GraphStore) -> None:
    _, edges = neighbourhood(builtin_store, str(CONCEPT["adamw"]), 1, {"nnv:pairsWith"})
    assert edges and {e.predicate for e in edges} == {"nnv:pairsWith"}


def test_shortest_paths_match_networkx(builtin_store: GraphStore, oracle: nx.MultiDiGraph) -> None:
    checked = 0
    for a, b in itertools.permutations(SAMPLE, 2):
        source, target = str(CONCEPT[a]), str(CONCEPT[b])
        path = shortest_path(builtin_store, source, target, max_length=6)
        try:
            expected = nx.shortest_path_length(oracle, source, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            expected = None
        if expected is None or expected > 6:
            assert path is None
            continue
        checked += 1
        assert path is not None and len(path) == expected
        assert path[0].subject == source and path[-1].object == target
        assert all(x.object == y.subject for x, y in itertools.pairwise(path))
    assert checked >= 20


def test_short_max_length_gives_none(builtin_store: GraphStore, oracle: nx.MultiDiGraph) -> None:
    source, target = str(CONCEPT["lion"]), str(CONCEPT["gelu"])
    length = nx.shortest_path_length(oracle, source, target)
    assert shortest_path(builtin_store, source, target, max_length=length - 1) is None
    assert shortest_path(builtin_store, source, source) == []
