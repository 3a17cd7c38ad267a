"""Benchmark 1: the SPARQL the service issues, on the project's store vs rdflib's in-memory Graph.

Run: ``.venv/bin/python benchmarks/bench_sparql.py [--sizes 10000 100000] [--cap 20]``.

For each operation (lookup by alias, 2-hop neighbourhood, compatible pairs, shortest path,
search) the GraphQL query is executed in-process on a :class:`RecordingStore`, which keeps the
exact query texts the resolvers send (whatever the code does at run time: batched loads,
store-side traversal, …). Those texts are then replayed, interleaved, on the project's
:class:`GraphStore` (pyoxigraph) and on an rdflib ``Graph`` holding the same synthetic graph;
an operation's time is the sum over its queries, rows materialised as Python values. Queries run
only the first time (name index, search index, graph view) are reported as their own row.
rdflib is bounded: at most 3 repeats per operation and ``--cap`` seconds per repeat (SIGALRM),
a capped run giving a lower bound (``≥``). The rdflib parse column is the median time of
``prepareQuery`` over the same texts (parsing and algebra translation only).
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from _common import Outcome, Table, median, ms, ratio, timed_ms
from generate_graph import GraphInfo, cached
from graphql_latency import InProcess, Probes, typical_queries
from rdflib import Graph
from rdflib.plugins.sparql import prepareQuery

from ontology._terms import Value
from ontology.namespaces import PREFIXES
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

OPERATIONS = ("concept by alias", "2-hop neighbours", "compatible pairs", "shortest path", "search (typo)")
CACHES = "caches (once per process)"
GOAL = 100.0
TITLE, GOAL_TEXT = "1. service SPARQL: store vs rdflib", f"≥ {GOAL:.0f}× at 100k"
_HEADER = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


class RecordingStore(GraphStore):
    """A :class:`GraphStore` that keeps the full text of every query it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    def run(self, sparql: str, prefixes: bool = True) -> list[dict[str, Value]] | bool:
        """Record, then run as usual."""
        self.log.append(_HEADER + sparql if prefixes else sparql)
        return super().run(sparql, prefixes)


def probes_of(info: GraphInfo) -> Probes:
    """The typical queries' names for a synthetic graph."""
    return Probes(info.aliases[len(info.aliases) // 2], info.layer, info.search_text, info.node_id, info.path_from, info.path_to)


def capture(store: RecordingStore, probes: Probes) -> dict[str, list[str]]:
    """Query texts per operation with warm caches, plus :data:`CACHES`: those sent only the first time."""
    runner = InProcess(Vocabulary(store))
    queries = typical_queries(probes)
    store.log.clear()
    try:
        for name in OPERATIONS:
            runner.once(queries[name])
        first = list(store.log)
        captured: dict[str, list[str]] = {}
        for name in OPERATIONS:
            store.log.clear()
            runner.once(queries[name])
            captured[name] = list(store.log)
    finally:
        runner.close()
    warm = {text for texts in captured.values() for text in texts}
    captured[CACHES] = [text for text in first if text not in warm]
    store.log.clear()
    return captured


class _Timeout(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _Timeout


def _rdflib_rows(graph: Graph, text: str) -> int:
    result = graph.query(text)
    if result.type != "SELECT":
        return 1
    return len([[str(v) for v in row] for row in result])  # type: ignore[union-attr]


def _run_rdflib(graph: Graph, texts: list[str], cap_s: float) -> tuple[float, list[int] | None]:
    """Seconds for all ``texts`` and their row counts; ``(cap_s, None)`` when over the cap."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, cap_s)
    start = time.perf_counter()
    try:
        counts = [_rdflib_rows(graph, text) for text in texts]
    except _Timeout:
        return cap_s, None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return time.perf_counter() - start, counts


def _run_store(store: GraphStore, texts: list[str]) -> tuple[float, list[int]]:
    start = time.perf_counter()
    counts = []
    for text in texts:
        rows = GraphStore.run(store, text, prefixes=False)
        counts.append(1 if isinstance(rows, bool) else len(rows))
    return time.perf_counter() - start, counts


@dataclass
class Comparison:
    """One operation's medians on both engines."""

    queries: int
    ours_ms: float
    rdflib_ms: float
    rdflib_parse_ms: float  # of that, parsing and translating the query texts
    capped: bool  # rdflib hit the cap: its time is a lower bound
    agree: bool  # both engines returned the same row counts

    @property
    def speedup(self) -> float:
        """rdflib time / store time."""
        return self.rdflib_ms / self.ours_ms

    def row(self, name: str) -> list[str]:
        """A detail-table row."""
        bound = "≥ " if self.capped else ""
        speedup = bound + ratio(self.rdflib_ms, self.ours_ms)
        cells = [ms(self.ours_ms), bound + ms(self.rdflib_ms), ms(self.rdflib_parse_ms), speedup]
        return [name, str(self.queries), *cells, "yes" if self.agree else "NO"]


def compare(store: GraphStore, graph: Graph, texts: list[str], cap_s: float, repeats: int = 3) -> Comparison:
    """Interleaved timings of ``texts`` on both engines (5 store runs per rdflib run)."""
    ours: list[float] = []
    theirs: list[float] = []
    parses: list[float] = []
    capped, agree = False, True
    _run_store(store, texts)  # warm-up
    for _ in range(repeats):
        for _ in range(5):
            elapsed, counts = _run_store(store, texts)
            ours.append(elapsed)
        elapsed, other = _run_rdflib(graph, texts, cap_s)
        theirs.append(elapsed)
        if other is None:
            capped = True
            break
        agree = agree and other == counts
        parses.append(timed_ms(lambda: [prepareQuery(text) for text in texts]))
    return Comparison(len(texts), median(ours) * 1000, median(theirs) * 1000, median(parses), capped, agree)


def bench_size(info: GraphInfo, cap_s: float) -> tuple[dict[str, Comparison], dict[str, float]]:
    """All operations on one graph; also the load times of both engines."""
    data = Path(info.path).read_bytes()
    store = RecordingStore()
    start = time.perf_counter()
    store.load(data, "nt")
    loads = {"ours_s": time.perf_counter() - start}
    start = time.perf_counter()
    graph = Graph()
    graph.parse(info.path, format="nt")
    loads["rdflib_s"] = time.perf_counter() - start
    captured = capture(store, probes_of(info))
    results = {name: compare(store, graph, texts, cap_s) for name, texts in captured.items()}
    return results, loads


def run(workdir: Path, sizes: tuple[int, ...] = (10_000, 100_000), cap_s: float = 20.0) -> Outcome:
    """Benchmark 1 as one summary row and a detail table per size."""
    tables: list[Table] = []
    speedups: dict[str, float] = {}
    notes = []
    for size in sizes:
        info = cached(workdir, size)
        results, loads = bench_size(info, cap_s)
        table = Table(
            f"SPARQL of each operation at {info.triples:,} triples: project store (pyoxigraph) vs rdflib Graph",
            ["operation", "queries", "store ms", "rdflib ms", "rdflib parse ms", "rdflib / store", "same rows"],
        )
        table.rows += [r.row(name) for name, r in results.items()]
        ours, theirs = loads["ours_s"] * 1000, loads["rdflib_s"] * 1000
        table.rows.append(["load N-Triples", "", ms(ours), ms(theirs), "", ratio(theirs, ours), ""])
        tables.append(table)
        if size == max(sizes):
            speedups = {name: r.speedup for name, r in results.items() if name != CACHES}
        if not all(r.agree for r in results.values()):
            notes.append(f"row counts differ between the engines at {size:,} triples (see 'same rows')")
    worst = min(speedups, key=lambda k: speedups[k])
    measured = f"min {speedups[worst]:.0f}× ({worst}) at {max(sizes):,} triples"
    return Outcome(TITLE, measured, GOAL_TEXT, speedups[worst] >= GOAL, tables, notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--cap", type=float, default=20.0, help="seconds per rdflib repeat")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcome = run(Path(tmp), tuple(args.sizes), args.cap)
    outcome.show()


if __name__ == "__main__":
    main()
