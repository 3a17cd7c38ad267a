"""Sandbox overhead (kept beside the goals of issue #16): smoke tests sandboxed vs in-process (``sandbox_overhead.measure``).

Run: ``.venv/bin/python benchmarks/bench_sandbox.py [--repeat 10]``.

Calls :func:`sandbox_overhead.measure` in a child process (it imports torch, which the other
benchmarks must not share), bounded by a timeout, and reports its ratio. A missing ``measure``
gives a "not available" row rather than an error.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from _common import PYTHON, Outcome, Table, ms

GOAL = 3.0
TITLE, GOAL_TEXT = "10. sandboxed smoke test vs in-process", f"≤ {GOAL:.0f}×"
CHILD = (
    "import json, sys\n"
    "try:\n    from sandbox_overhead import benchmark_terms, measure\n"
    "except ImportError:\n    print(json.dumps(None)); sys.exit(0)\n"
    "count = int(sys.argv[2])\n"
    "print(json.dumps(measure(int(sys.argv[1]), benchmark_terms()[:count] if count else None)))\n"
)


def run(repeat: int = 10, timeout_s: float = 240, terms: int = 0) -> Outcome:
    """The sandbox overhead as one summary row and a detail table; ``terms`` > 0 checks only that many terms."""
    cmd = [PYTHON, "-c", CHILD, str(repeat), str(terms)]
    out = subprocess.run(cmd, cwd=Path(__file__).parent, capture_output=True, text=True, timeout=timeout_s)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-1500:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result is None:
        return Outcome(TITLE, "not available (sandbox_overhead.measure missing)", GOAL_TEXT, None)
    table = Table(
        f"Smoke tests, {int(result.get('jobs', 0))} terms × {repeat} interleaved rounds (median of per-round means)",
        ["where", "median ms", "p90 ms"],
        [
            ["in-process", ms(result["in_process_ms"]), ms(result.get("in_process_p90_ms", float("nan")))],
            ["sandboxed", ms(result["sandbox_ms"]), ms(result.get("sandbox_p90_ms", float("nan")))],
        ],
    )
    notes = [f"sandbox worker pool start-up (once): {result['startup_s']:.2f} s"]
    return Outcome(TITLE, f"{result['ratio']:.2f}×", GOAL_TEXT, result["ratio"] <= GOAL, [table], notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    outcome = run(args.repeat)
    outcome.show()


if __name__ == "__main__":
    main()
