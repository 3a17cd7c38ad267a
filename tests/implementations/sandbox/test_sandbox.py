"""The sandbox pool: caps, reuse after a clean success, replacement after anything else, resets and restarts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from implementations import ImplementationError
from implementations.registry.spec import _REGISTRY
from implementations.sandbox.sandbox import (
    InputLimitError,
    Sandbox,
    SandboxLimits,
    check_json_args,
    default_sandbox,
    instantiate,
    smoke_test,
)
from implementations.sandbox.selftest import SELFTEST_SPEC

ROOT = Path(__file__).resolve().parents[3]
SELF = SELFTEST_SPEC.concept
WALL = 2.0
SLACK_SECONDS = 4.0  # kill, reap and re-fork on a loaded two-core machine


@pytest.fixture(scope="module")
def strict() -> Iterator[Sandbox]:
    """One worker, short limits, recycled every 4 jobs, with the misbehaving test-only registration."""
    limits = SandboxLimits(wall_seconds=WALL, cpu_seconds=1, memory_mb=512, jobs_per_worker=4)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(_REGISTRY, SELF, SELFTEST_SPEC)
        sandbox = Sandbox(limits, workers=1, queue_seconds=0.5, extra_specs=[SELFTEST_SPEC])
        sandbox.start()
        yield sandbox
        sandbox.stop()


def only_worker(sandbox: Sandbox) -> int:
    """The pid of the single idle worker, once a replacement (forked in the background) is in (at most 5 s)."""
    for _ in range(500):
        pids = sandbox.worker_pids()
        if pids:
            (pid,) = pids
            return pid
        time.sleep(0.01)
    pytest.fail("no idle worker")


def misbehave(sandbox: Sandbox, behaviour: str, stage: str = "forward") -> dict[str, Any]:
    run = sandbox.instantiate if stage == "init" else sandbox.smoke_test
    return run(SELF, {"behaviour": behaviour, "stage": stage})


def fresh_worker(sandbox: Sandbox) -> int:
    """Retire the current worker (a failed job) and return its replacement's pid."""
    assert misbehave(sandbox, "system-exit")["ok"] is False
    return only_worker(sandbox)


def wait_until_dead(pid: int) -> None:
    """Until ``pid`` is a zombie or gone (at most 2 s)."""
    for _ in range(200):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state == "Z":
            return
        time.sleep(0.01)
    pytest.fail(f"process {pid} did not die")


def test_the_default_sandbox_warms_up_in_the_background() -> None:
    start = time.perf_counter()
    sandbox = default_sandbox()
    assert time.perf_counter() - start < 1.0
    assert sandbox is default_sandbox()
    assert smoke_test("relu")["ok"] is True
    assert len(sandbox.worker_pids()) == 2  # no job failed: both workers are idle


def test_parameter_cap_is_checked_on_the_meta_device_within_a_second() -> None:
    smoke_test("Linear")  # warm the worker and the name index (built on the first lookup by name)
    start = time.perf_counter()
    result = smoke_test("Linear", {"in_features": 100_000_000, "out_features": 100_000})
    assert time.perf_counter() - start < 1.0
    assert result["ok"] is False and "parameters exceed" in result["error"]


def test_arguments_are_validated_before_anything_runs() -> None:
    with pytest.raises(ImplementationError, match="__class__"):
        smoke_test("linear", {"__class__": "os.system"})
    start = time.perf_counter()
    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(InputLimitError, match="deeper than 8 levels"):
        instantiate("conv2d", {"kernel_size": deep})
    assert time.perf_counter() - start < 1.0


def test_json_arguments_may_nest_eight_levels_and_hold_tuples() -> None:
    check_json_args({"kernel_size": (3, 3), "betas": [0.9, 0.99], "bias": True, "dim": None, "activation": "gelu", "big": 2**63 - 1})
    eight: dict[str, Any] = {"a": 1}
    nine = eight
    for _ in range(7):
        eight, nine = {"a": eight}, {"a": nine}
    nine = {"a": nine}
    check_json_args(eight)
    with pytest.raises(InputLimitError, match="deeper than 8"):
        check_json_args(nine)


def test_instantiate_describes_the_object() -> None:
    result = instantiate("linear", {"in_features": 10, "out_features": 3})
    assert result["ok"] and result["class_name"] == "Linear" and result["parameter_count"] == 33


def test_tuple_arguments_reach_the_worker_as_tuples() -> None:
    result = smoke_test("adam", {"betas": (0.8, 0.9)})
    assert result["ok"] is True, result["error"]


def test_a_worker_is_reused_after_success_and_replaced_after_failure(strict: Sandbox) -> None:
    first = fresh_worker(strict)
    assert misbehave(strict, "none")["ok"] is True
    assert only_worker(strict) == first
    crashed = misbehave(strict, "segfault")
    assert crashed["ok"] is False and "SIGSEGV" in crashed["error"]
    assert only_worker(strict) != first
    with pytest.raises(ProcessLookupError):  # killed and reaped: no zombie left behind
        os.kill(first, 0)


@pytest.mark.parametrize(
    ("behaviour", "stage", "reason"),
    [
        ("sleep", "forward", f"timed out after {WALL:g} s"),
        ("spin", "init", "CPU time limit|timed out"),
        ("os-exit", "forward", "exited with code 3"),
        ("allocate", "init", "out of memory"),
        ("keyboard-interrupt", "forward", "KeyboardInterrupt"),
    ],
)
def test_misbehaving_jobs_end_within_the_limits_and_the_next_job_runs(strict: Sandbox, behaviour: str, stage: str, reason: str) -> None:
    start = time.perf_counter()
    result = misbehave(strict, behaviour, stage)
    assert time.perf_counter() - start < WALL + SLACK_SECONDS
    assert result["ok"] is False
    assert any(part in result["error"] for part in reason.split("|")), result["error"]
    assert strict.instantiate("linear", {"in_features": 2, "out_features": 2})["parameter_count"] == 6


def test_a_stray_thread_retires_the_worker_even_after_success(strict: Sandbox) -> None:
    before = fresh_worker(strict)
    assert misbehave(strict, "stray-thread")["ok"] is True
    assert only_worker(strict) != before


def test_global_torch_state_is_reset_between_jobs_on_the_same_worker(strict: Sandbox) -> None:
    worker = fresh_worker(strict)
    polluted = misbehave(strict, "pollute", "init")
    assert polluted["ok"] is True and "default_dtype=torch.float64, grad_enabled=False, threads=2, seed=123" in polluted["repr"]
    clean = misbehave(strict, "none", "init")
    assert f"default_dtype=torch.float32, grad_enabled=True, threads=1, seed=0, pid={worker}" in clean["repr"]


def test_a_worker_is_recycled_after_jobs_per_worker_jobs(strict: Sandbox) -> None:
    worker = fresh_worker(strict)
    pids = []
    for _ in range(strict.limits.jobs_per_worker):
        assert strict.instantiate("relu")["ok"] is True
        pids.append(only_worker(strict))
    assert pids[:-1] == [worker] * (strict.limits.jobs_per_worker - 1)
    assert pids[-1] != worker


def test_a_job_waits_for_a_free_worker_only_queue_seconds(strict: Sandbox) -> None:
    results: list[dict[str, Any]] = []
    sleeper = threading.Thread(target=lambda: results.append(misbehave(strict, "sleep")))
    sleeper.start()
    for _ in range(200):  # until the only worker is busy (at most 2 s)
        if not strict.worker_pids():
            break
        time.sleep(0.01)
    start = time.perf_counter()
    busy = strict.instantiate("relu")
    assert 0.4 < time.perf_counter() - start < 2.0
    assert busy["ok"] is False and "busy" in busy["error"]
    sleeper.join(timeout=WALL + SLACK_SECONDS)
    assert results[0]["ok"] is False and "timed out" in results[0]["error"]


def test_a_worker_killed_while_idle_is_replaced_without_losing_the_job(strict: Sandbox) -> None:
    victim = only_worker(strict)
    os.kill(victim, signal.SIGKILL)
    wait_until_dead(victim)
    assert strict.instantiate("relu")["ok"] is True
    assert only_worker(strict) != victim


def test_a_killed_zygote_is_replaced(strict: Sandbox) -> None:
    zygote = strict.zygote_pid()
    assert zygote is not None
    os.kill(zygote, signal.SIGKILL)
    wait_until_dead(zygote)
    assert strict.instantiate("relu")["ok"] is True
    assert strict.zygote_pid() not in (None, zygote)


def test_refused_jobs_neither_import_torch_nor_start_the_sandbox() -> None:
    code = (
        "import sys\n"
        "from implementations.sandbox import sandbox as _sandbox\n"
        "for term, args in (('layernrom', None), ('linear', {'in_features': float('nan')})):\n"
        "    try:\n"
        "        _sandbox.smoke_test(term, args)\n"
        "    except (ValueError, LookupError) as exc:\n"
        "        print(type(exc).__name__)\n"
        "print('torch' in sys.modules, _sandbox._DEFAULT)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["UnknownImplementationError", "InputLimitError", "False", "None"]
