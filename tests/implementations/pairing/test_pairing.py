"""verify_pairing: one trial of a claimed pair, its baseline, the ok rule; names resolve; the claims load without torch."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import pytest

from implementations.pairing import (
    DEFAULT_LEARNING_RATES,
    FAMILY_SPECS,
    OPTIMIZERS,
    claimed_pairs,
    list_tasks,
    resolve_family,
    verify_pairing,
)
from implementations.pairing.tasks import TASKS
from implementations.pairing.verify import IMPROVEMENT

_CACHE: dict[tuple[str, str], dict[str, Any]] = {}


def _claimed(family: str, optimizer: str) -> dict[str, Any]:
    if (family, optimizer) not in _CACHE:
        _CACHE[family, optimizer] = verify_pairing(family, optimizer)
    return _CACHE[family, optimizer]


def test_claims_and_tasks_cover_the_same_families() -> None:
    claims = claimed_pairs()
    assert list(claims) == list(TASKS) == list_tasks() == list(FAMILY_SPECS)
    assert claims["transformer"] == dict.fromkeys(["adamw", "lion", "sophia"], "warmup + cosine decay")
    assert list(claims["spiking-neural-network"]) == ["surrogate-gradient", "stdp"]
    assert set(DEFAULT_LEARNING_RATES) == {*OPTIMIZERS, "surrogate-gradient", "stdp"}


def test_the_claims_load_without_torch() -> None:
    code = (
        "import sys\nfrom implementations.pairing.verify import claimed_pairs, list_tasks\n"
        "list_tasks(); claimed_pairs()\nprint('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("family", "optimizer"), [("transformer", "adamw"), ("spiking-neural-network", "stdp")])
def test_claimed_pair_is_ok_with_its_validation_curve(family: str, optimizer: str) -> None:
    result = _claimed(family, optimizer)
    assert result["ok"] and result["error"] is None
    start, final = result["curve"][0][2], result["final_val_metric"]
    ideal = 1.0 if result["higher_is_better"] else 0.0
    assert abs(ideal - final) <= (1 - IMPROVEMENT) * abs(ideal - start)
    assert [row[0] for row in result["curve"]][-1] == result["steps"] == TASKS[family].steps
    assert result["losses"] == [row[1] for row in result["curve"]] and result["final_loss"] == result["losses"][-1]
    assert result["loss_ratio"] == pytest.approx(result["final_loss"] / result["initial_loss"])
    assert result["baseline_optimizer"] == "sgd" and result["baseline_loss_ratio"] is not None
    assert result["lr"] == DEFAULT_LEARNING_RATES[optimizer] and result["extras"] == list(FAMILY_SPECS[family].extras)
    json.dumps(result, allow_nan=False)


def test_metric_and_extras_are_reported() -> None:
    transformer = _claimed("transformer", "adamw")
    assert transformer["metric"] == "bits-per-char" and transformer["higher_is_better"] is False
    assert transformer["extras"] == ["decay-split", "warmup-cosine"]
    assert verify_pairing("transformer", "adamw", steps=3, extras=False)["extras"] == []


def test_diverging_learning_rate_is_reported_not_raised() -> None:
    result = verify_pairing("transformer", "sgd", lr=1e4, steps=30)
    assert not result["ok"] and result["error"].startswith("diverged")
    assert result["lr"] == 1e4 and result["curve"] and result["final_val_metric"] == math.inf


def test_slow_learning_rate_is_not_ok() -> None:
    result = verify_pairing("graph-neural-network", "adam", lr=1e-6)
    assert not result["ok"] and result["error"].startswith("too slow")
    assert all(math.isfinite(v) for v in result["losses"])


def test_names_resolve_and_unknown_names_raise() -> None:
    assert resolve_family("LSTM") == "recurrent-neural-network"
    assert resolve_family("GNN") == "graph-neural-network"
    assert resolve_family("conv2d") == "convolution"
    assert resolve_family("Dense") == "linear"
    assert resolve_family("SNN") == "spiking-neural-network"
    assert verify_pairing("MoE", "AdamW", steps=2)["optimizer"] == "adamw"
    with pytest.raises(ValueError, match="no pairing task"):
        resolve_family("softmax")
    with pytest.raises(ValueError, match="not an optimizer of linear"):
        verify_pairing("linear", "warmup-cosine-schedule")
    with pytest.raises(ValueError, match="not an optimizer of spiking-neural-network"):
        verify_pairing("snn", "adamw")
