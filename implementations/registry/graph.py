"""The registry as RDF: ``mls:Implementation`` nodes linked to their concepts and models, and smoke-test runs."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from implementations.registry.spec import registry
from loaders.to_rdf import new_graph
from ontology.namespaces import BASE, MLS, NNV, concept_iri, model_iri

MODELS_MODULE = "implementations.architectures.models"  # the published model configurations (data)


def implementation_iri(concept: str) -> URIRef:
    """``https://w3id.org/nnvocab/implementation/<concept slug>``."""
    return URIRef(f"{BASE}implementation/{concept}")


def implementation_graph() -> Graph:
    """One ``mls:Implementation`` per registration, ``mls:implements`` its concept; configured models link to theirs."""
    graph = new_graph()
    specs = registry()
    for concept, spec in sorted(specs.items()):
        iri = implementation_iri(concept)
        graph.add((iri, RDF.type, MLS.Implementation))
        graph.add((iri, RDFS.label, Literal(spec.target)))
        graph.add((iri, MLS.implements, concept_iri(concept)))
        graph.add((concept_iri(concept), NNV.implementation, iri))
        graph.add((iri, NNV.target, Literal(spec.target)))
        graph.add((iri, NNV.origin, Literal(spec.origin.value)))
        graph.add((iri, NNV.defaultArgs, Literal(json.dumps(dict(spec.defaults), sort_keys=True, default=list))))
    _link_models(graph, set(specs))
    return graph


def _link_models(graph: Graph, registered: set[str]) -> None:
    """Each configured model ``nnv:implementation`` its architecture's implementation, with its ``nnv:publishedConfig``.

    The model table is loaded by name, as the registry loads registrations: the registry never imports
    ``implementations.architectures`` statically (which imports the registry).
    """
    configs = importlib.import_module(MODELS_MODULE).MODEL_CONFIGS
    for model, config in sorted(configs.items()):
        if config.architecture in registered:
            graph.add((model_iri(model), NNV.implementation, implementation_iri(config.architecture)))
            graph.add((model_iri(model), NNV.publishedConfig, Literal(json.dumps(config.as_dict(), sort_keys=True))))


def smoke_run_graph(result: dict[str, Any], when: datetime | None = None) -> tuple[Graph, URIRef]:
    """A ``nnv:SmokeTest`` PROV activity for one result; returns the graph and the run's IRI."""
    when = when or datetime.now(UTC)
    impl = implementation_iri(result["term"])
    run = URIRef(f"{impl}#smoke-{when.strftime('%Y%m%dT%H%M%S%f')}")
    graph = new_graph()
    graph.add((run, RDF.type, NNV.SmokeTest))
    graph.add((run, RDF.type, PROV.Activity))
    graph.add((run, PROV.used, impl))
    graph.add((run, PROV.startedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    graph.add((run, NNV.ok, Literal(bool(result.get("ok")))))
    graph.add((run, NNV.durationMs, Literal(float(result.get("duration_ms", 0.0)), datatype=XSD.double)))
    graph.add((run, NNV.detail, Literal(json.dumps({"checks": result.get("checks", []), "error": result.get("error")}))))
    return graph, run
