"""Pairing verifications: run a claimed (or any) optimizer–layer pair, store it as provenance, read it back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from rdflib import RDF, XSD, Literal, URIRef
from rdflib.namespace import PROV

from implementations.pairing.verify import list_tasks
from implementations.registry.graph import implementation_iri
from implementations.sandbox.sandbox import verify_in_sandbox
from loaders.to_rdf import new_graph
from ontology.namespaces import BASE, NNV, concept_iri
from ontology.pairs import families_of
from ontology.store import TripleStore
from ontology.views import slug_of
from ontology.vocabulary import Vocabulary
from service.runs import insert_data, prune_runs


class VerificationError(ValueError):
    """The layer has no benchmark task, or the optimizer is not an optimizer with an implementation."""


def task_family(vocab: Vocabulary, layer_iri: str) -> str:
    """The slug of the benchmark task that exercises ``layer_iri`` (itself or its nearest family)."""
    tasks = set(list_tasks())
    for candidate in [layer_iri, *families_of(vocab.store, layer_iri)]:
        if slug_of(candidate) in tasks:
            return slug_of(candidate)
    raise VerificationError(f"no benchmark task for '{vocab.label(layer_iri)}'; tasks exist for {', '.join(sorted(tasks))}")


def record_verification(store: TripleStore, result: dict[str, Any], keep_runs: int, when: datetime | None = None) -> str:
    """Store ``result`` as a ``nnv:PairingVerification`` PROV activity linked to the pairing; return its IRI.

    Only the newest ``keep_runs`` runs of the (layer, optimizer) pair are kept: the write deletes older
    ones, with their pairing links, in the same transaction.
    """
    when = when or datetime.now(UTC)
    layer, optimizer = result["layer"], result["optimizer"]
    run = URIRef(f"{BASE}verification/{layer}--{optimizer}--{when.strftime('%Y%m%dT%H%M%S%f')}")
    graph = new_graph()
    graph.add((run, RDF.type, NNV.PairingVerification))
    graph.add((run, RDF.type, PROV.Activity))
    for slug in (layer, optimizer):
        graph.add((run, PROV.used, concept_iri(slug)))
    graph.add((run, PROV.used, implementation_iri(optimizer)))
    graph.add((run, PROV.startedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    graph.add((run, NNV.ok, Literal(bool(result.get("ok")))))
    graph.add((run, NNV.durationMs, Literal(float(result.get("duration_ms", 0.0)), datatype=XSD.double)))
    graph.add((run, NNV.detail, Literal(json.dumps(result, default=str))))
    pairings = " ".join(f"<{concept_iri(a)}#pairing-{b}>" for a, b in ((layer, optimizer), (optimizer, layer)))
    link = f"INSERT {{ ?pairing nnv:verification <{run}> }} WHERE {{ VALUES ?pairing {{ {pairings} }} ?pairing a nnv:Pairing }}"
    used = [str(concept_iri(layer)), str(concept_iri(optimizer))]
    store.update(" ;\n".join([insert_data(graph), link, prune_runs("nnv:PairingVerification", used, keep_runs)]))
    return str(run)


def latest_verification(store: TripleStore, layer: str, optimizer: str) -> dict[str, Any] | None:
    """The newest stored run for the (layer, optimizer) slugs; ``None`` when never run."""
    rows = store.select(
        f"SELECT ?detail WHERE {{ ?run a nnv:PairingVerification ; prov:used <{concept_iri(layer)}>, <{concept_iri(optimizer)}> ; "
        "prov:startedAtTime ?t ; nnv:detail ?detail } ORDER BY DESC(?t) LIMIT 1"
    )
    return json.loads(str(rows[0]["detail"])) if rows else None


def run_verification(vocab: Vocabulary, layer: str, optimizer: str, *, keep_runs: int, **options: Any) -> dict[str, Any]:
    """Resolve names, run the family's task in the sandbox, store and return the result.

    Raises:
        UnknownNameError / AmbiguousNameError: A name does not resolve to one concept.
        VerificationError: No task for the layer, or the optimizer is not a registered optimizer.

    """
    layer_iri = vocab.resolve_concept(layer)
    optimizer_iri = vocab.resolve_concept(optimizer)
    view = vocab.concept_by_id(slug_of(optimizer_iri))
    if view is None or view.kind != "OPTIMIZER" or not view.implementation:
        raise VerificationError(f"'{vocab.label(optimizer_iri)}' is not an optimizer with a registered implementation")
    family = task_family(vocab, layer_iri)
    result = verify_in_sandbox(family, slug_of(optimizer_iri), **options)
    result.setdefault("layer", family)
    result.setdefault("optimizer", slug_of(optimizer_iri))
    result.setdefault("seed", options.get("seed", 0))
    if "initial_loss" in result:
        record_verification(vocab.store, result, keep_runs)
    return result
