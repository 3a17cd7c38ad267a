"""``nnvocab verify-pairings``: budgeted runs, resume from the store and the runs file, after a kill too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import loaders.builtin
import service.cli.sweep
from implementations.pairing.families import FAMILY_SPECS
from implementations.pairing.sweep import SweepPlan
from implementations.pairing.trial import default_steps
from service.cli.commands import app
from tests.conftest import ROOT
from tests.implementations.pairing.sweep_fakes import fake_trial

# Killed midway and rerun: linear × adam, 4 tuning points, 2 seeds → 4 + 1 + 2 ablation runs.
RESUMED = ["--layer", "linear", "--optimizer", "adam", "--tune-budget", "4", "--seeds", "2", "--backend", "sequential", "--quiet"]
REPORT = {
    "markdown": "pairing-report.md",
    "profiles": "pairing-profiles.png",
    "heatmap": "pairing-heatmap.png",
    "summary": "pairing-summary.json",
}
CHILD = """
import sys
from pathlib import Path
import loaders.builtin
import service.cli.sweep
loaders.builtin.PAIRING_TRIALS_NT = Path("absent-pairing-trials.nt")  # a graph without the committed protocol run
from tests.implementations.pairing.sweep_fakes import fake_trial
service.cli.sweep.load_trial_function = lambda: fake_trial
from service.cli.commands import app
app(sys.argv[1:])
"""


@pytest.fixture
def fake_trials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake trials on a graph without the committed protocol run (its configurations would all count as stored)."""
    monkeypatch.setattr(service.cli.sweep, "load_trial_function", lambda: fake_trial)
    monkeypatch.setattr(loaders.builtin, "PAIRING_TRIALS_NT", tmp_path / "absent-pairing-trials.nt")
    monkeypatch.delenv("NNV_STORE", raising=False)
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)


def _hashes(runs: Path) -> list[str]:
    lines = runs.read_bytes().split(b"\n") if runs.exists() else []
    return [line.split(b"/pairing-trial/")[1][:16].decode() for line in lines if b"#metrics>" in line]


def _sweep(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["verify-pairings", *args, "--json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


@pytest.mark.usefixtures("fake_trials")
def test_a_budget_of_three_stores_three_and_a_rerun_skips_them(tmp_path: Path) -> None:
    runs = tmp_path / "runs.nt"
    first = _sweep("--all", "--backend", "sequential", "--budget", "3", "--runs-file", str(runs))
    total = SweepPlan({f: s.candidates for f, s in FAMILY_SPECS.items()}, {}, tune_budget=8, seeds=5).total()
    assert {k: first[k] for k in ("backend", "run", "skipped", "failed", "left")} == {
        "backend": "sequential",
        "run": 3,
        "skipped": 0,
        "failed": 0,
        "left": total - 3,
    }
    assert len(set(_hashes(runs))) == 3
    second = _sweep("--all", "--backend", "sequential", "--budget", "3", "--runs-file", str(runs))
    assert (second["run"], second["skipped"], second["left"]) == (3, 3, total - 6)
    hashes = _hashes(runs)
    assert len(hashes) == len(set(hashes)) == 6


@pytest.mark.usefixtures("fake_trials")
def test_unknown_names_fail_with_one_line_and_suggestions(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify-pairings", "--layer", "transfomer", "--runs-file", str(tmp_path / "r.nt")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "transfomer" in result.stderr and "Transformer" in result.stderr
    result = CliRunner().invoke(app, ["verify-pairings", "--optimizer", "dropout", "--runs-file", str(tmp_path / "r.nt")])
    assert result.exit_code == 1 and "not a candidate of the protocol" in result.stderr
    result = CliRunner().invoke(app, ["verify-pairings", "--layer", "batch normalization", "--runs-file", str(tmp_path / "r.nt")])
    assert result.exit_code == 1 and "no task family" in result.stderr
    assert not (tmp_path / "r.nt").exists()


@pytest.mark.usefixtures("fake_trials")
def test_resume_after_a_kill_skips_what_was_stored_and_completes_the_plan(tmp_path: Path) -> None:
    runs = tmp_path / "runs.nt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NNV_FAKE_TRIAL_SLEEP": "0.2"}
    env.pop("NNV_STORE", None)
    child = subprocess.Popen([sys.executable, "-c", CHILD, "verify-pairings", *RESUMED, "--runs-file", str(runs)], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(_hashes(runs)) < 3 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
    durable = _hashes(runs)
    assert 3 <= len(durable) < 7, "the sweep should have been killed midway"
    summary = _sweep(*RESUMED, "--runs-file", str(runs), "--report", str(tmp_path / "report"))
    assert (summary["skipped"], summary["run"], summary["left"]) == (len(durable), 7 - len(durable), 0)
    assert summary["report"] == {kind: str(tmp_path / "report" / name) for kind, name in REPORT.items()}
    assert "adam" in (tmp_path / "report" / "pairing-report.md").read_text()
    hashes = _hashes(runs)
    assert len(hashes) == len(set(hashes)) == 7
    plan = SweepPlan({"linear": ("adam",)}, {"linear": default_steps("linear")}, tune_budget=4, seeds=2)
    assert {c.config_hash() for c in plan.tuning(("linear", "adam"))} <= set(hashes)
