"""Integrity through the real entry points: ``nnvocab load``/``export`` on an on-disk store, ``GET /export``, kill -9 mid-load."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from ontology.serialise import RdfFormatName
from ontology.store import ATOMIC_LIMIT, JOURNAL, STAGING, GraphStore
from ontology.vocabulary import Vocabulary
from tests.conftest import fresh_builtin
from tests.loaders.test_integrity import GOOD_NT, MALFORMED

INSPECT = """
import json, sys
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
def count(where):
    return int(next(iter(store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")))["n"].value)
print(json.dumps({
    "default": count("?s ?p ?o"),
    "bulk": count("?s ?p ?o FILTER STRSTARTS(STR(?s), 'http://example.org/bulk/')"),
    "concepts": count("?c a <https://w3id.org/nnvocab/ontology#Concept>"),
    "staging_graphs": sum(1 for g in store.named_graphs() if g.value.startswith(sys.argv[3])),
    "named_quads": count("GRAPH ?g { ?s ?p ?o }"),
    "interrupted": count(f"GRAPH <{sys.argv[2]}> {{ ?job ?loading ?name }}"),
}))
"""
"""Run as ``python -c INSPECT <store> <JOURNAL> <STAGING>``: opens an on-disk store with bare pyoxigraph (no clean-up) and prints counts."""


def nnvocab_env(**overrides: str) -> dict[str, str]:
    """The environment for an ``nnvocab`` subprocess: no inherited ``NNV_*`` but the test run's cache."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NNV_")}
    return env | {"NNV_CACHE_DIR": os.environ["NNV_CACHE_DIR"], **overrides}


def run_nnvocab(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess (bounded) and capture its output."""
    command = [sys.executable, "-m", "service", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, encoding="utf-8", timeout=600, check=False)


def exported(env: dict[str, str], fmt: RdfFormatName) -> GraphStore:
    """``nnvocab export --format fmt``, imported into a fresh store."""
    result = run_nnvocab(env, "export", "--format", fmt)
    assert result.returncode == 0, result.stderr
    store = GraphStore()
    store.load(result.stdout.encode("utf-8"), fmt)
    return store


def inspect(path: Path) -> dict[str, int]:
    command = [sys.executable, "-c", INSPECT, str(path), JOURNAL, STAGING]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    counts: dict[str, int] = json.loads(result.stdout)
    return counts


def stats(env: dict[str, str]) -> dict[str, Any]:
    result = run_nnvocab(env, "stats", "--json")
    assert result.returncode == 0, result.stderr
    body: dict[str, Any] = json.loads(result.stdout)
    return body


@pytest.fixture(scope="module")
def reference() -> Graph:
    """A fresh built-in graph (the session's store collects smoke runs from other tests)."""
    return fresh_builtin().to_rdflib()


@pytest.fixture(scope="module")
def disk_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An on-disk store holding the built-in graph, built by ``nnvocab build``."""
    env = nnvocab_env(NNV_STORE_PATH=str(tmp_path_factory.mktemp("store") / "db"))
    built = run_nnvocab(env, "build", "--no-vectors")
    assert built.returncode == 0, built.stderr
    return env


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_cli_export_reimports_isomorphically(fmt: RdfFormatName, disk_env: dict[str, str], reference: Graph) -> None:
    store = exported(disk_env, fmt)
    assert len(store) == len(reference)
    assert isomorphic(store.to_rdflib(), reference)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_http_export_reimports_isomorphically(fmt: RdfFormatName, server_url: str, vocab: Vocabulary) -> None:
    reference = vocab.store.to_rdflib()  # what the server holds now
    response = httpx.get(f"{server_url}/export", params={"format": fmt}, timeout=60)
    assert response.status_code == 200
    store = GraphStore()
    assert store.load(response.content, fmt) == len(reference)
    assert isomorphic(store.to_rdflib(), reference)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_cli_load_of_a_malformed_file_changes_nothing(case: str, disk_env: dict[str, str], reference: Graph, tmp_path: Path) -> None:
    write, line = MALFORMED[case]
    path = write(tmp_path)
    result = run_nnvocab(disk_env, "load", str(path))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert path.name in result.stderr
    if line is not None:
        assert f"{path}:{line}: " in result.stderr
    after = exported(disk_env, "nt")
    assert len(after) == len(reference)
    assert isomorphic(after.to_rdflib(), reference)


def _read_position(pid: int, path: Path) -> int | None:
    """How far process ``pid`` has read ``path`` (``None`` when it does not have it open)."""
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == str(path):
                info = Path(f"/proc/{pid}/fdinfo/{fd.name}").read_text(encoding="utf-8")
                return int(info.split("pos:", 1)[1].split()[0])
        except (OSError, IndexError):
            continue
    return None


def _kill_in_write_pass(process: subprocess.Popen[str], path: Path, fraction: float, linger: float) -> tuple[float, int]:
    """SIGKILL ``process`` once its second pass over ``path`` (the write after the check) has read ``fraction`` of it.

    Returns:
        Seconds from the start to the kill, and the read position then.

    """
    size, start, passes, last = path.stat().st_size, time.monotonic(), 1, 0
    while time.monotonic() - start < 600:  # bounded
        if process.poll() is not None:
            pytest.fail(f"the load ended (exit {process.returncode}) before the kill point")
        position = _read_position(process.pid, path)
        if position is not None:
            passes += position < last
            last = position
            if passes == 2 and position >= fraction * size:
                time.sleep(linger)
                if process.poll() is not None:
                    pytest.fail("the load ended before the kill point")
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                return time.monotonic() - start, position
        time.sleep(0.02)
    process.kill()
    pytest.fail("the load never reached the kill point")


def _start_load(env: dict[str, str], path: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "service", "load", str(path)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)


@pytest.mark.parametrize(
    ("case", "triples", "fraction", "linger"),
    [
        ("staged, mid-write, short", 120_000, 0.5, 0.0),  # the short version `make test` runs
        pytest.param("staged, mid-write", ATOMIC_LIMIT - 50_000, 0.5, 0.0, marks=pytest.mark.soak),
        pytest.param("staged, committing", ATOMIC_LIMIT - 50_000, 1.0, 3.0, marks=pytest.mark.soak),
        pytest.param("journaled, mid-write", ATOMIC_LIMIT + 50_000, 0.5, 0.0, marks=pytest.mark.soak),
    ],
)
def test_kill_9_mid_load_leaves_the_built_in_graph_intact(case: str, triples: int, fraction: float, linger: float, tmp_path: Path) -> None:
    db = tmp_path / "db"
    env = nnvocab_env(NNV_STORE_PATH=str(db))
    assert run_nnvocab(env, "build", "--no-vectors").returncode == 0
    before = inspect(db)
    big = tmp_path / "big.nt"
    with big.open("w", encoding="utf-8") as handle:
        handle.writelines(GOOD_NT.format(i=i) for i in range(triples))

    load = _start_load(env, big)
    elapsed, position = _kill_in_write_pass(load, big, fraction, linger)
    assert load.returncode == -signal.SIGKILL

    left = inspect(db)  # a new process opens what the killed one left behind
    assert left["default"] - left["bulk"] == before["default"] and left["concepts"] == before["concepts"], left
    if triples <= ATOMIC_LIMIT:  # all or nothing
        assert left["bulk"] in (0, triples) and left["interrupted"] == 0, left
    else:  # partly in, and the journal says which file to load again
        assert left["bulk"] in (0, triples) or left["interrupted"] == 1, left

    start = time.monotonic()
    reopened = stats(env)  # opening with GraphStore drops stale staging graphs
    reopen_seconds = time.monotonic() - start
    assert (reopened["triples"], reopened["concepts"]) == (left["default"], before["concepts"])
    cleaned = inspect(db)
    assert (cleaned["default"], cleaned["staging_graphs"], cleaned["interrupted"]) == (left["default"], 0, left["interrupted"])

    again = run_nnvocab(env, "load", str(big))
    assert again.returncode == 0, again.stderr
    final = inspect(db)
    assert (final["bulk"], final["default"], final["interrupted"], final["named_quads"]) == (triples, before["default"] + triples, 0, 0)
    print(
        f"kill -9 ({case}, {triples} triples): at {elapsed:.1f}s, read {position}/{big.stat().st_size} B; "
        f"left {left}; reopen+clean-up {reopen_seconds:.1f}s"
    )
