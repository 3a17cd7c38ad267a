"""Run benchmarks 1–6 and print one table of ratios, each measured side by side in the same run.

Run: ``make bench`` or ``.venv/bin/python benchmarks/run_all.py [--quick] [--only 1 5] [--out FILE]``.

Absolute times on a shared machine are noise; every figure compared to a goal is a ratio of two
things measured in the same run, interleaved. The default (full) run takes well under 10 minutes
on 2 cores; ``--quick`` uses small sizes and few repeats (a smoke check, ~3 minutes). A benchmark
that fails prints an error row instead of stopping the others. Writes ``--out`` (default
``benchmarks/results.md``): the date, the machine (/proc/cpuinfo, /proc/meminfo), the summary
and every detail table. Servers only listen on 127.0.0.1, on random free ports, and are always
stopped; temporary files live in one temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType

import bench_coldstart
import bench_http
import bench_sandbox
import bench_scale
import bench_sparql
import bench_throughput
from _common import Outcome, Table, machine_facts


@dataclass(frozen=True)
class Step:
    """One benchmark: its module (``TITLE``, ``GOAL_TEXT``) and how to run it full or quick."""

    module: ModuleType
    full: Callable[[Path], Outcome]
    quick: Callable[[Path], Outcome]


STEPS = (
    Step(bench_sparql, lambda d: bench_sparql.run(d, (10_000, 100_000), 20.0), lambda d: bench_sparql.run(d, (2_000, 10_000), 5.0)),
    Step(bench_http, lambda d: bench_http.run(d, 5), lambda d: bench_http.run(d, 2)),
    Step(bench_coldstart, lambda d: bench_coldstart.run(d, 5), lambda d: bench_coldstart.run(d, 2)),
    Step(bench_sandbox, lambda d: bench_sandbox.run(5), lambda d: bench_sandbox.run(1)),
    Step(bench_scale, lambda d: bench_scale.run(d, 1_000_000, 10_000, 20, 4.0), lambda d: bench_scale.run(d, 100_000, 10_000, 5, 1.0)),
    Step(bench_throughput, lambda d: bench_throughput.run(d, 8.0), lambda d: bench_throughput.run(d, 2.0)),
)


def run_steps(numbers: list[int], quick: bool) -> list[tuple[Outcome, float]]:
    """Run the chosen steps (1-based), each guarded; return outcomes with their durations."""
    results = []
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        for n in numbers:
            step = STEPS[n - 1]
            print(f"[{time.strftime('%H:%M:%S')}] running {step.module.TITLE} …", file=sys.stderr, flush=True)
            start = time.perf_counter()
            try:
                outcome = (step.quick if quick else step.full)(Path(tmp))
            except Exception as exc:  # one failure must not stop the others
                traceback.print_exc()
                message = " ".join(str(exc).split())  # one line, for the table
                outcome = Outcome(step.module.TITLE, f"error: {type(exc).__name__}: {message[-300:]}", step.module.GOAL_TEXT, None)
            results.append((outcome, time.perf_counter() - start))
    return results


def summary(results: list[tuple[Outcome, float]]) -> Table:
    """The one table of ratios."""
    met = {True: "yes", False: "NO", None: "—"}
    rows = [[o.benchmark, o.measured, o.goal, met[o.met], f"{seconds:.0f}"] for o, seconds in results]
    return Table("Summary (each figure a ratio measured side by side in this run)", ["benchmark", "measured", "goal", "met?", "s"], rows)


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
        "Absolute times on this shared machine are noise; each goal is checked on a ratio measured side by side in the same run.",
        "",
        summary(results).markdown(),
    ]
    for outcome, _seconds in results:
        lines += ["", f"## {outcome.benchmark}", ""]
        for table in outcome.details:
            lines += [table.markdown(), ""]
        lines += [f"- {note}" for note in outcome.notes]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes and few repeats (smoke check)")
    parser.add_argument("--only", type=int, nargs="+", choices=range(1, len(STEPS) + 1), help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results.md")
    args = parser.parse_args()
    start = time.perf_counter()
    results = run_steps(args.only or list(range(1, len(STEPS) + 1)), args.quick)
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
