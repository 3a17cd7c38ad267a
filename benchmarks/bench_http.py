"""Benchmark 2: a GraphQL concept lookup over HTTP vs a raw SPARQL lookup to ``oxigraph serve``.

Run: ``.venv/bin/python benchmarks/bench_http.py [--passes 5]``.

Starts ``nnvocab serve`` (in-memory built-in graph) and ``oxigraph serve`` (PyPI ``oxigraph``,
in memory) on random 127.0.0.1 ports, copies the service's ``/export?format=nt`` into oxigraph
(Graph Store Protocol, ``POST /store?default``), and picks 50 aliases (``skos:altLabel``) that
name exactly one concept. Then, with one keep-alive ``httpx.Client``, it alternates per alias:
``{ concept(name: ALIAS) { name altNames } }`` to ``/graphql`` (the alias inline, so every text is
new, and as a variable of one fixed query text, as GraphQL clients send it), and the same lookup as a SPARQL
SELECT (exact label match) to oxigraph's ``/query`` and to the service's own ``/sparql``. Pass 1
asks each alias for the first time ("distinct"); later passes repeat them, byte for byte, so
the service may answer them from its GraphQL response cache (keyed on the request body). Responses are parsed
as JSON on the client for all three. Both servers are always stopped.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from _common import BIN, LOOKUP_QUERY, SERVE_ENV, Outcome, Table, free_port, graphql_ready, ms, nnvocab_serve, percentile, ratio, running

from ontology.names import normalise
from ontology.namespaces import PREFIXES
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

GOAL = 1.5
TITLE, GOAL_TEXT = "2. GraphQL lookup vs SPARQL to oxigraph serve", f"≤ {GOAL}×"
SPARQL_LOOKUP = (
    "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("nnv", "skos"))
    + "SELECT ?name ?alt WHERE {{ ?c skos:altLabel {} ; a nnv:Concept ; skos:prefLabel ?name . OPTIONAL {{ ?c skos:altLabel ?alt }} }}"
)
TARGETS = ("graphql", "graphql-variable", "oxigraph", "service-sparql")
LOOKUP_VARIABLE = "query Lookup($name: String!) { concept(name: $name) { name altNames } }"
SPARQL_HEADERS = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}


def pick_aliases(ntriples: bytes, count: int = 50) -> list[str]:
    """``count`` alternative labels, evenly spread, each naming exactly one concept (as the service resolves names)."""
    store = GraphStore()
    store.load(ntriples, "nt")
    vocab = Vocabulary(store)
    rows = store.select("SELECT DISTINCT ?alt WHERE { ?c a nnv:Concept ; skos:altLabel ?alt } ORDER BY ?alt")
    labels = [str(r["alt"]) for r in rows]
    unique = [a for a in labels if len(vocab.names.resolve(a)) == 1 and normalise(a)]
    step = max(1, len(unique) // count)
    return unique[::step][:count]


def _oxigraph_ready(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    return check


def _timed_json(send: Callable[[str], httpx.Response], alias: str) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    response = send(alias)
    body = response.json()
    elapsed = (time.perf_counter() - start) * 1000
    response.raise_for_status()
    return elapsed, body


def measure(passes: int, workdir: Path) -> dict[str, dict[str, list[float]]]:
    """Latencies in ms per target (``graphql``, ``oxigraph``, ``service-sparql``) and mode (``distinct``, ``repeated``)."""
    service_port, oxigraph_port = free_port(), free_port()
    oxigraph_cmd = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{oxigraph_port}"]
    samples: dict[str, dict[str, list[float]]] = {t: {"distinct": [], "repeated": []} for t in TARGETS}
    with (
        running(nnvocab_serve(service_port), workdir / "nnvocab-serve.log", graphql_ready(service_port), SERVE_ENV),
        running(oxigraph_cmd, workdir / "oxigraph-serve.log", _oxigraph_ready(oxigraph_port)),
        httpx.Client(timeout=30) as client,
    ):
        service, oxigraph = f"http://127.0.0.1:{service_port}", f"http://127.0.0.1:{oxigraph_port}"
        data = client.get(f"{service}/export", params={"format": "nt"}).content
        client.post(f"{oxigraph}/store?default", content=data, headers={"Content-Type": "application/n-triples"}).raise_for_status()
        aliases = pick_aliases(data)
        sends: dict[str, Callable[[str], httpx.Response]] = {
            "graphql": lambda a: client.post(f"{service}/graphql", json={"query": LOOKUP_QUERY.format(json.dumps(a)[1:-1])}),
            "graphql-variable": lambda a: client.post(f"{service}/graphql", json={"query": LOOKUP_VARIABLE, "variables": {"name": a}}),
            "oxigraph": lambda a: client.post(f"{oxigraph}/query", content=SPARQL_LOOKUP.format(json.dumps(a)), headers=SPARQL_HEADERS),
            "service-sparql": lambda a: client.post(
                f"{service}/sparql", content=SPARQL_LOOKUP.format(json.dumps(a)), headers=SPARQL_HEADERS
            ),
        }
        order = list(sends)
        for n in range(passes):
            mode = "distinct" if n == 0 else "repeated"
            for i, alias in enumerate(aliases):
                for target in order[i % len(order) :] + order[: i % len(order)]:  # rotate who goes first
                    elapsed, body = _timed_json(sends[target], alias)
                    graphql = target.startswith("graphql")
                    found = body.get("data") if graphql else body.get("results", {}).get("bindings")
                    if not found or (graphql and body.get("errors")):
                        raise RuntimeError(f"{target} found nothing for {alias!r}: {str(body)[:300]}")
                    samples[target][mode].append(elapsed)
    return samples


def run(workdir: Path, passes: int = 5) -> Outcome:
    """Benchmark 2 as one summary row and a detail table."""
    samples = measure(passes, workdir)
    table = Table(
        "Concept lookup by alias over HTTP (127.0.0.1, keep-alive): p50 / p99 ms",
        [
            "aliases asked",
            "requests each",
            "GraphQL, alias inline (nnvocab)",
            "GraphQL, alias as a variable",
            "SPARQL (oxigraph serve)",
            "SPARQL (nnvocab /sparql)",
            "GraphQL / oxigraph",
        ],
    )
    p50 = {}
    for mode in ("distinct", "repeated"):
        cells = [f"{ms(percentile(samples[t][mode], 50))} / {ms(percentile(samples[t][mode], 99))}" for t in samples]
        oxigraph = percentile(samples["oxigraph"][mode], 50)
        p50[mode] = percentile(samples["graphql"][mode], 50) / oxigraph
        p50[f"{mode}-variable"] = percentile(samples["graphql-variable"][mode], 50) / oxigraph
        label = "first time (distinct)" if mode == "distinct" else "repeated"
        ratios = f"{ratio(p50[mode], 1)} inline, {ratio(p50[mode + '-variable'], 1)} variable"
        table.rows.append([label, str(len(samples["graphql"][mode])), *cells, ratios])
    worst = max(p50.values())
    measured = (
        f"first time {ratio(p50['distinct'], 1)} inline / {ratio(p50['distinct-variable'], 1)} as a variable; "
        f"repeated {ratio(p50['repeated'], 1)} / {ratio(p50['repeated-variable'], 1)} (p50)"
    )
    return Outcome(TITLE, measured, GOAL_TEXT, worst <= GOAL, [table])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcome = run(Path(tmp), args.passes)
    outcome.show()


if __name__ == "__main__":
    main()
