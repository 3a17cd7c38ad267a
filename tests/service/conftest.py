"""Real uvicorn servers on 127.0.0.1 (random free ports) around the built-in graph.

``gql`` and ``graphql_url`` are parametrised over the two store backends: the embedded
pyoxigraph store, and a real ``oxigraph serve`` process (SPARQL Protocol + Graph Store
Protocol) started for the session with its data in a temporary folder.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from ontology.remote_store import RemoteStore
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.settings import Settings
from tests.conftest import free_port, wait_until

BACKENDS = ("embedded", "oxigraph-server")


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` under uvicorn in a thread on a free port; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200, "the server")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# No rate limits for the shared test servers, and room for sandboxed runs (a pairing's training run
# plus a cold sandbox can pass the default 10 s on a loaded 2-core machine; the limit has its own tests).
TEST_SETTINGS = Settings(rate_limit_per_minute=100_000, mutation_rate_limit_per_minute=100_000, query_timeout_s=60)


@pytest.fixture(scope="session")
def server_url(search_ready: Vocabulary) -> Iterator[str]:
    """The service on the embedded store."""
    with serve(create_app(TEST_SETTINGS, vocab=search_ready)) as url:
        yield url


@pytest.fixture(scope="session")
def remote_vocab(oxigraph_url: str, builtin_store: GraphStore) -> Iterator[Vocabulary]:
    """The built-in graph (with implementations) in the Oxigraph server."""
    store = RemoteStore(oxigraph_url)
    store.load(builtin_store.dump("nt"), "nt", replace=True)
    yield Vocabulary(store)
    store.close()


@pytest.fixture(scope="session")
def remote_server_url(remote_vocab: Vocabulary, search_ready: Vocabulary) -> Iterator[str]:
    """The service on the remote store (its search vectors come from the cache ``search_ready`` filled)."""
    with serve(create_app(TEST_SETTINGS, vocab=remote_vocab)) as url:
        yield url


@pytest.fixture(scope="session", params=BACKENDS)
def graphql_url(request: pytest.FixtureRequest) -> str:
    """The service's base URL, once per backend."""
    name = "server_url" if request.param == "embedded" else "remote_server_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture(scope="session")
def gql(graphql_url: str):  # type: ignore[no-untyped-def]
    def run(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{graphql_url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30)
        assert response.status_code in (200, 400), response.text
        body: dict[str, Any] = response.json()
        return body

    return run
