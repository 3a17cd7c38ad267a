"""Goal 8: resident memory at 1M triples with the embedding model loaded; query latency at 1M vs 10k.

Run: ``.venv/bin/python benchmarks/bench_scale.py [--big 1000000] [--small 10000]``.

Generates both synthetic graphs (``generate_graph.py``), then runs one child process per graph so
memory is measured cleanly (``VmRSS``/``VmHWM`` from /proc): each child streams its graph into a
``GraphStore`` (the project's loader), reports the load time and RSS, and runs the typical GraphQL
queries of ``graphql_latency.py`` (in-process ``schema.execute`` on a ``Vocabulary``) plus raw
store lookups. It then loads the embedding model and every node's vector
(``SearchIndex.preload()``; the vectors come from the cache in ``NNV_CACHE_DIR``, computed and
stored there on a first run) and measures the RSS again: the goal's figure. The big graph's child
then also loads the small graph and times every query on both, interleaved, so the latency
ratios are measured side by side in one process. Each query's first run (which builds the
vocabulary's caches) is reported apart from the steady-state p50.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import PYTHON, Outcome, Table, median, ms, ratio, rss_mb
from bench_sparql import probes_of
from generate_graph import GraphInfo, cached
from graphql_latency import InProcess, typical_queries

from ontology import repository
from ontology.namespaces import CONCEPT
from ontology.search import default_cache_dir
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

GOAL_RSS_MB = 1024.0
TITLE, GOAL_TEXT = "8. RSS at 1M triples with the embedding model loaded", "≤ 1 GB"


def benchmark_vectors() -> Path:
    """The vector cache of the benchmarks' graphs, kept between runs: ``<cache dir>/benchmark-vectors``.

    The synthetic graphs are seeded, so their texts (and vectors) repeat from run to run: only a
    first run embeds the 1M graph's concepts. It is apart from the service's own cache, which a
    server reads whole when it loads the model.
    """
    return default_cache_dir() / "benchmark-vectors"


def load_graph(info: GraphInfo) -> tuple[GraphStore, float]:
    """A store with ``info``'s graph, streamed from its file, and the seconds the load took."""
    start = time.perf_counter()
    store = GraphStore()
    with Path(info.path).open("rb") as handle:
        store.load(handle, "nt")
    return store, time.perf_counter() - start


class _Workload:
    """Every measured operation on one graph, as callables returning seconds."""

    def __init__(self, info: GraphInfo, store: GraphStore) -> None:
        self.runner = InProcess(Vocabulary(store))
        alias = json.dumps(probes_of(info).alias)
        node = str(CONCEPT[info.node_id])
        self.ops: dict[str, Callable[[], float]] = {
            f"GraphQL: {name}": (lambda q=query: self.runner.once(q)) for name, query in typical_queries(probes_of(info)).items()
        }
        self.ops["store: altLabel → concept (SPARQL)"] = lambda: _seconds(
            lambda: store.select(f"SELECT ?c WHERE {{ ?c skos:altLabel {alias} }}")
        )
        self.ops["store: get_concepts(1 IRI)"] = lambda: _seconds(lambda: repository.get_concepts(store, [node]))


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def worker(big: GraphInfo, small: GraphInfo | None, repeat: int, budget_s: float) -> dict[str, Any]:
    """Run in the child: load ``big``, measure memory, then time every operation (interleaved with ``small`` if given)."""
    out: dict[str, Any] = {"rss_start": rss_mb()}
    store, out["load_s"] = load_graph(big)
    out["rss_loaded"] = rss_mb()
    work = {"big": _Workload(big, store)}
    out["first_ms"] = {"big": {name: op() * 1000 for name, op in work["big"].ops.items()}}
    out["rss_queried"] = rss_mb()
    start = time.perf_counter()
    work["big"].runner.vocab.search_index.preload()
    out["model_s"] = time.perf_counter() - start
    out["rss_model"] = rss_mb()
    if small is not None:
        small_store, out["small_load_s"] = load_graph(small)
        work["small"] = _Workload(small, small_store)
        out["first_ms"]["small"] = {name: op() * 1000 for name, op in work["small"].ops.items()}
    samples: dict[str, dict[str, list[float]]] = {side: {name: [] for name in work["big"].ops} for side in work}
    for name in work["big"].ops:
        deadline = time.perf_counter() + budget_s
        for i in range(repeat):
            for side in sorted(work, reverse=bool(i % 2)):  # alternate which graph goes first
                samples[side][name].append(work[side].ops[name]() * 1000)
            if time.perf_counter() > deadline:
                break
    out["p50_ms"] = {side: {name: median(values) for name, values in by_name.items()} for side, by_name in samples.items()}
    out["runs"] = {name: len(values) for name, values in samples["big"].items()}
    out["rss_end"] = rss_mb()
    for w in work.values():
        w.runner.close()
    return out


def _child(big: GraphInfo, small: GraphInfo | None, repeat: int, budget_s: float, timeout_s: float, vectors: Path) -> dict[str, Any]:
    paths = []
    for info in (big, small) if small else (big,):
        meta = Path(info.path).with_suffix(".json")
        info.save(meta)
        paths.append(str(meta))
    cmd = [PYTHON, __file__, "--worker", *paths, "--repeat", str(repeat), "--budget", str(budget_s)]
    env = {**os.environ, "NNV_CACHE_DIR": str(vectors)}
    out = subprocess.run(cmd, cwd=Path(__file__).parent, capture_output=True, text=True, timeout=timeout_s, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def run(
    workdir: Path,
    big_size: int = 1_000_000,
    small_size: int = 10_000,
    repeat: int = 20,
    budget_s: float = 4.0,
    vectors: Path | None = None,
    small_alone: bool = True,
) -> Outcome:
    """Goal 8 as one summary row and detail tables (latency, memory).

    The embedding cache is ``vectors``, by default ``benchmark_vectors()``, kept between runs: a first
    run computes the big graph's vectors (in ``bench_search``'s child when it runs first, else in this one's).
    ``small_alone`` also measures the small graph's memory in a process of its own.
    """
    small, big = cached(workdir, small_size), cached(workdir, big_size)
    vectors = vectors or benchmark_vectors()
    alone = _child(small, None, 1, budget_s, 600, vectors) if small_alone else None
    both = _child(big, small, repeat, budget_s, 1800, vectors)
    p50, first = both["p50_ms"], both["first_ms"]
    latency = Table(
        f"Latency at {big.triples:,} vs {small.triples:,} triples, same process, interleaved (ms)",
        ["operation", "runs", "small p50", "big p50", "big / small", "small 1st run", "big 1st run"],
    )
    ratios = {}
    for name in p50["big"]:
        ratios[name] = p50["big"][name] / p50["small"][name]
        cells = [ms(p50["small"][name]), ms(p50["big"][name]), ratio(p50["big"][name], p50["small"][name])]
        latency.rows.append([name, str(both["runs"][name]), *cells, ms(first["small"][name]), ms(first["big"][name])])
    memory = Table(
        "Memory of a process holding one graph (MB; a separate process per graph)",
        [
            "graph",
            "load s",
            "RSS before load",
            "RSS loaded",
            "peak loaded",
            "RSS after queries",
            "RSS with model",
            "peak with model",
            "model s",
        ],
    )
    for info, m in ((small, alone), (big, both)) if alone else ((big, both),):
        memory.rows.append(
            [
                f"{info.triples:,} triples",
                f"{m['load_s']:.2f}",
                *(f"{m[key][which]:.0f}" for key, which in (("rss_start", "current"), ("rss_loaded", "current"), ("rss_loaded", "peak"))),
                f"{m['rss_queried']['current']:.0f}",
                *(f"{m['rss_model'][which]:.0f}" for which in ("current", "peak")),
                f"{m['model_s']:.1f}",
            ]
        )
    worst = max(ratios, key=lambda k: ratios[k])
    peak = both["rss_model"]["peak"]
    measured = f"peak RSS {peak:.0f} MB at {big.triples / 1e6:.1f}M triples (model and vectors loaded in {both['model_s']:.1f} s)"
    notes = [f"worst latency at {big.triples / 1e6:.1f}M vs {small.triples / 1e3:.0f}k: {ratio(ratios[worst], 1)} ({worst})"]
    return Outcome(TITLE, measured, GOAL_TEXT, peak <= GOAL_RSS_MB, [latency, memory], notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--budget", type=float, default=4.0, help="seconds per operation (both graphs)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        infos = [GraphInfo.load(Path(p)) for p in args.worker]
        result = worker(infos[0], infos[1] if len(infos) > 1 else None, args.repeat, args.budget)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcome = run(Path(tmp), args.big, args.small, args.repeat, args.budget)
    outcome.show()


if __name__ == "__main__":
    main()
