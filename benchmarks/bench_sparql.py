"""Goal 6: each operation as users call it (GraphQL, in-process) vs rdflib answering it by SPARQL.

Run: ``.venv/bin/python benchmarks/bench_sparql.py [--sizes 10000 100000] [--cap 20]``.

For each operation (lookup by alias, 2-hop neighbourhood, compatible pairs, shortest path,
search) the service's side is its GraphQL query executed in-process (``schema.execute`` on a
warm :class:`Vocabulary`: read model, name and search indexes built), a fresh request context
each time. rdflib's side is the SPARQL the service needs to answer it: the exact texts the
resolvers send on a warm vocabulary, recorded by a :class:`RecordingStore`; when the read model
answers without any query, the texts the operation sent on a fresh vocabulary (less those every
operation sends then: the caches, reported as their own row). Those texts run on an rdflib
``Graph`` holding the same synthetic graph, rows materialised as Python values, and on the
project's store: "same rows" compares the two engines' row counts. rdflib is bounded: at most 3
repeats per operation and ``--cap`` seconds per repeat (SIGALRM), a capped run giving a lower
bound (``≥``). The rdflib parse column is the median time of ``prepareQuery`` over the same texts.
"""

from __future__ import annotations

import argparse
import signal
import tempfile
import time
from collections.abc import Callable
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
TITLE, GOAL_TEXT = "6. every operation vs rdflib answering it", f"≥ {GOAL:.0f}× at 100k triples"
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


@dataclass(frozen=True)
class Captured:
    """What rdflib runs for one operation, and where the texts came from."""

    query: str  # the GraphQL text ("" for the caches row)
    texts: list[str]
    source: str  # "warm", "fresh vocabulary" or "caches"


def _ready(vocab: Vocabulary) -> Vocabulary:
    """``vocab`` with its search index's embedding model and vectors loaded (a user's first hybrid search waits for them)."""
    vocab.search_index.preload()
    return vocab


def capture(store: RecordingStore, probes: Probes, failed: dict[str, str]) -> dict[str, Captured]:
    """Per operation, the SPARQL it needs (see the module docstring), plus :data:`CACHES`; operations answering errors go to ``failed``."""
    queries = typical_queries(probes)
    first: dict[str, list[str]] = {}
    warm: dict[str, list[str]] = {}
    for name in OPERATIONS:
        runner = InProcess(_ready(Vocabulary(store)))
        try:
            store.log.clear()
            runner.once(queries[name])
            cold = list(store.log)
            store.log.clear()
            runner.once(queries[name])
            first[name], warm[name] = cold, list(store.log)
        except AssertionError as exc:  # the GraphQL answer held errors
            failed[name] = " ".join(str(exc).split())[:200]
        finally:
            runner.close()
    shared = set.intersection(*(set(texts) for texts in first.values()))
    captured = {}
    for name in first:
        own = [text for text in first[name] if text not in shared]
        texts, source = (warm[name], "warm") if warm[name] else (own or first[name], "fresh vocabulary")
        captured[name] = Captured(queries[name], texts, source)
    captured[CACHES] = Captured("", [text for text in next(iter(first.values())) if text in shared], "caches")
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
    """One operation's medians: the service's operation and rdflib's SPARQL for it."""

    queries: int
    source: str
    ours_ms: float
    rdflib_ms: float
    rdflib_parse_ms: float  # of that, parsing and translating the query texts
    capped: bool  # rdflib hit the cap: its time is a lower bound
    agree: bool  # the store and rdflib returned the same row counts

    @property
    def speedup(self) -> float:
        """rdflib time / the service's time."""
        return self.rdflib_ms / self.ours_ms

    def row(self, name: str) -> list[str]:
        """A detail-table row."""
        bound = "≥ " if self.capped else ""
        speedup = bound + ratio(self.rdflib_ms, self.ours_ms)
        cells = [ms(self.ours_ms), bound + ms(self.rdflib_ms), ms(self.rdflib_parse_ms), speedup]
        return [name, f"{self.queries} ({self.source})", *cells, "yes" if self.agree else "NO"]


def compare(
    ours: Callable[[], float], store: GraphStore, graph: Graph, texts: list[str], cap_s: float, repeats: int = 3
) -> tuple[float, float, float, bool, bool]:
    """Interleaved: 5 runs of ``ours`` (seconds each) per rdflib run of ``texts``; medians in ms, capped, same rows."""
    mine: list[float] = []
    theirs: list[float] = []
    parses: list[float] = []
    capped, agree = False, True
    ours()  # warm-up
    _, counts = _run_store(store, texts)
    for _ in range(repeats):
        mine += [ours() for _ in range(5)]
        elapsed, other = _run_rdflib(graph, texts, cap_s)
        theirs.append(elapsed)
        if other is None:
            capped = True
            break
        agree = agree and other == counts
        parses.append(timed_ms(lambda: [prepareQuery(text) for text in texts]))
    return median(mine) * 1000, median(theirs) * 1000, median(parses), capped, agree


def bench_size(info: GraphInfo, cap_s: float, failed: dict[str, str]) -> tuple[dict[str, Comparison], dict[str, float]]:
    """All operations on one graph (those answering errors go to ``failed``); also the load times of both engines."""
    data = Path(info.path).read_bytes()
    store = RecordingStore()
    start = time.perf_counter()
    store.load(data, "nt")
    loads = {"ours_s": time.perf_counter() - start}
    start = time.perf_counter()
    graph = Graph()
    graph.parse(info.path, format="nt")
    loads["rdflib_s"] = time.perf_counter() - start
    captured = capture(store, probes_of(info), failed)
    runner = InProcess(_ready(Vocabulary(store)))
    results = {}
    try:
        for name, got in captured.items():
            ours = (lambda q=got.query: runner.once(q)) if got.query else (lambda t=got.texts: _run_store(store, t)[0])
            results[name] = Comparison(len(got.texts), got.source, *compare(ours, store, graph, got.texts, cap_s))
    finally:
        runner.close()
    return results, loads


def run(workdir: Path, sizes: tuple[int, ...] = (10_000, 100_000), cap_s: float = 20.0) -> Outcome:
    """Goal 6 as one summary row and a detail table per size."""
    tables: list[Table] = []
    speedups: dict[str, float] = {}
    notes = []
    failed: dict[str, str] = {}
    for size in sizes:
        info = cached(workdir, size)
        results, loads = bench_size(info, cap_s, failed)
        table = Table(
            f"Each operation at {info.triples:,} triples: the service (GraphQL in-process) vs rdflib running its SPARQL",
            ["operation", "SPARQL texts (from)", "service ms", "rdflib ms", "rdflib parse ms", "rdflib / service", "same rows"],
        )
        table.rows += [r.row(name) for name, r in results.items()]
        table.rows += [[name, "error", "", "", "", "", ""] for name in OPERATIONS if name not in results]
        ours, theirs = loads["ours_s"] * 1000, loads["rdflib_s"] * 1000
        table.rows.append(["load N-Triples", "", ms(ours), ms(theirs), "", ratio(theirs, ours), ""])
        tables.append(table)
        if size == max(sizes):
            speedups = {name: r.speedup for name, r in results.items() if name != CACHES}
        if not all(r.agree for r in results.values()):
            notes.append(f"row counts differ between the engines at {size:,} triples (see 'same rows')")
    notes += [f"{name} answered errors, not measured: {error}" for name, error in failed.items()]
    worst = min(speedups, key=lambda k: speedups[k])
    measured = f"min {ratio(speedups[worst], 1)} ({worst}) at {max(sizes):,} triples" + (f"; {len(failed)} not measured" if failed else "")
    return Outcome(TITLE, measured, GOAL_TEXT, speedups[worst] >= GOAL and not failed, tables, notes)


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
