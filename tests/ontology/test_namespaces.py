from __future__ import annotations

import pytest
from rdflib import OWL, RDF, Graph

from ontology.namespaces import NNV, ConceptKind
from ontology.resources import ONTOLOGY_TTL, SHAPES_TTL


def test_misspelt_term_is_an_error() -> None:
    assert str(NNV.pairsWith).endswith("#pairsWith")
    with pytest.raises(AttributeError):
        _ = NNV.pairWith


def test_namespace_and_ontology_declare_the_same_terms() -> None:
    graph = Graph().parse(ONTOLOGY_TTL, format="turtle")
    declared = {str(s) for s in graph.subjects() if str(s).startswith(str(NNV._NS))}
    in_code = {str(NNV[name]) for name in NNV.__annotations__}
    kinds = {str(kind.iri) for kind in ConceptKind}
    assert in_code <= declared
    assert declared - kinds == in_code


def test_pairs_with_is_symmetric_in_the_ontology() -> None:
    graph = Graph().parse(ONTOLOGY_TTL, format="turtle")
    assert (NNV.pairsWith, RDF.type, OWL.SymmetricProperty) in graph


def test_shapes_parse() -> None:
    assert len(Graph().parse(SHAPES_TTL, format="turtle")) > 20
