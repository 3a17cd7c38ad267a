"""Cold start (kept beside the goals of issue #16): ``nnvocab serve`` to its first answered query vs importing the web stack.

Run: ``.venv/bin/python benchmarks/bench_coldstart.py [--runs 5]``.

Interleaves ``--runs`` launches of each: ``nnvocab serve --port P`` timed from the launch to its
first successful GraphQL answer (``{ concept(name: "gqa") { name altNames } }``, polled every
20 ms), and ``python -c "import fastapi, strawberry"`` timed to its exit; reports the medians and
their ratio. The built-in graph comes from its N-Triples cache, as after ``make build``. A last
launch runs the server under ``python -X importtime`` to check that torch is never imported and
to list the slowest imports (cumulative).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from _common import LOOKUP_QUERY, PYTHON, SERVE_ENV, Outcome, Table, free_port, graphql_ok, median, ms, ratio, start, wait_for

GOAL = 3.0
TITLE, GOAL_TEXT = "9. cold start to first answer vs import fastapi+strawberry", f"≤ {GOAL:.0f}×, no torch"
BASELINE = [PYTHON, "-c", "import fastapi, strawberry"]


def time_serve(workdir: Path, importtime: bool = False) -> tuple[float, str]:
    """Seconds from launching the server to its first answer, and its log."""
    port = free_port()
    head = [PYTHON, "-X", "importtime", "-m", "service"] if importtime else [PYTHON, "-m", "service"]
    cmd = [*head, "serve", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}/graphql"
    began = time.perf_counter()
    proc = start(cmd, workdir / "coldstart.log", SERVE_ENV)
    try:
        with httpx.Client(timeout=5) as client:
            wait_for(lambda: graphql_ok(client, url, LOOKUP_QUERY.format("gqa")) or proc.popen.poll() is not None, 120, 0.02)
        elapsed = time.perf_counter() - began
        if proc.popen.poll() is not None:
            raise RuntimeError(f"nnvocab serve exited: {proc.tail()}")
    finally:
        proc.stop()
    return elapsed, proc.log.read_text(errors="replace")


def time_baseline() -> float:
    """Seconds for ``python -c "import fastapi, strawberry"``."""
    began = time.perf_counter()
    subprocess.run(BASELINE, check=True, capture_output=True)
    return time.perf_counter() - began


def import_profile(log: str, top: int = 15, depth: int = 2) -> tuple[bool, list[tuple[str, float]]]:
    """Whether torch was imported, and the ``top`` imports nested at most ``depth`` deep by cumulative ms.

    Reads ``-X importtime`` lines: ``import time: SELF_US | CUMULATIVE_US | <2 spaces per level>module``.
    """
    costs: list[tuple[str, float]] = []
    torch = False
    for line in log.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if not line.startswith("import time:") or len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        name = fields[2][1:]
        module = name.strip()
        torch = torch or module.split(".")[0] == "torch"
        level = (len(name) - len(name.lstrip())) // 2
        if level <= depth:
            costs.append(("· " * level + module, int(fields[1]) / 1000))
    return torch, sorted(costs, key=lambda c: -c[1])[:top]


def run(workdir: Path, runs: int = 5, warm_up: bool = True) -> Outcome:
    """The cold start as one summary row and detail tables (times, slowest imports); ``warm_up`` first launches once untimed."""
    if warm_up:
        time_serve(workdir)  # builds the N-Triples cache if needed; not timed
    serve, base = [], []
    for _ in range(runs):
        serve.append(time_serve(workdir)[0])
        base.append(time_baseline())
    torch, costs = import_profile(time_serve(workdir, importtime=True)[1])
    factor = median(serve) / median(base)
    times = Table(
        f"Cold start, median of {runs} interleaved launches",
        ["what", "median s", "min s", "max s"],
        [
            ["nnvocab serve → first GraphQL answer", f"{median(serve):.2f}", f"{min(serve):.2f}", f"{max(serve):.2f}"],
            ['python -c "import fastapi, strawberry"', f"{median(base):.2f}", f"{min(base):.2f}", f"{max(base):.2f}"],
        ],
    )
    profile = Table(
        "Slowest imports of nnvocab serve, two levels deep (python -X importtime, cumulative)",
        ["module", "ms"],
        [[name, ms(cost)] for name, cost in costs],
    )
    notes = [f"torch imported by the server: {'YES' if torch else 'no'}"]
    measured = f"{ratio(factor, 1)} ({median(serve):.2f} s vs {median(base):.2f} s); torch {'imported' if torch else 'not imported'}"
    return Outcome(TITLE, measured, GOAL_TEXT, factor <= GOAL and not torch, [times, profile], notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcome = run(Path(tmp), args.runs)
    outcome.show()


if __name__ == "__main__":
    main()
