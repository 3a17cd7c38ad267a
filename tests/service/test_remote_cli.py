"""The CLI on a remote store (``NNV_STORE=http://…``): build, stats, streamed load, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ontology.remote_store import RemoteStore
from service import context
from service.cli import app
from tests.conftest import free_port, fresh_builtin

runner = CliRunner()


@pytest.fixture
def remote(oxigraph_url: str, monkeypatch: pytest.MonkeyPatch) -> RemoteStore:
    monkeypatch.setenv("NNV_STORE", oxigraph_url)
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    store = RemoteStore(oxigraph_url)
    store.update("CLEAR ALL")
    return store


def test_build_stats_and_load_on_a_remote_store(remote: RemoteStore, tmp_path: Path) -> None:
    built = runner.invoke(app, ["build", "--no-vectors"])
    assert built.exit_code == 0 and remote.url in built.output, built.output
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    fresh = fresh_builtin()
    assert stats["triples"] == len(fresh) == len(remote)
    extra = tmp_path / "extra.nt"
    extra.write_text("".join(f'<http://example.org/x{i}> <http://example.org/p> "{i}" .\n' for i in range(1000)))
    loaded = runner.invoke(app, ["load", str(extra)])
    assert loaded.exit_code == 0 and "1000 new triples" in loaded.output, loaded.output
    broken = tmp_path / "broken.nt"
    broken.write_text(extra.read_text() + "<oops> .\n")
    refused = runner.invoke(app, ["load", str(broken)])
    assert refused.exit_code == 1 and "line 1001" in refused.output and "Traceback" not in refused.output
    assert len(remote) == len(fresh) + 1000
    remote.update("CLEAR ALL")


def test_unreachable_store_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNV_STORE", f"http://127.0.0.1:{free_port()}")
    context._OPEN_STORES.clear()
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 2 and "cannot open the store" in result.output and "Traceback" not in result.output


def test_several_workers_need_a_shared_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNV_STORE", str(tmp_path / "db"))
    result = runner.invoke(app, ["serve", "--workers", "2"])
    assert result.exit_code == 1 and "NNV_STORE=http" in result.output


def test_an_interrupted_load_is_reported(remote: RemoteStore) -> None:
    from ontology.store import JOURNAL

    runner.invoke(app, ["build", "--no-vectors"])
    remote.update(f'INSERT DATA {{ GRAPH <{JOURNAL}> {{ <{JOURNAL}job1> <{JOURNAL}loading> "huge.nt" }} }}')
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 0 and "load of huge.nt was interrupted" in result.output
    remote.update("CLEAR ALL")
