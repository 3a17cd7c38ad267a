"""Implementation runs shared by the CLI and the GraphQL resolvers: sandboxed jobs and their provenance.

Stored runs are bounded: each write keeps the newest ``keep_runs`` runs (``Settings.keep_runs``,
``NNV_KEEP_RUNS``) of its implementation (or pairing) and deletes the older ones with all their
triples, in the same update transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rdflib import Graph

from implementations.anatomy.advise import build_advice
from implementations.anatomy.check_models import ModelReport, check_models
from implementations.anatomy.inspect import Anatomy
from implementations.registry.graph import implementation_graph, implementation_iri, smoke_run_graph
from implementations.sandbox.sandbox import anatomy_in_sandbox, instantiate, smoke_test
from ontology.namespaces import NNV
from ontology.store import TripleStore
from ontology.vocabulary import Vocabulary


def add_implementations(store: TripleStore) -> int:
    """Derive the registry's ``mls:Implementation`` nodes into the graph; return triples added."""
    return store.load_graph(implementation_graph())


def insert_data(graph: Graph) -> str:
    """A SPARQL ``INSERT DATA`` of ``graph``'s triples, written as N-Triples terms (values never become query text)."""
    return "INSERT DATA {\n" + graph.serialize(format="nt", encoding="utf-8").decode() + "}"


def prune_runs(kind: str, used: list[str], keep: int) -> str:
    """A SPARQL update deleting all but the newest ``keep`` runs of ``kind`` that used every IRI of ``used``.

    Every triple about an older run and every triple pointing at it goes.
    """
    uses = ", ".join(f"<{iri}>" for iri in used)
    runs = f"?old a {kind} ; prov:used {uses} ; prov:startedAtTime ?t"
    older = f"SELECT ?old WHERE {{ {runs} }} ORDER BY DESC(?t) DESC(STR(?old)) OFFSET {keep}"
    return f"DELETE {{ ?old ?p ?o . ?s ?q ?old }} WHERE {{ {{ {older} }} {{ ?old ?p ?o }} UNION {{ ?s ?q ?old }} }}"


def record_smoke(vocab: Vocabulary, result: dict[str, Any], keep_runs: int) -> None:
    """Store a smoke run as a PROV activity, point ``nnv:lastSmokeTest`` at it, keep the newest ``keep_runs``: one transaction."""
    graph, run = smoke_run_graph(result)
    impl = implementation_iri(result["term"])
    graph.add((impl, NNV.lastSmokeTest, run))
    unlink = f"DELETE WHERE {{ <{impl}> nnv:lastSmokeTest ?old }}"
    vocab.store.update(" ;\n".join([unlink, insert_data(graph), prune_runs("nnv:SmokeTest", [str(impl)], keep_runs)]))


def run_smoke(vocab: Vocabulary, term: str, args: dict[str, Any] | None = None, *, keep_runs: int) -> dict[str, Any]:
    """Smoke-test in the sandbox and record the result (raises for unknown terms or bad args)."""
    result = smoke_test(term, args)
    record_smoke(vocab, result, keep_runs)
    return result


def run_instantiate(term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Instantiate in the sandbox (raises for unknown terms or bad args)."""
    return instantiate(term, args)


@dataclass(frozen=True)
class StoredSmoke:
    """The latest stored smoke run of an implementation."""

    term: str
    ok: bool
    duration_ms: float
    checks: list[dict[str, Any]]
    error: str | None


def last_smoke_tests(store: TripleStore, concepts: list[str]) -> dict[str, StoredSmoke]:
    """Latest stored smoke run per concept slug (absent when never run)."""
    values = " ".join(f"<{implementation_iri(c)}>" for c in concepts)
    rows = store.select(
        f"SELECT ?impl ?ok ?ms ?detail WHERE {{ VALUES ?impl {{ {values} }} ?impl nnv:lastSmokeTest ?run . "
        "?run nnv:ok ?ok ; nnv:durationMs ?ms ; nnv:detail ?detail }"
    )
    out = {}
    for row in rows:
        slug = str(row["impl"]).rsplit("/", 1)[-1]
        detail = json.loads(str(row["detail"]))
        out[slug] = StoredSmoke(slug, bool(row["ok"]), float(row["ms"]), detail.get("checks", []), detail.get("error"))  # type: ignore[arg-type]
    return out


def run_inspect(term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build ``term`` in the sandbox and inspect it: ``{ok, term, anatomy, param_groups}`` or ``{ok: false, error}``."""
    return anatomy_in_sandbox(term, args)


def advice_from(vocab: Vocabulary, result: dict[str, Any]) -> dict[str, Any]:
    """The advice for a successful anatomy job's result, from the graph's pairings and stored verifications (no torch here)."""
    from service.verifications import latest_verification

    anatomy = Anatomy.from_dict(result["anatomy"])
    stored = lambda layer, optimizer: latest_verification(vocab.store, layer, optimizer)  # noqa: E731
    advice = build_advice(anatomy, result["param_groups"], vocab.store, result["term"], stored)
    return {"ok": True, **advice.to_dict()}


def run_advise(vocab: Vocabulary, term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Inspect ``term`` in the sandbox, then advise (:func:`advice_from`); a failed job's result as it is."""
    result = anatomy_in_sandbox(term, args)
    return advice_from(vocab, result) if result.get("ok") else result


def _sandbox_inspector(architecture: str, args: dict[str, Any]) -> Anatomy:
    result = anatomy_in_sandbox(architecture, args, meta=True)
    if not result.get("ok"):
        raise RuntimeError(str(result.get("error")))
    return Anatomy.from_dict(result["anatomy"])


def run_check_models(vocab: Vocabulary, models: list[str] | None = None) -> list[ModelReport]:
    """Check the graph's "model uses concept" edges against the models, each built at its published size on the meta device (sandbox)."""
    return check_models(vocab.store, _sandbox_inspector, models)
