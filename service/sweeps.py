"""The pairing protocol's trials in the store and in the durable runs file.

Each finished trial becomes one ``nnv:PairingTrial`` PROV activity whose IRI is its config hash.
Trials are the protocol's evidence: unlike ad-hoc ``nnv:PairingVerification`` runs they are never
pruned (``keep_runs`` does not apply). The same triples are appended, flushed and fsync'd, to the
runs file (``ontology/data/pairing-trials.nt`` by default), which is committed and loaded into the
built-in graph, so a fresh clone's graph holds every run.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import PROV

from implementations.pairing.protocol import PROTOCOL_VERSION, Phase, TrialResult
from loaders.builtin import PAIRING_TRIALS_NT, complete_lines
from loaders.to_rdf import new_graph
from ontology.namespaces import BASE, NNV, concept_iri
from ontology.store import TripleStore
from service.runs import insert_data

DEFAULT_RUNS_FILE = PAIRING_TRIALS_NT


def trial_iri(result: TrialResult) -> URIRef:
    """The trial's IRI: its config hash (the same config always has the same IRI)."""
    return URIRef(f"{BASE}pairing-trial/{result.config.config_hash()}")


def trial_graph(result: TrialResult, phase: Phase, when: datetime | None = None) -> Graph:
    """The triples of one trial (``when``: when it was stored, default now)."""
    when = when or datetime.now(UTC)
    config = result.config
    run = trial_iri(result)
    graph = new_graph()
    graph.add((run, RDF.type, NNV.PairingTrial))
    graph.add((run, RDF.type, PROV.Activity))
    for prop, slug in ((NNV.family, config.family), (NNV.optimizer, config.optimizer)):
        graph.add((run, prop, concept_iri(slug)))
        graph.add((run, PROV.used, concept_iri(slug)))
    graph.add((run, PROV.startedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    graph.add((run, NNV.configHash, Literal(config.config_hash())))
    graph.add((run, NNV.seed, Literal(config.seed, datatype=XSD.integer)))
    graph.add((run, NNV.learningRate, Literal(float(config.lr), datatype=XSD.double)))
    graph.add((run, NNV.weightDecay, Literal(float(config.weight_decay), datatype=XSD.double)))
    graph.add((run, NNV.steps, Literal(config.steps, datatype=XSD.integer)))
    for extra in config.extras:
        graph.add((run, NNV.recipeExtra, Literal(extra)))
    graph.add((run, NNV.protocolVersion, Literal(result.protocol)))
    graph.add((run, NNV.phase, Literal(phase.value)))
    graph.add((run, NNV.ok, Literal(result.error is None)))
    graph.add((run, NNV.durationMs, Literal(result.duration_s * 1000.0, datatype=XSD.double)))
    graph.add((run, NNV.finalMetric, Literal(result.final_val_metric, datatype=XSD.double)))
    graph.add((run, NNV.metrics, Literal(json.dumps(result.to_json(), sort_keys=True))))
    return graph


def append_ntriples(path: Path, graph: Graph) -> None:
    """Append ``graph`` to ``path`` as N-Triples in one write, flushed and fsync'd before returning."""
    data = graph.serialize(format="nt", encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def record_trial(store: TripleStore, result: TrialResult, phase: Phase = Phase.TUNE, *, runs_file: Path | None = None) -> str:
    """Store ``result`` as a ``nnv:PairingTrial`` (appending it to ``runs_file`` first, durably); return its IRI."""
    graph = trial_graph(result, phase)
    if runs_file is not None:
        append_ntriples(runs_file, graph)
    store.update(insert_data(graph))
    store.flush()
    return str(trial_iri(result))


def list_trials(store: TripleStore, protocol: str = PROTOCOL_VERSION) -> list[TrialResult]:
    """The stored trials of ``protocol``, one per config hash, in hash order."""
    rows = store.select(
        "SELECT ?hash ?protocol ?metrics WHERE { ?t a nnv:PairingTrial ; nnv:configHash ?hash ; "
        "nnv:protocolVersion ?protocol ; nnv:metrics ?metrics } ORDER BY ?hash"
    )
    by_hash = {str(r["hash"]): str(r["metrics"]) for r in rows if str(r["protocol"]) == protocol}
    return [TrialResult.from_json(json.loads(metrics)) for metrics in by_hash.values()]


def stored_hashes(store: TripleStore) -> set[str]:
    """Config hashes of every stored trial (any protocol: the hash includes it)."""
    rows = store.select("SELECT DISTINCT ?hash WHERE { ?t a nnv:PairingTrial ; nnv:configHash ?hash ; nnv:metrics ?metrics }")
    return {str(r["hash"]) for r in rows}


def load_runs_file(store: TripleStore, path: Path) -> int:
    """Add the complete lines of the runs file at ``path`` to ``store`` (a torn last line is ignored); return triples read."""
    data = complete_lines(path)
    if not data:
        return 0
    graph = Graph().parse(data=data, format="nt")
    store.load_graph(graph)
    return len(graph)
