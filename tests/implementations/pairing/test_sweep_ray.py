"""Backends: a real local Ray runtime with 2 CPUs against the sequential backend, and the fallback when Ray cannot start."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from implementations.pairing.protocol import TrialConfig, TrialResult
from implementations.pairing.sweep import SweepPlan, run_sweep, run_trials, runner
from implementations.pairing.sweep.runner import ray_runtime
from tests.conftest import ROOT
from tests.implementations.pairing.sweep_fakes import burn_trial, fake_result, warm_trial

CPUS = 2
ROUNDS = 3
TRIALS = [TrialConfig("linear", "adam", 10 ** (-1 - i / 5), 0.0, 0, 10) for i in range(14)]


@pytest.fixture(scope="module")
def ray_cpus() -> Iterator[int]:
    """A local Ray runtime with 2 CPUs whose workers import this checkout; shut down at the end."""
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the workers import the fake trial functions from tests/
    runtime = ray_runtime(cpus=CPUS)
    started = runtime.__enter__()
    try:
        assert started
        yield CPUS
    finally:
        runtime.__exit__(None, None, None)
        monkeypatch.undo()


def _timed(backend: str, trials: list[TrialConfig]) -> tuple[float, list[TrialResult]]:
    got: list[TrialResult] = []
    start = time.perf_counter()
    run_trials(trials, burn_trial, got.append, backend=backend)  # type: ignore[arg-type]
    return time.perf_counter() - start, got


def _key(result: TrialResult) -> tuple[str, float]:
    return result.config.config_hash(), result.final_val_metric


def test_ray_with_two_cpus_is_at_least_1_7_times_faster_than_sequential(ray_cpus: int) -> None:
    run_trials([TRIALS[0]] * ray_cpus, warm_trial, lambda r: None, backend="ray")  # every worker up, imports done
    timings: dict[str, list[float]] = {"ray": [], "sequential": []}
    for _ in range(ROUNDS):  # alternated, best of each: a burst of other load hits both alike
        for backend in timings:
            seconds, got = _timed(backend, TRIALS)
            timings[backend].append(seconds)
            assert sorted(map(_key, got)) == sorted(map(_key, map(fake_result, TRIALS)))
        ray_s, sequential_s = min(timings["ray"]), min(timings["sequential"])
        if sequential_s / ray_s >= 1.7:
            break
    print(f"14 trials: sequential {sequential_s:.2f}s, ray {ray_s:.2f}s (2 CPUs): speed-up {sequential_s / ray_s:.2f}x")
    assert sequential_s / ray_s >= 1.7, timings


def test_a_sweep_on_ray_streams_each_result_and_uses_the_running_runtime(ray_cpus: int) -> None:
    plan = SweepPlan({"linear": ("adam",)}, {"linear": 10}, tune_budget=4, seeds=2)
    got: list[str] = []
    outcome = run_sweep(plan, [], lambda r, p: got.append(f"{p.value}:{r.config.seed}"), trial_fn=fake_result, backend="ray")
    assert outcome.backend == "ray" and outcome.run == plan.total() == 4 + 1 + 2
    assert sorted(got) == sorted(["tune:0"] * 4 + ["seed:1"] + ["ablation:0", "ablation:1"])
    import ray

    assert ray.is_initialized()  # not ours to shut down


def test_when_ray_cannot_start_the_sweep_falls_back_to_a_process_pool(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(address: str | None, cpus: int | None) -> None:
        raise runner.RayStartError("ConnectionError: no cluster at 127.0.0.1:1")

    monkeypatch.setattr(runner, "ray_runtime", broken)
    plan = SweepPlan({"linear": ("adam", "lion")}, {"linear": 10}, tune_budget=3, seeds=2)
    got: list[TrialResult] = []
    outcome = run_sweep(plan, [], lambda r, p: got.append(r), trial_fn=fake_result, backend="ray", cpus=2)
    assert outcome.backend == "process" and outcome.run == plan.total() == 3 + 3 + 1 + 1 + 2
    assert "Ray could not start (ConnectionError: no cluster at 127.0.0.1:1); running on a local process pool" in capsys.readouterr().err
    sequential: list[TrialResult] = []
    run_sweep(plan, [], lambda r, p: sequential.append(r), trial_fn=fake_result, backend="sequential")
    assert sorted(map(_key, got)) == sorted(map(_key, sequential))
