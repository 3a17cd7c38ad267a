"""Goal 3: uncached HTTP throughput per worker at 8 clients (and p50/p99 at 8 and 16 clients, 1 vs 2 uvicorn workers).

Run: ``.venv/bin/python benchmarks/bench_throughput.py [--seconds 10]``.

Starts ``nnvocab serve --workers 1`` and ``nnvocab serve --workers 2`` side by side on random
127.0.0.1 ports (rate limit raised through ``NNV_RATE_LIMIT_PER_MINUTE``), warms both up, then
drives them alternately with an asyncio + httpx client pool: for each round, each client count
and each server, ``--seconds``/2 of closed-loop requests. So every configuration gets
``--seconds`` in total, interleaved with the others. The request mix, per 10 requests: 7 concept
lookups by alias (name, altNames, papers), 1 ``compatiblePairs``, 1 typo ``search``, 1 depth-1
``neighbors``. A request counts as an error unless it answers 200 without GraphQL errors.

Each configuration runs twice: "uncached" requests end with a unique GraphQL comment, so the
service's response cache (keyed on the exact body) never answers and every request does the
work; "cached" requests repeat the mix's texts verbatim, as a client re-asking the same
questions would (each worker fills its own cache during the warm-up).

The CPU time each server's processes used during a configuration's slices is shown per answered
request: the serving processes (uvicorn's, the workers, ``/sparql`` workers) apart from the
search's embedding children, where ``nnvocab serve`` runs the embedding model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from _common import SERVE_ENV, Outcome, Table, free_port, graphql_ready, ms, nnvocab_serve, percentile, ratio, running_all, session_cpu_s
from bench_http import pick_aliases

CLIENTS = (8, 16)
WORKERS = (1, 2)
MODES = ("uncached", "cached")
GOAL_RPS = 300.0
TITLE, GOAL_TEXT = "3. uncached throughput per worker at 8 clients", f"≥ {GOAL_RPS:.0f} req/s, 0 errors"


def request_mix(aliases: list[str]) -> list[str]:
    """GraphQL queries cycled by the clients: 7 lookups, then pairs, search, neighbours."""
    mix: list[str] = []
    for i, alias in enumerate(aliases[:21]):
        mix.append(f"{{ concept(name: {json.dumps(alias)}) {{ name altNames papers {{ title }} }} }}")
        if i % 7 == 6:
            mix += [
                '{ compatiblePairs(layer: "Transformer") { optimizer { name } note } }',
                '{ search(text: "layernrom", first: 10) { score node { id } } }',
                '{ neighbors(id: "adamw", depth: 1) { edges { subject predicate object } } }',
            ]
    return mix


@dataclass
class Load:
    """What one configuration measured, over all its slices."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=lambda: {"serving": 0.0, "encoder": 0.0})

    @property
    def rps(self) -> float:
        """Answered requests per second."""
        return len(self.latencies_ms) / self.seconds if self.seconds else float("nan")

    def cpu_ms(self, kind: str) -> float:
        """CPU milliseconds per answered request of the server's processes of ``kind`` (``serving``, ``encoder``)."""
        return 1000 * self.cpu_s[kind] / len(self.latencies_ms) if self.latencies_ms else float("nan")

    def row(self, *key: object) -> list[str]:
        """A detail-table row, after the cells of ``key``."""
        lat = self.latencies_ms
        cpu = [f"{self.cpu_ms(kind):.2f}" for kind in ("serving", "encoder")]
        return [*map(str, key), str(len(lat)), f"{self.rps:.1f}", ms(percentile(lat, 50)), ms(percentile(lat, 99)), *cpu, str(self.errors)]


async def drive(url: str, queries: list[str], clients: int, seconds: float, into: Load, unique: bool = False) -> None:
    """``clients`` closed-loop clients posting ``queries`` round-robin to ``url`` for ``seconds``.

    ``unique`` appends a distinct comment to every request, so no two bodies are the same.
    """
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def user(offset: int) -> None:
            i = offset
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    query = queries[i % len(queries)] + (f"\n# {offset} {i} {time.perf_counter_ns()}" if unique else "")
                    response = await client.post("/graphql", json={"query": query})
                    ok = response.status_code == 200 and not response.json().get("errors")
                except httpx.HTTPError:
                    ok = False
                if ok:
                    into.latencies_ms.append((time.perf_counter() - began) * 1000)
                else:
                    into.errors += 1
                i += 1

        await asyncio.gather(*(user(k * 5) for k in range(clients)))
        into.seconds += time.perf_counter() - start


async def prime(url: str, queries: list[str], copies: int, limit_s: float = 300.0) -> None:
    """Send ``copies`` of each query at once until every answer holds no error (bounded by ``limit_s``).

    A worker's first hybrid search starts loading the embedding model and is refused (UNAVAILABLE)
    until it is ready, so one round is not enough to warm it.
    """
    deadline = time.monotonic() + limit_s
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        while True:
            answers = await asyncio.gather(*(client.post("/graphql", json={"query": q}) for q in queries for _ in range(copies)))
            if all("errors" not in answer.json() for answer in answers) or time.monotonic() > deadline:
                return
            await asyncio.sleep(1.0)


def run(workdir: Path, seconds: float = 10.0, warm_s: float = 2.0) -> Outcome:
    """Goal 3 as one summary row and a detail table."""
    ports = {w: free_port() for w in WORKERS}
    loads = {(m, c, w): Load() for m in MODES for c in CLIENTS for w in WORKERS}
    commands = [(nnvocab_serve(port, w), workdir / f"serve-{w}.log", graphql_ready(port), SERVE_ENV) for w, port in ports.items()]
    with running_all(commands) as servers:
        session = {w: server.popen.pid for w, server in zip(ports, servers, strict=True)}  # each server leads its own session
        data = httpx.get(f"http://127.0.0.1:{ports[1]}/export", params={"format": "nt"}, timeout=30).content
        queries = request_mix(pick_aliases(data, 21))
        for port in ports.values():  # warm every worker's caches (a search loads the embedding model: once per worker)
            asyncio.run(prime(f"http://127.0.0.1:{port}", [q for q in queries if q.startswith("{ search")], 2 * max(WORKERS)))
            asyncio.run(drive(f"http://127.0.0.1:{port}", queries, 4, warm_s, Load()))
        for _round in range(2):
            for (mode, clients, w), load in loads.items():
                before = session_cpu_s(session[w])
                asyncio.run(drive(f"http://127.0.0.1:{ports[w]}", queries, clients, seconds / 2, load, unique=mode == "uncached"))
                for kind, used in session_cpu_s(session[w]).items():
                    load.cpu_s[kind] += used - before[kind]
    table = Table(
        f"GraphQL over HTTP, closed loop, {seconds:g} s per configuration (interleaved halves)",
        ["requests", "clients", "workers", "answered", "req/s", "p50 ms", "p99 ms", "serving CPU ms/req", "encoder CPU ms/req", "errors"],
        [load.row(*key) for key, load in loads.items()],
    )
    goal = loads[("uncached", 8, 1)]
    per_worker = goal.rps
    scaling = loads[("uncached", 8, 2)].rps / per_worker
    errors = sum(load.errors for load in loads.values())
    cpu = f"CPU per request: worker {goal.cpu_ms('serving'):.2f} ms, its embedding child {goal.cpu_ms('encoder'):.2f} ms"
    measured = f"{per_worker:.0f} req/s with 1 worker (2 workers: {ratio(scaling, 1)} that; {cpu}); {errors} errors"
    return Outcome(TITLE, measured, GOAL_TEXT, per_worker >= GOAL_RPS and errors == 0, [table])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcome = run(Path(tmp), args.seconds)
    outcome.show()


if __name__ == "__main__":
    main()
