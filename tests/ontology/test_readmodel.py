"""The read model against its oracle, SPARQL: same cards, names, orders, pairs and traversals; swapped per version."""

from __future__ import annotations

import pytest

from ontology import repository
from ontology.graphview import neighbourhood, shortest_path
from ontology.namespaces import CONCEPT, ConceptKind, ConceptStatus
from ontology.pairs import LAYER_KINDS, list_pairs, list_pairs_with_families
from ontology.readmodel import PARTS, ReadModel
from ontology.remote_store import RemoteStore
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from tests.ontology.test_pairs import sparql_pairs


@pytest.fixture(scope="module")
def model(builtin_store: GraphStore) -> ReadModel:
    return ReadModel(builtin_store, builtin_store.version()).warm()


def _sample(iris: list[str], count: int = 60) -> list[str]:
    return sorted(iris)[:: max(1, len(iris) // count)]


def test_cards_equal_what_sparql_returns(model: ReadModel, builtin_store: GraphStore) -> None:
    assert len(model.concepts) > 300 and len(model.papers) > 100 and len(model.models) > 50
    for table, read in (
        (model.concepts, repository.get_concepts),
        (model.papers, repository.get_papers),
        (model.models, repository.get_models),
    ):
        sample = _sample(list(table))
        assert {iri: table[iri] for iri in sample} == read(builtin_store, sample)
    assert model.stats == repository.get_stats(builtin_store)


def test_orders_and_names_equal_sparql(model: ReadModel, builtin_store: GraphStore) -> None:
    assert model.concept_order == repository.list_iris(builtin_store, "nnv:Concept", "skos:prefLabel")
    assert model.paper_order == repository.list_iris(builtin_store, "nnv:Paper", "dcterms:title")
    assert model.model_order == repository.list_iris(builtin_store, "nnv:Model", "skos:prefLabel")
    losses = repository.list_iris(builtin_store, "nnv:Concept", "skos:prefLabel", f"?x nnv:kind <{ConceptKind.LOSS.iri}> .")
    assert model.list_concepts("LOSS") == losses and len(losses) > 5
    speculative = f"?x nnv:status <{ConceptStatus.SPECULATIVE.iri}> ."
    assert model.list_concepts(None, "SPECULATIVE") == repository.list_iris(builtin_store, "nnv:Concept", "skos:prefLabel", speculative)
    sparql_names = repository.name_index(builtin_store, with_kinds=True)
    assert model.names.keys == sparql_names.keys and model.names.preferred == sparql_names.preferred
    assert model.names.kinds == sparql_names.kinds
    assert model.names.resolve_typed("Adam optimizer") == [str(CONCEPT["adam"])]


def test_pairs_equal_sparql(model: ReadModel, builtin_store: GraphStore) -> None:
    assert model.pairs.list_pairs() == list_pairs(builtin_store) == sparql_pairs(builtin_store)
    layers = [iri for iri, view in model.concepts.items() if view.kind in {k.value for k in LAYER_KINDS}]
    adam = [str(CONCEPT["adam"])]
    for layer in _sample(layers, 40) + [str(CONCEPT[s]) for s in ("conv1d", "self-attention", "transformer")]:
        assert model.pairs.list_pairs_with_families(layer) == list_pairs_with_families(builtin_store, layer), layer
        assert model.pairs.list_pairs_with_families(layer, adam) == list_pairs_with_families(builtin_store, layer, adam), layer
    inferred = model.pairs.list_pairs_with_families(str(CONCEPT["conv1d"]))
    assert [p.via for p in inferred if p.via] and all(p.layer == str(CONCEPT["conv1d"]) for p in inferred)


@pytest.mark.parametrize("depth", [1, 2])
def test_neighbourhoods_and_paths_equal_the_store_traversal(model: ReadModel, builtin_store: GraphStore, depth: int) -> None:
    for slug in ("adamw", "lstm", "layer-normalization"):
        iri = str(CONCEPT[slug])
        assert neighbourhood(model.adjacency, iri, depth) == neighbourhood(builtin_store, iri, depth)
        only = {"skos:broader"}
        assert neighbourhood(model.adjacency, iri, depth, only) == neighbourhood(builtin_store, iri, depth, only)
    for a, b in (("lstm", "adam"), ("adamw", "transformer"), ("gelu", "dropout")):
        ours = shortest_path(model.adjacency, str(CONCEPT[a]), str(CONCEPT[b]))
        assert ours is not None and ours == shortest_path(builtin_store, str(CONCEPT[a]), str(CONCEPT[b]))


def test_a_write_swaps_in_a_new_model(builtin_store: GraphStore) -> None:
    store = GraphStore()
    store.load(builtin_store.dump("nt"), "nt")
    vocab = Vocabulary(store)
    before = vocab.read_model.warm()
    iri = str(CONCEPT["adamw"])
    assert vocab.sync() is False and vocab.read_model is before
    store.update(f'INSERT DATA {{ <{iri}> <http://www.w3.org/2004/02/skos/core#altLabel> "decoupled adam zz" }}')
    assert vocab.sync() is True
    after = vocab.read_model
    assert after is not before and after.version != before.version
    assert "decoupled adam zz" in after.concepts[iri].alt_names and "decoupled adam zz" not in before.concepts[iri].alt_names
    assert vocab.resolve_concept("decoupled adam zz") == iri
    assert set(before.build_seconds) == set(PARTS)


def test_remote_model_equals_the_embedded_one(oxigraph_url: str, builtin_store: GraphStore, model: ReadModel) -> None:
    remote = RemoteStore(oxigraph_url)
    try:
        remote.load(builtin_store.dump("nt"), "nt", replace=True)
        theirs = ReadModel(remote, remote.version()).warm()
        assert theirs.concepts == model.concepts and theirs.papers == model.papers and theirs.models == model.models
        assert theirs.names.keys == model.names.keys and theirs.concept_order == model.concept_order
        assert theirs.pairs.pairs == model.pairs.pairs
        assert theirs.adjacency.size == model.adjacency.size and theirs.stats.concepts == model.stats.concepts
    finally:
        remote.update("CLEAR ALL")
        remote.close()
