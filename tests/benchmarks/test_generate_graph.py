from __future__ import annotations

from pathlib import Path

from benchmarks.generate_graph import generate
from ontology import repository
from ontology.pairs import list_pairs_with_families
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary


def test_synthetic_graph_has_the_shape_the_service_queries(tmp_path: Path) -> None:
    info = generate(tmp_path / "g.nt", 4000, seed=3)
    assert abs(info.triples - 4000) <= 0.05 * 4000
    store = GraphStore()
    store.load((tmp_path / "g.nt").read_bytes(), "nt")
    assert len(store) == info.triples  # no triple written twice
    vocab = Vocabulary(store)
    assert len(info.aliases) >= 10
    assert all(len(vocab.resolve(alias)) == 1 for alias in info.aliases)
    layer = vocab.resolve_concept(info.layer)
    assert list_pairs_with_families(store, layer)
    assert vocab.search_index.search(info.search_text, 1)[0].iri == layer
    stats = repository.get_stats(store)
    assert stats.concepts == info.concepts
    assert 0.6 < stats.papers / stats.concepts < 1.0  # built-in graph: 334 / 411
    assert 0.2 < stats.models / stats.concepts < 0.45  # 129 / 411
    assert 0.3 < stats.pairings / stats.concepts < 0.6  # 181 / 411


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate(tmp_path / "a.nt", 2000, seed=5)
    generate(tmp_path / "b.nt", 2000, seed=5)
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()
