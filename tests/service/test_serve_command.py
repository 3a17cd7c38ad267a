"""``nnvocab serve`` runs the search's embedding model in a child process unless told otherwise."""

from __future__ import annotations

import os

import pytest
import uvicorn
from typer.testing import CliRunner

from service.cli import app


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("0", "0"), ("true", "true")])
def test_serve_puts_the_embedding_model_in_a_child_unless_told(monkeypatch: pytest.MonkeyPatch, given: str | None, expected: str) -> None:
    seen: list[str | None] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.append(os.environ.get("NNV_EMBEDDING_PROCESS")))
    monkeypatch.setenv("NNV_EMBEDDING_PROCESS", "")  # so that monkeypatch restores the variable serve sets
    if given is None:
        monkeypatch.delenv("NNV_EMBEDDING_PROCESS")
    else:
        monkeypatch.setenv("NNV_EMBEDDING_PROCESS", given)
    result = CliRunner().invoke(app, ["serve", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen == [expected]
