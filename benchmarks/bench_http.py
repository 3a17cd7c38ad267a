"""Goals 1, 2, 4 and 7: lookups, a page and ``/sparql`` over HTTP, each against raw SPARQL to ``oxigraph serve``.

Run: ``.venv/bin/python benchmarks/bench_http.py [--passes 5] [--aliases 50]``.

Starts ``oxigraph serve`` (PyPI ``oxigraph``, in memory), then, at the same time, ``nnvocab serve``
on the embedded store (in-memory built-in graph) and a second ``nnvocab serve`` backed by that
oxigraph server (``NNV_STORE``), which loads the built-in graph into it, as the first start on an
empty store does; all on random 127.0.0.1 ports. Both stores then hold the same triples (checked:
the same ``/export`` size in N-Triples lines). It picks aliases
(``skos:altLabel``) that name exactly one concept and, with one keep-alive ``httpx.Client``,
rotates per alias through every target (so each is measured side by side with the others):

* ``{ concept(name: ALIAS) { name altNames } }`` to the embedded service's ``/graphql``, the alias
  inline (every text new) and as a variable of one fixed text, as GraphQL clients send it;
* the same lookup as a SPARQL SELECT (exact label match) to oxigraph's ``/query`` and to the
  service's own ``/sparql`` (the worker pool of :mod:`service.sparql_guard`);
* the inline GraphQL lookup to the service backed by the remote oxigraph server;
* a page of 100 concepts (``concepts(first: 100)``) with a unique trailing comment, so no cache
  answers it, and ``/healthz`` (the HTTP stack's own floor, for reference).

Pass 1 asks each alias for the first time ("first time"); later passes repeat the texts byte for
byte ("repeated": the response cache may answer). Responses are parsed as JSON on the client for
all targets. Every server is always stopped.
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
from _common import (
    BIN,
    LOOKUP_QUERY,
    SERVE_ENV,
    Outcome,
    Table,
    free_port,
    graphql_ready,
    ms,
    nnvocab_serve,
    percentile,
    ratio,
    running,
    running_all,
)

from ontology.names import normalise
from ontology.namespaces import PREFIXES
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

GOAL_LOOKUP, GOAL_PAGE_MS, GOAL_SPARQL, GOAL_REMOTE = 2.0, 15.0, 2.0, 2.0
TITLES = {
    "lookup": "1. first-time GraphQL lookup vs raw SPARQL (oxigraph serve)",
    "page": "2. a page of 100 concepts (GraphQL over HTTP, uncached)",
    "sparql": "4. /sparql vs oxigraph's endpoint, simple query",
    "remote": "7. remote-store lookup vs raw SPARQL to that server",
}
GOALS = {
    "lookup": f"≤ {GOAL_LOOKUP:g}×",
    "page": f"≤ {GOAL_PAGE_MS:g} ms",
    "sparql": f"≤ {GOAL_SPARQL:g}×",
    "remote": f"≤ {GOAL_REMOTE:g}×",
}
TITLE, GOAL_TEXT = TITLES["lookup"], GOALS["lookup"]
SPARQL_LOOKUP = (
    "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("nnv", "skos"))
    + "SELECT ?name ?alt WHERE {{ ?c skos:altLabel {} ; a nnv:Concept ; skos:prefLabel ?name . OPTIONAL {{ ?c skos:altLabel ?alt }} }}"
)
PAGE = "{ concepts(first: 100) { totalCount nodes { id name papers { title } models { name } } } }"
LOOKUP_VARIABLE = "query Lookup($name: String!) { concept(name: $name) { name altNames } }"
SPARQL_HEADERS = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}
LABELS = {
    "graphql": "GraphQL, alias inline",
    "graphql-variable": "GraphQL, alias as a variable",
    "oxigraph": "SPARQL to oxigraph serve",
    "service-sparql": "SPARQL to nnvocab /sparql",
    "remote-graphql": "GraphQL, service on the remote store",
    "page": "GraphQL, page of 100 concepts",
    "healthz": "nnvocab /healthz (HTTP floor)",
}


def pick_aliases(ntriples: bytes, count: int = 50) -> list[str]:
    """``count`` alternative labels, evenly spread, each naming exactly one concept (as the service resolves names)."""
    store = GraphStore()
    store.load(ntriples, "nt")
    vocab = Vocabulary(store)
    rows = store.select("SELECT DISTINCT ?alt WHERE { ?c a nnv:Concept ; skos:altLabel ?alt } ORDER BY ?alt")
    labels = [str(r["alt"]) for r in rows]
    unique = [a for a in labels if len(vocab.resolve(a)) == 1 and normalise(a)]
    step = max(1, len(unique) // count)
    return unique[::step][:count]


def oxigraph_ready(port: int) -> Callable[[], bool]:
    """A readiness check of ``oxigraph serve``: an ASK answers."""

    def check() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    return check


def _found(target: str, body: dict[str, Any]) -> bool:
    if target == "healthz":
        return body.get("status") == "ok"
    if target in ("oxigraph", "service-sparql"):
        return bool(body.get("results", {}).get("bindings"))
    return bool(body.get("data")) and not body.get("errors")


def _senders(client: httpx.Client, service: str, oxigraph: str, remote: str) -> dict[str, Callable[[str, int], httpx.Response]]:
    """One request per target, for an alias (and a request number, to make the page's text unique)."""
    sparql = SPARQL_LOOKUP.format
    return {
        "graphql": lambda a, _: client.post(f"{service}/graphql", json={"query": LOOKUP_QUERY.format(json.dumps(a)[1:-1])}),
        "graphql-variable": lambda a, _: client.post(f"{service}/graphql", json={"query": LOOKUP_VARIABLE, "variables": {"name": a}}),
        "oxigraph": lambda a, _: client.post(f"{oxigraph}/query", content=sparql(json.dumps(a)), headers=SPARQL_HEADERS),
        "service-sparql": lambda a, _: client.post(f"{service}/sparql", content=sparql(json.dumps(a)), headers=SPARQL_HEADERS),
        "remote-graphql": lambda a, _: client.post(f"{remote}/graphql", json={"query": LOOKUP_QUERY.format(json.dumps(a)[1:-1])}),
        "page": lambda _, n: client.post(f"{service}/graphql", json={"query": f"{PAGE}\n# {n} {time.perf_counter_ns()}"}),
        "healthz": lambda _a, _n: client.get(f"{service}/healthz"),
    }


def measure(passes: int, aliases_asked: int, workdir: Path) -> dict[str, dict[str, list[float]]]:
    """Latencies in ms per target (see :data:`LABELS`) and mode (``distinct``, ``repeated``)."""
    service_port, oxigraph_port, remote_port = free_port(), free_port(), free_port()
    oxigraph_cmd = [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{oxigraph_port}"]
    service, oxigraph, remote = (f"http://127.0.0.1:{p}" for p in (service_port, oxigraph_port, remote_port))
    samples: dict[str, dict[str, list[float]]] = {t: {"distinct": [], "repeated": []} for t in LABELS}
    services = [
        (nnvocab_serve(service_port), workdir / "nnvocab-serve.log", graphql_ready(service_port), SERVE_ENV),
        (nnvocab_serve(remote_port), workdir / "nnvocab-remote.log", graphql_ready(remote_port), {**SERVE_ENV, "NNV_STORE": oxigraph}),
    ]
    with (
        running(oxigraph_cmd, workdir / "oxigraph-serve.log", oxigraph_ready(oxigraph_port)),
        running_all(services),
        httpx.Client(timeout=30) as client,
    ):
        data = client.get(f"{service}/export", params={"format": "nt"}).content
        copied = httpx.get(f"{oxigraph}/store", params={"default": ""}, headers={"Accept": "application/n-triples"}, timeout=30).content
        if len(data.splitlines()) != len(copied.splitlines()):
            raise RuntimeError(f"the stores differ: {len(data.splitlines())} triples embedded, {len(copied.splitlines())} in oxigraph")
        aliases = pick_aliases(data, aliases_asked)
        sends = _senders(client, service, oxigraph, remote)
        order = list(sends)
        for n in range(passes):
            mode = "distinct" if n == 0 else "repeated"
            for i, alias in enumerate(aliases):
                for target in order[i % len(order) :] + order[: i % len(order)]:  # rotate who goes first
                    start = time.perf_counter()
                    response = sends[target](alias, n * len(aliases) + i)
                    body = response.json()
                    elapsed = (time.perf_counter() - start) * 1000
                    if response.status_code != 200 or not _found(target, body):
                        raise RuntimeError(f"{target} found nothing for {alias!r}: {str(body)[:300]}")
                    samples[target][mode].append(elapsed)
    return samples


def run(workdir: Path, passes: int = 5, aliases: int = 50) -> list[Outcome]:
    """Goals 1, 2, 4 and 7 as summary rows, sharing one detail table."""
    samples = measure(passes, aliases, workdir)
    table = Table(
        "Over HTTP (127.0.0.1, keep-alive), rotated per alias: p50 / p99 ms",
        ["target", "first time", "repeated", "first-time p50 / oxigraph"],
    )
    p50 = {t: percentile(s["distinct"], 50) for t, s in samples.items()}
    oxigraph = p50["oxigraph"]
    for target, label in LABELS.items():
        cells = [f"{ms(percentile(samples[target][m], 50))} / {ms(percentile(samples[target][m], 99))}" for m in ("distinct", "repeated")]
        table.rows.append([label, *cells, ratio(p50[target], oxigraph)])
    page = percentile(samples["page"]["distinct"] + samples["page"]["repeated"], 50)
    lookup, variable = p50["graphql"] / oxigraph, p50["graphql-variable"] / oxigraph
    sparql, remote = p50["service-sparql"] / oxigraph, p50["remote-graphql"] / oxigraph
    floor = f"; /healthz alone {ratio(p50['healthz'], oxigraph)}"
    asked = f"{len(samples['graphql']['distinct'])} aliases, p50"
    return [
        Outcome(
            TITLES["lookup"],
            f"{ratio(lookup, 1)} inline, {ratio(variable, 1)} as a variable ({asked}{floor})",
            GOALS["lookup"],
            max(lookup, variable) <= GOAL_LOOKUP,
            [table],
        ),
        Outcome(TITLES["page"], f"p50 {ms(page)} ms (built-in graph)", GOALS["page"], page <= GOAL_PAGE_MS),
        Outcome(
            TITLES["sparql"],
            f"{ratio(sparql, 1)} ({ms(p50['service-sparql'])} vs {ms(oxigraph)} ms p50{floor})",
            GOALS["sparql"],
            sparql <= GOAL_SPARQL,
        ),
        Outcome(
            TITLES["remote"],
            f"{ratio(remote, 1)} ({ms(p50['remote-graphql'])} vs {ms(oxigraph)} ms p50)",
            GOALS["remote"],
            remote <= GOAL_REMOTE,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--aliases", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcomes = run(Path(tmp), args.passes, args.aliases)
    for outcome in outcomes:
        outcome.show()


if __name__ == "__main__":
    main()
