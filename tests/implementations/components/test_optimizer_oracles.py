"""Optimizer oracles (lockstep with pytorch-optimizer) on demand, Muon's 2-D problem, the Noam schedule."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest
import torch

from implementations import create, smoke_test
from implementations.components.training.layerwise_optimizers import NovoGrad
from implementations.components.training.optimizer_checks import lion_oracle, lockstep, matrix_regression, novograd_oracle
from implementations.components.training.optimizers import Lion
from implementations.components.training.schedulers import NoamSchedule, noam_oracle
from implementations.registry.smoke import SmokeResult, run_smoke_test

REFERENCE_OPTIMIZERS = ["lion", "sophia", "lamb", "lars", "adan", "novograd"]
NOT_INSTALLED = "oracle unavailable: pytorch-optimizer not installed"

pytestmark = pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _oracles(result: SmokeResult | dict[str, Any]) -> dict[str, tuple[bool, str]]:
    """``{check name: (ok, detail)}`` of the oracle checks of an in-process or a sandboxed result."""
    checks = asdict(result)["checks"] if isinstance(result, SmokeResult) else result["checks"]
    return {c["name"]: (c["ok"], c["detail"]) for c in checks if c["name"].startswith("oracle")}


@pytest.mark.parametrize("slug", REFERENCE_OPTIMIZERS)
def test_smoke_runs_the_optimizer_oracle_in_lockstep(slug: str) -> None:
    result = run_smoke_test(slug)
    oracles = _oracles(result)
    assert result.ok and len(oracles) >= 2, (result.error, oracles)
    compared = {name: detail for name, (ok, detail) in oracles.items() if "lockstep" in detail}
    assert compared, oracles
    for detail in compared.values():
        diff = float(detail.split("max |diff| = ")[1].split(" ")[0])
        moved = float(detail.rsplit("moved ", 1)[1])
        assert diff <= 1e-10 and moved > 1e-3, detail


def test_arguments_without_a_pytorch_optimizer_counterpart_are_said_so() -> None:
    lamb, lars = _oracles(run_smoke_test("lamb")), _oracles(run_smoke_test("lars"))
    assert lamb["oracle"] == (True, "oracle unavailable: bias_correction='moments' has no pytorch-optimizer counterpart")
    assert lamb["oracle[bias_correction=step, decoupled_weight_decay=True]"][1].startswith("12 steps in lockstep")
    assert lars["oracle"][1].startswith("oracle unavailable: exclude_vectors=False")
    sophia = _oracles(run_smoke_test("sophia", {"seed": 3}))
    assert sophia["oracle"][1].startswith("oracle unavailable: a seed draws the probes")


def test_without_pytorch_optimizer_the_smoke_test_passes_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pytorch_optimizer", None)  # `import pytorch_optimizer` now raises ImportError
    result = run_smoke_test("adan")
    oracles = _oracles(result)
    assert result.ok and oracles and all(detail == NOT_INSTALLED for _, detail in oracles.values()), oracles


def test_lockstep_rejects_an_optimizer_that_differs_from_the_reference() -> None:
    args: dict[str, Any] = {"lr": 0.01, "betas": (0.9, 0.99), "weight_decay": 0.0}
    same, moved = lockstep(lambda p: Lion(p, **args), lion_oracle(args))
    assert same == 0.0 and moved > 1e-3
    other_beta, _ = lockstep(lambda p: Lion(p, lr=0.01, betas=(0.9, 0.9)), lion_oracle(args))
    assert other_beta > 1e-3
    novograd = {"lr": 0.01, "betas": (0.95, 0.98), "eps": 1e-8, "weight_decay": 0.0, "grad_averaging": True}
    averaging_dropped, _ = lockstep(lambda p: NovoGrad(p, lr=0.01), novograd_oracle(novograd))
    assert averaging_dropped > 1e-3


def test_the_sandboxed_smoke_test_runs_the_optimizer_oracle() -> None:
    result = smoke_test("novograd")
    oracles = _oracles(result)
    assert result["ok"] is True and oracles["oracle"][0] and oracles["oracle"][1].startswith("12 steps in lockstep"), result
    assert oracles["oracle[weight_decay=0.01, grad_averaging=True]"][0]


# --- Muon (torch.optim.Muon, 2-D parameters only) --------------------------------------------------


def test_muon_is_smoke_tested_on_a_problem_with_only_matrices() -> None:
    model, x, y = matrix_regression({})
    assert all(p.ndim == 2 for p in model.parameters()) and model(x).shape == y.shape
    with pytest.raises(ValueError, match="2D parameters"):
        create("muon", params=torch.nn.Linear(8, 1).parameters())  # a bias is refused
    result = run_smoke_test("muon")
    checks = {c.name: c for c in result.checks}
    assert result.ok and checks["loss_decreases"].ok and checks["state_dict"].ok, result
    optimizer = create("Muon", params=model.parameters())
    assert isinstance(optimizer, torch.optim.Muon) and optimizer.defaults["momentum"] == 0.95


# --- Noam schedule ---------------------------------------------------------------------------------


def _lrs(scheduler: torch.optim.lr_scheduler.LRScheduler, steps: int) -> list[float]:
    optimizer = scheduler.optimizer
    out = [optimizer.param_groups[0]["lr"]]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        out.append(optimizer.param_groups[0]["lr"])
    return out


def _sgd(lr: float = 1.0) -> torch.optim.SGD:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def test_noam_schedule_by_hand() -> None:
    lrs = _lrs(NoamSchedule(_sgd(), d_model=16, warmup_steps=4), 10)
    # s = 1: 16^-½ · 1 · 4^-1.5 = ¼ · ⅛;  s = 4 (the peak): ¼ · ½;  s = 9: ¼ · ⅓
    assert lrs[0] == pytest.approx(1 / 32) and lrs[3] == pytest.approx(1 / 8) and lrs[8] == pytest.approx(1 / 12)
    assert max(lrs) == lrs[3] and lrs[3:] == sorted(lrs[3:], reverse=True)


def test_noam_schedule_matches_its_closed_form_and_lambda_lr() -> None:
    args = {"d_model": 512, "warmup_steps": 10}
    got = _lrs(NoamSchedule(_sgd(2.0), **args), 40)
    assert got == pytest.approx(noam_oracle(NoamSchedule(_sgd(2.0), **args), got, args), rel=1e-12)
    rate = lambda t: 512**-0.5 * min((t + 1) ** -0.5, (t + 1) * 10**-1.5)  # noqa: E731
    assert got == pytest.approx(_lrs(torch.optim.lr_scheduler.LambdaLR(_sgd(2.0), rate), 40), rel=1e-12)
    assert got[9] == pytest.approx(2.0 / math.sqrt(512 * 10))


def test_noam_schedule_refuses_a_zero_warmup() -> None:
    with pytest.raises(ValueError, match="warmup_steps"):
        NoamSchedule(_sgd(), warmup_steps=0)
