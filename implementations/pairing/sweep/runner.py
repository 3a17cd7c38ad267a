"""Run trials on Ray (default), a local process pool (fallback) or in this process, streaming results.

Each trial is one task with one CPU; results come back as they finish and go to ``on_result`` one by
one, so a sweep killed midway keeps everything its callback already stored. Neither Ray nor torch is
imported here until a sweep runs.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, Literal

from implementations.pairing.protocol import TrialConfig, TrialResult

Backend = Literal["ray", "process", "sequential"]
BACKENDS: tuple[Backend, ...] = ("ray", "process", "sequential")
TrialFn = Callable[[TrialConfig], TrialResult]
ResultHook = Callable[[TrialResult], None]
OBJECT_STORE_BYTES = 200 * 1024 * 1024


class RayStartError(RuntimeError):
    """Ray is not installed or its runtime did not start."""


def load_trial_function() -> TrialFn:
    """The protocol's trial function, ``implementations.pairing.trial.run_trial`` (imports no torch yet)."""
    from implementations.pairing.trial import run_trial

    return run_trial


def single_threaded(trial_fn: TrialFn, config: TrialConfig) -> TrialResult:
    """Run ``trial_fn`` on one intra-op thread: a worker owns one CPU."""
    try:
        import torch
    except ImportError:  # a trial function without torch
        pass
    else:
        torch.set_num_threads(1)
    return trial_fn(config)


def _limit_threads() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"


def cpu_count(cpus: int | None) -> int:
    """``cpus``, else the machine's CPU count."""
    return cpus or os.cpu_count() or 1


@contextmanager
def ray_runtime(address: str | None = None, cpus: int | None = None) -> Iterator[bool]:
    """Ray connected to ``address`` (or ``RAY_ADDRESS``), else a local runtime; yields whether we started it.

    A runtime that is already up is used as it is and left running. A local runtime has no dashboard,
    a 200 MB object store and usage stats off; its processes talk only to each other (Ray ≥ 2.x maps
    127.0.0.1 to the machine's address and protects its ports with a token).

    Raises:
        RayStartError: Ray is missing or does not start.

    """
    try:
        import ray
    except ImportError as exc:
        raise RayStartError("ray is not installed") from exc
    started = not ray.is_initialized()
    if started:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        os.environ.setdefault("RAY_worker_niceness", "0")  # Ray nices workers to 15; the sweep is the machine's main work
        address = address or os.environ.get("RAY_ADDRESS")
        options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
        if not address:
            options |= {"num_cpus": cpu_count(cpus), "object_store_memory": OBJECT_STORE_BYTES}
        try:
            ray.init(address=address, **options)
        except Exception as exc:  # any failure to start means: fall back
            raise RayStartError(f"{type(exc).__name__}: {exc}") from exc
    try:
        yield started
    finally:
        if started:
            ray.shutdown()


@functools.cache
def _ray_task() -> Any:
    """:func:`single_threaded` as a Ray task with 1 CPU, made once: each new one is exported to the cluster again."""
    import ray

    return ray.remote(num_cpus=1)(single_threaded)


def _run_ray(configs: Sequence[TrialConfig], trial_fn: TrialFn, on_result: ResultHook) -> None:
    import ray

    task = _ray_task()
    pending = [task.remote(trial_fn, config) for config in configs]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        on_result(ray.get(done[0]))


def _run_pool(pool: ProcessPoolExecutor, configs: Sequence[TrialConfig], trial_fn: TrialFn, on_result: ResultHook) -> None:
    futures = [pool.submit(single_threaded, trial_fn, config) for config in configs]
    try:
        for future in as_completed(futures):
            on_result(future.result())
    except BaseException:
        for future in futures:
            future.cancel()
        raise


@dataclass(frozen=True)
class TrialRunner:
    """Runs trials on the backend :func:`open_backend` opened (a Ray runtime, a process pool, or none)."""

    backend: Backend
    pool: ProcessPoolExecutor | None = None

    def run(self, configs: Sequence[TrialConfig], trial_fn: TrialFn, on_result: ResultHook) -> None:
        """Run every config, calling ``on_result`` in this process as each one finishes."""
        if self.backend == "ray":
            _run_ray(configs, trial_fn, on_result)
        elif self.pool is not None:
            _run_pool(self.pool, configs, trial_fn, on_result)
        else:
            for config in configs:
                on_result(trial_fn(config))


@contextmanager
def open_backend(backend: Backend, *, address: str | None = None, cpus: int | None = None) -> Iterator[TrialRunner]:
    """A runner on ``backend`` for the duration of the block; ``ray`` falls back to ``process``, saying so on stderr.

    The Ray runtime (unless one was already up) or the process pool (``spawn``, one worker per CPU)
    lives as long as the block.
    """
    with ExitStack() as stack:
        if backend == "ray":
            try:
                stack.enter_context(ray_runtime(address, cpus))
            except RayStartError as exc:
                print(f"warning: Ray could not start ({exc}); running on a local process pool instead", file=sys.stderr)
                backend = "process"
        pool = None
        if backend == "process":
            pool = stack.enter_context(
                ProcessPoolExecutor(max_workers=cpu_count(cpus), mp_context=get_context("spawn"), initializer=_limit_threads)
            )
        yield TrialRunner(backend, pool)


def run_trials(
    configs: Sequence[TrialConfig],
    trial_fn: TrialFn,
    on_result: ResultHook,
    *,
    backend: Backend,
    cpus: int | None = None,
    address: str | None = None,
) -> None:
    """Run every config on ``backend`` (:func:`open_backend`), calling ``on_result`` in this process as each one finishes."""
    with open_backend(backend, address=address, cpus=cpus) as runner:
        runner.run(configs, trial_fn, on_result)
