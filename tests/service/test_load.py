"""Load: 16 concurrent clients mixing queries and sandboxed smoke tests against ``nnvocab serve``.

``make test`` runs a short version (6 s); ``make soak`` runs the issue's 60 s version. Both
assert zero errors and a stable resident memory, and print requests/s, p50, p99 and RSS.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port, stop, wait_until

CLIENTS = 16
QUERIES = [
    '{ concept(name: "GQA") { name altNames papers { title year } models { name } } }',
    '{ compatiblePairs(layer: "Transformer") { optimizer { name } note } }',
    '{ search(text: "layernrom", first: 10) { score node { id } } }',
    '{ neighbors(id: "adamw", depth: 2) { edges { subject predicate object } } }',
    "{ concepts(first: 50) { totalCount nodes { id name } } }",
    '{ path(from: "lion", to: "gelu") { subject predicate object } }',
]
SMOKE = 'mutation { smokeTest(term: "%s") { ok error } }'
SMOKE_TERMS = ["GELU", "SwiGLU", "RMSNorm", "Dropout", "LayerNorm"]


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    smoke_tests: int = 0


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int]]:
    """A real ``nnvocab serve`` process (so its memory is its own), stopped at the end."""
    port = free_port()
    env = {**os.environ, "NNV_RATE_LIMIT_PER_MINUTE": "10000000", "NNV_MUTATION_RATE_LIMIT_PER_MINUTE": "10000000", "NNV_PORT": str(port)}
    env.pop("NNV_STORE", None)
    env.pop("NNV_STORE_PATH", None)
    nnvocab = Path(sys.executable).with_name("nnvocab")
    process = subprocess.Popen([str(nnvocab), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/readyz", timeout=1).status_code == 200, "nnvocab serve", attempts=600)
        yield url, process.pid
    finally:
        stderr = stop(process)
        assert b"Traceback" not in stderr, stderr.decode(errors="replace")[-2000:]


async def _client(url: str, index: int, deadline: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        step = index
        while time.monotonic() < deadline:  # bounded by the deadline
            step += 1
            smoke = step % 10 == 0
            query = SMOKE % SMOKE_TERMS[step % len(SMOKE_TERMS)] if smoke else QUERIES[step % len(QUERIES)]
            start = time.perf_counter()
            try:
                response = await client.post("/graphql", json={"query": query})
            except httpx.HTTPError as exc:
                tally.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            tally.latencies.append(time.perf_counter() - start)
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                tally.errors.append(f"{response.status_code}: {str(body)[:200]}")
            elif smoke:
                tally.smoke_tests += 1
                if not body["data"]["smokeTest"]["ok"]:
                    tally.errors.append(f"smoke test failed: {body}")


def run_load(url: str, pid: int, seconds: float) -> dict[str, float]:
    """Drive the server for ``seconds`` with :data:`CLIENTS` clients; the figures."""
    first = httpx.post(f"{url}/graphql", json={"query": SMOKE % "GELU"}, timeout=60)  # the sandbox pool starts
    assert first.json()["data"]["smokeTest"]["ok"], first.text
    warm = Tally()
    asyncio.run(_many(url, time.monotonic() + 2.0, warm))  # warm the caches
    start_rss = rss_mb(pid)
    tally = Tally()
    began = time.monotonic()
    asyncio.run(_many(url, began + seconds, tally))
    elapsed = time.monotonic() - began
    ordered = sorted(tally.latencies)
    figures = {
        "seconds": elapsed,
        "requests": len(ordered),
        "smoke_tests": tally.smoke_tests,
        "errors": len(tally.errors) + len(warm.errors),
        "requests_per_s": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(0.99 * (len(ordered) - 1))] * 1000,
        "rss_start_mb": start_rss,
        "rss_end_mb": rss_mb(pid),
    }
    assert tally.errors == [] and warm.errors == [], (tally.errors + warm.errors)[:5]
    return figures


async def _many(url: str, deadline: float, tally: Tally) -> None:
    await asyncio.gather(*(_client(url, i, deadline, tally) for i in range(CLIENTS)))


def _check(figures: dict[str, float], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print("\nload:", ", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))
    assert figures["errors"] == 0
    assert figures["smoke_tests"] > 0 and figures["requests"] >= 2 * CLIENTS  # bounded run; absolute rates are noise here
    assert figures["rss_end_mb"] <= figures["rss_start_mb"] * 1.25 + 30, "resident memory grew under load"


def test_short_load_has_no_errors_and_stable_memory(served: tuple[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    _check(run_load(*served, seconds=6.0), capsys)


@pytest.mark.soak
def test_sixty_second_load(served: tuple[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    _check(run_load(*served, seconds=60.0), capsys)
    assert httpx.get(f"{served[0]}/healthz").json() == {"status": "ok"}
