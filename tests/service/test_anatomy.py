"""``inspect``, ``advise`` and ``check-models`` from the CLI and GraphQL (networks built in the sandbox)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    monkeypatch.delenv("NNV_STORE", raising=False)


def _json(args: list[str]) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("{") :])


def test_inspect_llama_lists_rmsnorm_swiglu_rope_and_gqa_with_counts() -> None:
    found = {f["concept"]: f["count"] for f in _json(["inspect", "llama", "--arg", "num_key_value_heads=2", "--json"])["findings"]}
    assert found["rmsnorm"] > 0 and found["swiglu"] > 0 and found["rotary-position-embedding"] == 1 and found["grouped-query-attention"] > 0


@pytest.mark.parametrize(("term", "optimizer"), [("resnet", "sgd"), ("llama", "adamw")])
def test_advise_gives_an_optimizer_groups_without_decay_on_norms_and_evidence(term: str, optimizer: str) -> None:
    advice = _json(["advise", term, "--json"])
    best = advice["optimizers"][0]
    assert best["optimizer"] == optimizer and best["sources"] and best["notes"]
    groups = {g["name"]: g for g in advice["param_groups"]}
    assert groups["no_decay"]["weight_decay"] == 0.0 and groups["decay"]["weight_decay"] > 0
    assert any("norm" in name for name in groups["no_decay"]["examples"])


def test_check_models_writes_the_report(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check-models", "--model", "llama-2", "--model", "gpt-2", "--report", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["summary"]["models"] == 2 and report["summary"]["contradicted"] == 0
    assert (tmp_path / "model-claims.md").read_text(encoding="utf-8").startswith("# Model claims")


def test_graphql_inspect_and_advise(server_url: str) -> None:
    query = (
        '{ inspect(term: "gpt-2") { ok term findings { concept count share } } '
        'advise(term: "GPT-2") { ok optimizers { optimizer sources } extras { concept } paramGroups { name weightDecay } } }'
    )
    body = httpx.post(f"{server_url}/graphql", json={"query": query}, timeout=60).json()
    assert "errors" not in body, body
    found = {f["concept"] for f in body["data"]["inspect"]["findings"]}
    assert {"layer-normalization", "gelu", "causal-attention"} <= found
    advice = body["data"]["advise"]
    assert advice["ok"] and advice["optimizers"][0]["optimizer"] == "adamw"
    assert {"decay", "no_decay"} == {g["name"] for g in advice["paramGroups"]}
    unknown = httpx.post(f"{server_url}/graphql", json={"query": '{ inspect(term: "layernrom") { ok } }'}, timeout=30).json()
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
