"""Implementation runs shared by the CLI and the GraphQL resolvers: sandboxed jobs and their provenance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from implementations._graph import implementation_graph, implementation_iri, smoke_run_graph
from implementations._sandbox import instantiate, smoke_test
from ontology.store import TripleStore
from ontology.vocabulary import Vocabulary


def add_implementations(store: TripleStore) -> int:
    """Derive the registry's ``mls:Implementation`` nodes into the graph; return triples added."""
    return store.load_graph(implementation_graph())


def record_smoke(vocab: Vocabulary, result: dict[str, Any]) -> None:
    """Store a smoke run as a PROV activity and point ``nnv:lastSmokeTest`` at it (history is kept)."""
    graph, run = smoke_run_graph(result)
    impl = implementation_iri(result["term"])
    vocab.store.update(f"DELETE WHERE {{ <{impl}> nnv:lastSmokeTest ?old }}")
    vocab.store.load_graph(graph)
    vocab.store.update(f"INSERT DATA {{ <{impl}> nnv:lastSmokeTest <{run}> }}")


def run_smoke(vocab: Vocabulary, term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Smoke-test in the sandbox and record the result (raises for unknown terms or bad args)."""
    result = smoke_test(term, args)
    record_smoke(vocab, result)
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
