"""Sandboxed smoke tests vs the same checks in-process, measured side by side in one run.

Run: ``.venv/bin/python benchmarks/sandbox_overhead.py [--repeat 50] [--all]``, or call
:func:`measure`. Each round smoke-tests every benchmark term once in-process and once in a fresh
sandbox, alternating term by term so both see the same machine load; a round's figure is its mean
time per job, and the result is the median over rounds (after one unrecorded warm-up round). The
in-process side runs on one torch thread, as the workers do, so the ratio is the sandbox's own
overhead. The terms are an evenly spaced sample of the registry (every 8th registration, every
family), or every registration with ``--all``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from functools import partial

from implementations import list_implementations
from implementations.registry.smoke import run_smoke_test
from implementations.sandbox.sandbox import Sandbox


def benchmark_terms() -> list[str]:
    """Every 8th registration, in sorted order."""
    return list_implementations()[::8]


def _timed(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return (time.perf_counter() - start) * 1000


def _p90(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


def measure(repeat: int = 50, terms: Sequence[str] | None = None) -> dict[str, float]:
    """Median ms per smoke test in-process and in the sandbox (warm), their ratio, and the pool's start-up.

    Args:
        repeat: Recorded rounds over ``terms``.
        terms: Registered terms (default :func:`benchmark_terms`).

    Returns:
        ``in_process_ms``, ``sandbox_ms`` (medians over rounds of the mean per job), ``ratio``,
        ``in_process_p90_ms``, ``sandbox_p90_ms``, ``startup_s`` (zygote and workers) and ``jobs``
        (smoke tests per round).

    """
    import torch

    chosen = list(terms or benchmark_terms())
    threads = torch.get_num_threads()
    sandbox = Sandbox()
    local: list[float] = []
    boxed: list[float] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.set_num_threads(1)
        try:
            start = time.perf_counter()
            sandbox.start()
            startup = time.perf_counter() - start
            for round_ in range(repeat + 1):  # round 0 warms both sides up
                pairs = [(_timed(partial(run_smoke_test, t)), _timed(partial(sandbox.smoke_test, t))) for t in chosen]
                if round_:
                    local.append(statistics.fmean(p[0] for p in pairs))
                    boxed.append(statistics.fmean(p[1] for p in pairs))
        finally:
            sandbox.stop()
            torch.set_num_threads(threads)
    in_process, sandboxed = statistics.median(local), statistics.median(boxed)
    return {
        "in_process_ms": in_process,
        "sandbox_ms": sandboxed,
        "ratio": sandboxed / in_process,
        "in_process_p90_ms": _p90(local),
        "sandbox_p90_ms": _p90(boxed),
        "startup_s": startup,
        "jobs": float(len(chosen)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50, help="recorded rounds (default 50)")
    parser.add_argument("--all", action="store_true", help="every registration instead of every 8th")
    args = parser.parse_args()
    result = measure(args.repeat, list_implementations() if args.all else None)
    print(f"{int(result['jobs'])} terms x {args.repeat} rounds, interleaved; per smoke test:")
    print(f"{'':12} {'median ms':>10} {'p90 ms':>10}")
    print(f"{'in-process':12} {result['in_process_ms']:10.2f} {result['in_process_p90_ms']:10.2f}")
    print(f"{'sandboxed':12} {result['sandbox_ms']:10.2f} {result['sandbox_p90_ms']:10.2f}")
    print(f"{'ratio':12} {result['ratio']:9.2f}x")
    print(f"worker pool start-up (once): {result['startup_s']:.2f} s")


if __name__ == "__main__":
    main()
