"""SHACL validation of a graph against ``ontology/data/shapes.ttl`` (pySHACL)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyshacl import validate
from rdflib import Graph, Namespace

from ontology.resources import ONTOLOGY_TTL, SHAPES_TTL
from ontology.store import TripleStore

SH = Namespace("http://www.w3.org/ns/shacl#")


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of a SHACL run: ``messages`` has one line per violation."""

    conforms: bool
    focus_nodes: int
    messages: list[str] = field(default_factory=list)


def validate_graph(data: Graph) -> ValidationReport:
    """Validate ``data`` (with the ontology mixed in for class checks)."""
    shapes = Graph().parse(SHAPES_TTL, format="turtle")
    ontology = Graph().parse(ONTOLOGY_TTL, format="turtle")
    conforms, results, _text = validate(data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True)
    messages = []
    for result in results.subjects(predicate=SH.resultSeverity):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage)
        messages.append(f"{focus} {path or ''}: {message}")
    focus_nodes = len(set(data.subjects()))
    return ValidationReport(bool(conforms), focus_nodes, sorted(messages))


def validate_store(store: TripleStore) -> ValidationReport:
    """Validate the whole content of a store."""
    return validate_graph(store.to_rdflib())
