"""The parent's side of the sandbox: a zygote process and a small pool of workers forked from it.

:class:`WorkerPool` starts the zygote, a fresh interpreter (see :mod:`implementations.sandbox.worker`), on first use —
or in the background with :meth:`WorkerPool.prewarm` — and keeps up to ``size`` workers. A worker
goes back to the pool only after a clean success; anything else retires it: SIGKILL at once, then
the zygote reaps it (reporting its wait status when a crash needs describing) and a fresh fork
takes its place, in the background. A dead zygote is replaced by a new generation; workers of an
old generation are killed instead of reused.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from implementations.registry.spec import ImplementationSpec
from implementations.sandbox.worker import SandboxLimits, receive_worker

START_SECONDS = 120.0  # importing torch and warming up on a busy machine
CONTROL_SECONDS = 10.0  # a fork or a reap of a killed process

_T = TypeVar("_T")


class SandboxStartError(RuntimeError):
    """The sandbox's zygote did not start or stopped answering."""


class SandboxBusyError(TimeoutError):
    """No worker became free in time."""


@dataclass
class Worker:
    """A forked worker as the parent sees it."""

    pid: int
    conn: Connection
    generation: int
    jobs: int = 0


ZYGOTE_CODE = "from implementations.sandbox.worker import zygote_entry; zygote_entry()"


def _zygote_environment() -> dict[str, str]:
    """The caller's environment with the folder holding this package first on ``PYTHONPATH``."""
    paths = [str(Path(__file__).resolve().parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill and reap ``process`` (also at interpreter exit, as for a daemon process)."""
    process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class _Zygote:
    """A zygote interpreter and its control connection (one request at a time)."""

    def __init__(self, limits: SandboxLimits, extra_specs: tuple[ImplementationSpec, ...], generation: int) -> None:
        self.generation = generation
        ours, theirs = socket.socketpair()
        self._conn = Connection(ours.detach())
        try:
            self._process = subprocess.Popen(  # a fresh interpreter: never the caller's __main__; -P: no working directory on sys.path
                [sys.executable, "-P", "-c", ZYGOTE_CODE, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                env=_zygote_environment(),
                start_new_session=True,  # a Ctrl-C at the terminal reaches the caller only; the zygote ends with its connection
            )
        except OSError as exc:
            self._conn.close()
            raise SandboxStartError(f"the sandbox zygote did not start ({exc})") from exc
        finally:
            theirs.close()
        self._finalizer = weakref.finalize(self, _kill, self._process)
        self._lock = threading.Lock()
        specs = tuple(replace(spec) for spec in extra_specs)  # fresh copies: no cached pydantic model to pickle
        try:
            self._conn.send_bytes(pickle.dumps((limits, specs)))
            ready = self._conn.poll(START_SECONDS) and self._conn.recv_bytes() == b"ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self.stop()
            raise SandboxStartError("the sandbox zygote did not start")

    @property
    def pid(self) -> int:
        """The zygote's process id."""
        return self._process.pid

    def alive(self) -> bool:
        """Whether the zygote process still runs."""
        return self._process.poll() is None

    def _request(self, request: dict[str, Any], answer: Callable[[Connection], _T]) -> _T:
        """Send ``request`` and read the answer; a lost, hung or confused zygote is killed (the next start replaces it).

        Raises:
            SandboxStartError: The zygote did not answer properly within ``CONTROL_SECONDS``.

        """
        with self._lock:
            try:
                self._conn.send_bytes(json.dumps(request).encode())
                if not self._conn.poll(CONTROL_SECONDS):
                    raise TimeoutError(f"no answer in {CONTROL_SECONDS:g} s")
                return answer(self._conn)
            except (OSError, EOFError, ValueError, KeyError) as exc:
                self.stop()
                raise SandboxStartError(f"the sandbox zygote stopped answering ({type(exc).__name__}: {exc})") from exc

    def fork(self) -> Worker:
        """A new worker."""
        pid, conn = self._request({"op": "fork"}, receive_worker)
        return Worker(pid, conn, self.generation)

    def reap(self, pid: int) -> int:
        """The wait status of a worker that has ended or been killed."""
        return self._request({"op": "reap", "pid": pid}, lambda conn: int(json.loads(conn.recv_bytes())["status"]))

    def stop(self) -> None:
        """Kill the zygote (its workers notice when the parent closes their connections)."""
        self._finalizer()
        self._conn.close()


class WorkerPool:
    """Up to ``size`` long-lived workers; ``acquire``/``release`` are thread-safe."""

    def __init__(self, limits: SandboxLimits, size: int, extra_specs: tuple[ImplementationSpec, ...] = ()) -> None:
        self.limits = limits
        self.size = size
        self._extra_specs = extra_specs
        self._start_lock = threading.Lock()
        self._cond = threading.Condition()
        self._zygote: _Zygote | None = None
        self._generation = 0
        self._idle: list[Worker] = []
        self._live = 0  # idle and busy workers of the current generation

    def start(self) -> None:
        """Spawn the zygote (torch is imported there, once) and fork the workers, unless running."""
        with self._start_lock:
            if self._zygote is not None and self._zygote.alive():
                return
            self._discard_generation()
            self._zygote = _Zygote(self.limits, self._extra_specs, self._generation)
            self._refill()

    def prewarm(self) -> threading.Thread:
        """Start the pool in a background thread (a failure surfaces at the first job instead)."""

        def start_quietly() -> None:
            with contextlib.suppress(SandboxStartError):
                self.start()

        thread = threading.Thread(target=start_quietly, daemon=True, name="nnvocab-sandbox-start")
        thread.start()
        return thread

    def idle_pids(self) -> list[int]:
        """Process ids of the idle workers."""
        with self._cond:
            return [worker.pid for worker in self._idle]

    def zygote_pid(self) -> int | None:
        """The zygote's process id, when it runs."""
        return self._zygote.pid if self._zygote is not None else None

    def acquire(self, timeout: float) -> Worker:
        """An idle worker, or a new fork while the pool is below its size.

        Raises:
            SandboxBusyError: Every worker stayed busy for ``timeout`` seconds.
            SandboxStartError: The zygote could not be started (a lost zygote is replaced once).

        """
        try:
            return self._acquire(timeout)
        except SandboxStartError:
            return self._acquire(timeout)

    def _acquire(self, timeout: float) -> Worker:
        self.start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._idle and self._live >= self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._cond.wait(remaining):
                    raise SandboxBusyError(f"every sandbox worker stayed busy for {timeout:g} s")
            if self._idle:
                return self._idle.pop()
            self._live += 1
            generation = self._generation
        try:
            return self._fork()
        except SandboxStartError:
            self._forget(generation, 1)
            raise

    def release(self, worker: Worker) -> None:
        """Give a worker that finished a job cleanly back to the pool (or retire it when it is used up)."""
        if worker.jobs >= self.limits.jobs_per_worker or worker.generation != self._generation:
            self.retire(worker)
            return
        with self._cond:
            self._idle.append(worker)
            self._cond.notify()

    def retire(self, worker: Worker, *, wait_status: bool = False) -> int | None:
        """Kill ``worker`` now; reap it and fork its replacement in the background.

        With ``wait_status`` the worker is reaped here and its wait status returned (None if unknown).
        """
        self._signal(worker)
        self._forget(worker.generation, 1)
        if not wait_status:
            self._in_background(lambda: self._reap(worker), self._refill)
            return None
        status = self._reap(worker)
        self._in_background(self._refill)
        return status

    def stop(self) -> None:
        """Kill the workers and the zygote."""
        with self._start_lock:
            self._discard_generation()

    def _fork(self) -> Worker:
        zygote = self._zygote
        if zygote is None:
            raise SandboxStartError("the sandbox was stopped")
        return zygote.fork()

    def _forget(self, generation: int, count: int) -> None:
        """``count`` workers of ``generation`` that were counted as live never came to be (or ended)."""
        with self._cond:
            if generation == self._generation:
                self._live -= count
            self._cond.notify_all()

    def _refill(self) -> None:
        with self._cond:
            missing = self.size - self._live
            self._live += missing
            generation = self._generation
        forked: list[Worker] = []
        try:
            for _ in range(missing):
                forked.append(self._fork())
        finally:
            self._forget(generation, missing - len(forked))
            with self._cond:
                current = generation == self._generation
                if current:
                    self._idle.extend(forked)
                self._cond.notify_all()
            for worker in [] if current else forked:  # the pool restarted meanwhile
                self._signal(worker)
                self._reap(worker)

    def _in_background(self, *steps: Callable[[], object]) -> None:
        """Run ``steps`` in a daemon thread; a lost zygote is left to the next ``start``."""

        def run() -> None:
            with contextlib.suppress(SandboxStartError):
                for step in steps:
                    step()

        threading.Thread(target=run, daemon=True, name="nnvocab-sandbox-refill").start()

    @staticmethod
    def _signal(worker: Worker) -> None:
        with contextlib.suppress(ProcessLookupError):  # not reaped yet, so the pid is still the worker's
            os.kill(worker.pid, signal.SIGKILL)
        worker.conn.close()

    def _reap(self, worker: Worker) -> int | None:
        zygote = self._zygote
        if zygote is None or worker.generation != zygote.generation:
            return None  # an orphan of a dead zygote: init reaps it
        try:
            return zygote.reap(worker.pid)
        except SandboxStartError:
            return None

    def _discard_generation(self) -> None:
        with self._cond:
            idle, self._idle, self._live = self._idle, [], 0
            self._generation += 1  # busy workers of the old generation are retired when they come back
        for worker in idle:
            self._signal(worker)
            self._reap(worker)
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None
