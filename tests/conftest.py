"""Shared fixtures: the built-in graph (built once), the repository's test data and the external sources.

The external source documents (the seeds, the errata list, the full Papers-with-Code export and the
API contract) live outside the repository, in ``NNV_SHARED_DIR`` (default ``../shared`` beside the
clone, as CI lays it out). Tests that need them skip, naming the missing path, when it is absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from loaders.builtin import build_graph, load_builtin
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NNV_SHARED_DIR") or ROOT.parent / "shared").resolve()
SEED_GUIDE = SHARED / "seeds" / "000_d850fd30ffeff5b8.txt"
SEED_TAGS = SHARED / "seeds" / "002_217204371df5581c.txt"
PWC = SHARED / "data" / "pwc-methods.json"
ERRATA = SHARED / "curation" / "errata.md"
SHARED_CONTRACT = SHARED / "api" / "contract.graphql"
DATA = ROOT / "tests" / "data"
PWC_SAMPLE = DATA / "pwc-methods-sample.json"
CONTRACT = ROOT / "docs" / "api" / "contract.graphql"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the built-graph cache of a test run away from the user's own cache."""
    import tempfile

    os.environ.setdefault("NNV_CACHE_DIR", tempfile.mkdtemp(prefix="nnvocab-cache-"))


def shared_file(path: Path) -> Path:
    """``path``, a file of the external sources; the calling test skips, naming it, when it is absent."""
    if not path.is_file():
        pytest.skip(f"{path} is absent: the external sources are read from NNV_SHARED_DIR (default ../shared beside the repository)")
    return path


def fresh_builtin() -> GraphStore:
    """A new in-memory store holding the built-in graph and the implementations, as served."""
    from service.runs import add_implementations

    store = GraphStore()
    load_builtin(store)
    add_implementations(store)
    return store


@pytest.fixture(scope="session")
def builtin_store() -> GraphStore:
    """The session's built-in store (tests that run smoke tests add their runs to it)."""
    return fresh_builtin()


@pytest.fixture(scope="session")
def vocab(builtin_store: GraphStore) -> Vocabulary:
    return Vocabulary(builtin_store)


@pytest.fixture(scope="session")
def search_ready(vocab: Vocabulary) -> Vocabulary:
    """``vocab`` with its search vectors computed (into the session's NNV_CACHE_DIR), as after ``nnvocab build``.

    Without them the shared servers would answer free-text searches ``UNAVAILABLE`` for the half minute the
    first one takes to embed the built-in graph (the lazy start has its own tests).
    """
    vocab.search_index.preload()
    return vocab


@pytest.fixture(scope="session")
def builtin_rdflib():  # type: ignore[no-untyped-def]
    graph, _report = build_graph()
    return graph


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen[Any], timeout: float = 30) -> Any:
    """Terminate ``process`` (kill it if it does not exit in time); return its captured stderr."""
    process.terminate()
    try:
        return process.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate(timeout=timeout)[1]


def wait_until(ready: Callable[[], bool], what: str, attempts: int = 200) -> None:
    """Poll ``ready`` every 50 ms, at most ``attempts`` times (bounded: ~10 s by default)."""
    for _ in range(attempts):
        try:
            if ready():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    pytest.fail(f"{what} did not start")


@pytest.fixture(scope="session")
def oxigraph_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``oxigraph serve`` on 127.0.0.1, data in a temporary folder, stopped at the end."""
    binary = Path(sys.executable).with_name("oxigraph")
    command = str(binary) if binary.exists() else shutil.which("oxigraph")
    assert command, "the `oxigraph` server (PyPI package oxigraph) is a test dependency"
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    process = subprocess.Popen(
        [command, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/query", params={"query": "ASK {}"}, timeout=0.5).status_code == 200, "oxigraph serve")
        yield url
    finally:
        stop(process)
