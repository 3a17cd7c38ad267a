"""Measure every goal of issue #16 in one run, side by side, and write ``results.md`` with the summary table.

Run: ``make bench`` or ``.venv/bin/python benchmarks/run_all.py [--quick] [--only http sparql …] [--out FILE]``.

The goals (each a ratio or a figure measured in this run; ratios compare two things measured
interleaved, since absolute times on a shared machine are noise):

1. first-time GraphQL lookup ≤ 2× raw SPARQL to ``oxigraph serve`` (``bench_http``);
2. a page of 100 concepts ≤ 15 ms (``bench_http``);
3. uncached throughput ≥ 300 req/s per worker at 8 clients (``bench_throughput``);
4. ``/sparql`` ≤ 2× oxigraph's endpoint on a simple query (``bench_http``);
5. search latency at 1M triples ≤ 3× its time at 10k, hybrid p50 ≤ 30 ms at 10k (``bench_search``,
   which also scores the search evaluation set);
6. ≥ 100× rdflib at 100k triples on every operation (``bench_sparql``);
7. a remote-store lookup ≤ 2× raw SPARQL (``bench_http``);
8. RSS at 1M triples ≤ 1 GB with the embedding model loaded (``bench_scale``);

plus the cold start without torch (``bench_coldstart``) and the sandbox's overhead (``bench_sandbox``).
``--quick`` runs every module small (tiny graphs, few repeats: a smoke check, used by
``tests/benchmarks/test_run_all.py``), search vectors from the service's own cache
(``NNV_CACHE_DIR``, so the built-in graph's are computed once per machine). A module that fails gives an error row instead of stopping
the others. Writes ``--out`` (default ``benchmarks/results.md``): the date, the machine, the
summary (measured, goal, met?) and every detail table. Servers only listen on 127.0.0.1, on random
free ports, and are always stopped; temporary files live in one temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import bench_coldstart
import bench_http
import bench_sandbox
import bench_scale
import bench_search
import bench_sparql
import bench_throughput
from _common import Outcome, Table, machine_facts

from ontology.search import default_cache_dir

SEARCH_TITLE = "5. search latency at 1M vs 10k triples; quality on the evaluation set"


def _search(workdir: Path, big: int, small: int, questions: int | None, vectors: Path | None = None) -> list[Outcome]:
    """``bench_search`` (issue #16's goal 5), titled with the goal's number; ``bench_scale`` reuses its vector cache."""
    return [replace(bench_search.run(workdir, big, small, questions, vectors), benchmark=SEARCH_TITLE)]


@dataclass(frozen=True)
class Step:
    """One benchmark module, its titles (the summary rows it gives) and how to run it full or quick."""

    name: str
    rows: tuple[tuple[str, str], ...]  # (title, goal) of each summary row, for an error row
    full: Callable[[Path], list[Outcome]]
    quick: Callable[[Path], list[Outcome]]


STEPS = (
    Step(
        "http",
        tuple((bench_http.TITLES[k], bench_http.GOALS[k]) for k in bench_http.TITLES),
        lambda d: bench_http.run(d, 5, 50),
        lambda d: bench_http.run(d, 1, 4),
    ),
    Step(
        "throughput",
        ((bench_throughput.TITLE, bench_throughput.GOAL_TEXT),),
        lambda d: [bench_throughput.run(d, 8.0)],
        lambda d: [bench_throughput.run(d, 0.4, warm_s=0.2)],
    ),
    Step(
        "search",
        ((SEARCH_TITLE, bench_search.GOAL_TEXT),),
        lambda d: _search(d, 1_000_000, 10_000, None),
        lambda d: _search(d, 3_000, 2_000, 2, default_cache_dir()),
    ),
    Step(
        "sparql",
        ((bench_sparql.TITLE, bench_sparql.GOAL_TEXT),),
        lambda d: [bench_sparql.run(d, (10_000, 100_000), 20.0)],
        lambda d: [bench_sparql.run(d, (2_000,), 2.0)],
    ),
    Step(
        "scale",
        ((bench_scale.TITLE, bench_scale.GOAL_TEXT),),
        lambda d: [bench_scale.run(d, 1_000_000, 10_000, 20, 4.0)],
        lambda d: [bench_scale.run(d, 3_000, 2_000, 2, 0.5, default_cache_dir(), small_alone=False)],
    ),
    Step(
        "coldstart",
        ((bench_coldstart.TITLE, bench_coldstart.GOAL_TEXT),),
        lambda d: [bench_coldstart.run(d, 5)],
        lambda d: [bench_coldstart.run(d, 1, warm_up=False)],
    ),
    Step(
        "sandbox",
        ((bench_sandbox.TITLE, bench_sandbox.GOAL_TEXT),),
        lambda _: [bench_sandbox.run(5)],
        lambda _: [bench_sandbox.run(1, terms=4)],
    ),
)


def _goal_number(outcome: Outcome) -> int:
    match = re.match(r"(\d+)\.", outcome.benchmark)
    return int(match.group(1)) if match else 99


def run_steps(names: list[str], quick: bool) -> list[tuple[Outcome, float]]:
    """Run the chosen steps, each guarded; their outcomes (in goal order) with the seconds their module took."""
    results = []
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        for step in (s for s in STEPS if s.name in names):
            print(f"[{time.strftime('%H:%M:%S')}] running {step.name} …", file=sys.stderr, flush=True)
            start = time.perf_counter()
            try:
                outcomes = (step.quick if quick else step.full)(Path(tmp))
            except Exception as exc:  # one failure must not stop the others
                traceback.print_exc()
                message = " ".join(str(exc).split())[-300:]  # one line, for the table
                outcomes = [Outcome(title, f"error: {type(exc).__name__}: {message}", goal, None) for title, goal in step.rows]
            seconds = time.perf_counter() - start
            results += [(outcome, seconds) for outcome in outcomes]
    return sorted(results, key=lambda result: _goal_number(result[0]))


def summary(results: list[tuple[Outcome, float]]) -> Table:
    """The summary table: measured, goal, met?"""
    met = {True: "yes", False: "NO", None: "—"}
    rows = [[o.benchmark, o.measured, o.goal, met[o.met], f"{seconds:.0f}"] for o, seconds in results]
    return Table(
        "Summary (the goals of issue #16, measured side by side in this run)", ["benchmark", "measured", "goal", "met?", "module s"], rows
    )


def markdown(results: list[tuple[Outcome, float]], quick: bool, total_s: float) -> str:
    """The results file."""
    facts = machine_facts()
    lines = [
        "# nnvocab benchmark results",
        "",
        f"{'Quick (`--quick`)' if quick else 'Full'} run of `make bench` (`benchmarks/run_all.py`), "
        f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, {total_s / 60:.1f} min.",
        "",
        *(f"- {key}: {value}" for key, value in facts.items()),
        "",
        "Absolute times on this shared machine are noise; each ratio compares two things measured side by side in the same run.",
        "",
        summary(results).markdown(),
    ]
    for outcome, _seconds in results:
        if outcome.details or outcome.notes:
            lines += ["", f"## {outcome.benchmark}", ""]
            lines += [line for table in outcome.details for line in (table.markdown(), "")]
            lines += [f"- {note}" for note in outcome.notes]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    names = [step.name for step in STEPS]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="every module small (a smoke check)")
    parser.add_argument("--only", nargs="+", choices=names, help="run only these modules")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.md")
    args = parser.parse_args()
    start = time.perf_counter()
    results = run_steps(args.only or names, args.quick)
    total = time.perf_counter() - start
    for outcome, _seconds in results:
        for table in outcome.details:
            print(table.text(), end="\n\n")
        for note in outcome.notes:
            print(f"note: {note}")
    print(summary(results).text())
    print(f"\ntotal {total / 60:.1f} min; results written to {args.out}")
    args.out.write_text(markdown(results, args.quick, total), encoding="utf-8")


if __name__ == "__main__":
    main()
