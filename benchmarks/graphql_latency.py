"""p50/p95 latency of the typical GraphQL queries, in-process and over HTTP (127.0.0.1).

Run: ``.venv/bin/python benchmarks/graphql_latency.py [--repeat 200]``. Prints one table; the
in-process column runs ``schema.execute`` directly, the HTTP column goes through uvicorn on a
random local port. Bounded: every loop runs ``--repeat`` times. ``typical_queries`` and
``InProcess`` are also used by ``bench_sparql.py`` and ``bench_scale.py`` on synthetic graphs.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from dataclasses import dataclass

import httpx
import uvicorn
from _common import free_port, ms, percentile, ratio, wait_for

from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.context import open_vocabulary
from service.graphql.context import Context
from service.graphql.schema import create_schema
from service.settings import Settings


@dataclass(frozen=True)
class Probes:
    """Names the typical queries ask for; each must find rows in the graph queried."""

    alias: str = "gqa"
    layer: str = "Transformer"
    search: str = "layernrom"
    node: str = "adamw"
    path_from: str = "lstm"
    path_to: str = "adam"


def typical_queries(p: Probes) -> dict[str, str]:
    """The service's typical read queries, by name."""
    return {
        "concept by alias": f'{{ concept(name: "{p.alias}") {{ name altNames papers {{ title authors year }} models {{ name }} }} }}',
        "compatible pairs": f'{{ compatiblePairs(layer: "{p.layer}") {{ optimizer {{ name }} note }} }}',
        "search (typo)": f'{{ search(text: "{p.search}", first: 10) {{ score node {{ id }} }} }}',
        "2-hop neighbours": f'{{ neighbors(id: "{p.node}", depth: 2) {{ edges {{ subject predicate object }} }} }}',
        "shortest path": f'{{ path(from: "{p.path_from}", to: "{p.path_to}") {{ subject predicate object }} }}',
        "page of 100 concepts": "{ concepts(first: 100) { totalCount nodes { id name papers { title } models { name } } } }",
    }


class InProcess:
    """Runs GraphQL queries with ``schema.execute`` on one event loop, a fresh request context each time."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.schema = create_schema()
        self.loop = asyncio.new_event_loop()

    def once(self, query: str) -> float:
        """Seconds for one execution; raises ``AssertionError`` if the query answers with errors."""

        async def execute() -> float:
            start = time.perf_counter()
            result = await self.schema.execute(query, context_value=Context(vocab=self.vocab))
            elapsed = time.perf_counter() - start
            assert result.errors is None, result.errors
            return elapsed

        return self.loop.run_until_complete(execute())

    def times(self, query: str, repeat: int, budget_s: float = 30.0) -> list[float]:
        """Seconds per execution: ``repeat`` runs, or fewer once ``budget_s`` is spent (at least one)."""
        times: list[float] = []
        deadline = time.perf_counter() + budget_s
        while len(times) < repeat and (not times or time.perf_counter() < deadline):
            times.append(self.once(query))
        return times

    def close(self) -> None:
        """Close the event loop (and its thread pool)."""
        self.loop.run_until_complete(self.loop.shutdown_default_executor())
        self.loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    vocab = open_vocabulary()
    port = free_port()
    app = create_app(Settings(rate_limit_per_minute=10**9), vocab=vocab)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    local_runner = InProcess(vocab)
    try:
        with httpx.Client(base_url=url) as client:
            wait_for(lambda: server.started, 30)
            print(f"{'query':24s} {'in-process p50/p95 ms':>22s} {'HTTP p50/p95 ms':>18s} {'HTTP/in-process':>16s}")
            for name, query in typical_queries(Probes()).items():
                local = [t * 1000 for t in local_runner.times(query, args.repeat)]
                remote = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    response = client.post("/graphql", json={"query": query})
                    remote.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200 and "errors" not in response.json(), response.text
                lp50, lp95, rp50, rp95 = (percentile(s, q) for s in (local, remote) for q in (50, 95))
                print(f"{name:24s} {ms(lp50):>10s} / {ms(lp95):>8s} {ms(rp50):>8s} / {ms(rp95):>7s} {ratio(rp50, lp50):>16s}")
    finally:
        local_runner.close()
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
