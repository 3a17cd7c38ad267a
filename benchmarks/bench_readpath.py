"""The read path on the read model: in-process GraphQL latency, read-model build time and memory, per graph size.

Run: ``.venv/bin/python benchmarks/bench_readpath.py [--sizes 10000 100000 1000000] [--repeat 30] [--workdir DIR]``.

For each size (the built-in graph is ``0``; others are synthetic graphs from :mod:`generate_graph`) in a
fresh process: the store is loaded, the read model built part by part (seconds each, and the RSS it
adds), then every typical query (:func:`graphql_latency.typical_queries` minus search, which H5 owns)
runs ``--repeat`` times in-process (``schema.execute``, a fresh request context each time), and
first-time concept lookups run once per distinct alias (each text new, as a client writing its
arguments inline sends them). Prints one table per size; ``--json`` prints the numbers instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import median, ms, percentile
from generate_graph import cached
from graphql_latency import InProcess, Probes, typical_queries

from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

SKIPPED = ("search (typo)",)


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(size: int, repeat: int, workdir: Path) -> dict[str, object]:
    """Everything for one graph size, in this process."""
    if size:
        info = cached(workdir, size)
        probes = Probes(info.aliases[len(info.aliases) // 2], info.layer, info.search_text, info.node_id, info.path_from, info.path_to)
        store = GraphStore()
        store.load(Path(info.path).read_bytes(), "nt")
        aliases = info.aliases
    else:
        from service.context import open_vocabulary  # the built-in graph, as served

        store = open_vocabulary().store  # type: ignore[assignment]
        probes = Probes()
        aliases = []
    vocab = Vocabulary(store)
    before = _rss_mb()
    start = time.perf_counter()
    model = vocab.read_model.warm()
    build_s = time.perf_counter() - start
    if not aliases:
        aliases = sorted({label for label in model.names.labels.values() if len(model.names.resolve(label)) == 1})[::7][:50]
    out: dict[str, object] = {
        "triples": len(store),
        "concepts": len(model.concepts),
        "build_s": build_s,
        "parts_s": dict(model.build_seconds),
        "rss_added_mb": _rss_mb() - before,
    }
    runner = InProcess(vocab)
    try:
        firsts = [runner.once(f"{{ concept(name: {json.dumps(a)}) {{ name altNames }} }}") * 1000 for a in aliases]
        out["first-time lookup"] = {"p50": median(firsts), "p99": percentile(firsts, 99), "n": len(firsts)}
        for name, query in typical_queries(probes).items():
            if name in SKIPPED:
                continue
            times = [t * 1000 for t in runner.times(query, repeat)]
            out[name] = {"p50": median(times), "p99": percentile(times, 99), "n": len(times)}
    finally:
        runner.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "nnvocab-bench")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a worker process: one size, JSON out
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.one is not None:
        print(json.dumps(measure(args.one, args.repeat, args.workdir)))
        return
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--one", str(size), "--repeat", str(args.repeat), "--workdir", str(args.workdir)]
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        parts = ", ".join(f"{k} {v:.3f}" for k, v in result.pop("parts_s").items())
        print(f"\n{result.pop('triples'):,} triples, {result.pop('concepts'):,} concepts")
        print(f"  read model: built in {result.pop('build_s'):.2f} s ({parts} s), +{result.pop('rss_added_mb'):.0f} MB RSS")
        for name, row in result.items():
            print(f"  {name:24s} p50 {ms(row['p50']):>8s} ms   p99 {ms(row['p99']):>8s} ms   ({row['n']} runs)")


if __name__ == "__main__":
    main()
