"""Fake trial functions for the sweep tests: deterministic results without torch, importable by workers."""

from __future__ import annotations

import math
import os
import time

from implementations.pairing.protocol import EvalPoint, TrialConfig, TrialResult

SLEEP_S = float(os.environ.get("NNV_FAKE_TRIAL_SLEEP", "0"))
BURN_CPU_S = 0.5


def score(config: TrialConfig) -> float:
    """The fake accuracy: best at lr 1e-2, a little seed noise, extras help a little."""
    return 0.9 - 0.1 * abs(math.log10(config.lr) + 2) + 0.001 * config.seed + 0.01 * len(config.extras)


def fake_result(config: TrialConfig, duration_s: float = 0.0) -> TrialResult:
    """A deterministic result of ``config`` (fails for learning rates above 10, like a diverged run)."""
    error = "diverged" if config.lr > 10 else None
    curve = (EvalPoint(0, 2.0, 0.1), EvalPoint(config.steps, 1.0 - score(config) / 2, score(config)))
    return TrialResult(config, "accuracy", True, curve, duration_s, error)


def fake_trial(config: TrialConfig) -> TrialResult:
    """:func:`fake_result` after sleeping ``NNV_FAKE_TRIAL_SLEEP`` seconds."""
    time.sleep(SLEEP_S)
    return fake_result(config, SLEEP_S)


def burn_trial(config: TrialConfig) -> TrialResult:
    """:func:`fake_result` after 0.5 s of this thread's CPU time: the same work on a fast or a slow machine.

    A fixed number of loop iterations took 0.18 s on one machine and 0.55 s on another, and on the fast
    one Ray's fixed cost per round weighed three times as much against the work.
    """
    start, cpu_start = time.perf_counter(), time.thread_time()
    total = 0
    while time.thread_time() - cpu_start < BURN_CPU_S:
        for i in range(10_000):
            total += i * i % 7
    assert total > 0
    return fake_result(config, time.perf_counter() - start)


def warm_trial(config: TrialConfig) -> TrialResult:
    """:func:`fake_result` after 1 s asleep: one per worker warms every worker up (imports included)."""
    time.sleep(1.0)
    return fake_result(config, 1.0)
