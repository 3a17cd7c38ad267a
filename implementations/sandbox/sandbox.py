"""Run smoke tests, instantiations and pairing checks in a sandbox: a small pool of long-lived workers.

Design:
    * A *zygote* process, a fresh interpreter started once (it never re-runs the caller's ``__main__``),
      imports torch and the registry and warms lazy initialisation up; it forks the workers
      (:mod:`implementations.sandbox.worker`). The pool starts on first use,
      or in the background with :meth:`Sandbox.prewarm` (:func:`default_sandbox` does that).
    * A worker runs many jobs one after another under ``RLIMIT_AS`` (``memory_mb`` above its size),
      ``RLIMIT_CPU`` (``cpu_seconds`` granted afresh before each job, under a lifetime hard cap) and
      no core files. Before each job it resets torch's process-wide state: default dtype, grad mode,
      anomaly detection, deterministic algorithms, thread count, random seeds, warning filters.
    * The parent enforces the wall-clock limit: a worker that has not answered after ``wall_seconds``
      is killed. A module or loss whose arguments change a registered default is first built on the
      meta device and refused above ``max_parameters``, before anything is allocated.
    * A worker is reused only after a clean success (``ok`` true, no stray Python thread). A timeout,
      crash, segfault, ``os._exit``, ``MemoryError``, an oversize reply or any ``ok=false`` retires it
      (SIGKILL) and a fresh fork from the zygote takes its place; after ``jobs_per_worker`` jobs it is
      recycled anyway. A lost zygote is replaced.
    * The caller's process checks a job first: a bounded term name, plain JSON arguments of bounded
      depth and size (:mod:`implementations.sandbox.args`, without recursion), then the
      registration's typed argument model.

Trade-off: successive *successful* jobs share a process, so state a registered implementation leaves
behind beyond what is reset (a module-level cache, say) can reach the next job, for at most
``jobs_per_worker`` jobs. Users cannot run code of their own — only registered targets with validated
JSON arguments — so this is accepted in exchange for an IPC round trip per job instead of a fork
(``benchmarks/sandbox_overhead.py``: about 1.2-1.5x in-process, against 5-8x with a fork per job);
a job that fails in any way never shares its process with a later job.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import threading
import time
from collections.abc import Iterable
from typing import Any

from implementations.registry.factory import get_implementation
from implementations.registry.spec import ImplementationSpec
from implementations.sandbox.args import InputLimitError, check_json_args, check_term
from implementations.sandbox.pool import SandboxBusyError, SandboxStartError, Worker, WorkerPool
from implementations.sandbox.worker import SandboxLimits

__all__ = [
    "InputLimitError",
    "Sandbox",
    "SandboxLimits",
    "SandboxStartError",
    "anatomy_in_sandbox",
    "check_json_args",
    "check_term",
    "checked_spec",
    "default_sandbox",
    "instantiate",
    "smoke_test",
    "verify_in_sandbox",
]

MAX_REPLY_BYTES = 1_000_000


def _parse_reply(raw: bytes) -> tuple[dict[str, Any], int]:
    """A worker's reply: the job's result and the worker's thread count (``ValueError`` if malformed)."""
    reply = json.loads(raw)
    if not isinstance(reply, dict) or not isinstance(reply.get("result"), dict) or not isinstance(reply.get("threads"), int):
        raise ValueError("malformed reply")
    return reply["result"], reply["threads"]


def _describe_exit(status: int | None, error: BaseException) -> str:
    if status is None:
        return f"the sandbox worker was lost ({type(error).__name__})"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        reasons = {int(signal.SIGXCPU): "CPU time limit", int(signal.SIGKILL): "killed", int(signal.SIGSEGV): "segmentation fault"}
        reason = reasons.get(sig, "")
        return f"sandbox process died: signal {signal.Signals(sig).name}{f' ({reason})' if reason else ''}"
    return f"sandbox process exited with code {os.WEXITSTATUS(status)} without a result"


class Sandbox:
    """Jobs in a pool of sandboxed workers; every method is thread-safe.

    Args:
        limits: Limits of every job.
        workers: How many workers run jobs side by side.
        queue_seconds: How long a job waits for a free worker before it is answered ``ok=false``.
        extra_specs: Registrations added to the project's inside the sandbox (for its own tests).

    """

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        workers: int = 2,
        queue_seconds: float = 60.0,
        extra_specs: Iterable[ImplementationSpec] = (),
    ) -> None:
        self.limits = limits or SandboxLimits()
        self.queue_seconds = queue_seconds
        self._pool = WorkerPool(self.limits, workers, tuple(extra_specs))

    def start(self) -> None:
        """Start the zygote and the workers now (blocking) unless they run.

        Raises:
            SandboxStartError: The zygote did not start.

        """
        self._pool.start()

    def prewarm(self) -> threading.Thread:
        """Start the zygote and the workers in a background thread (returned, for joining)."""
        return self._pool.prewarm()

    def stop(self) -> None:
        """Kill the workers and the zygote (the next job starts them again)."""
        self._pool.stop()

    def worker_pids(self) -> list[int]:
        """Process ids of the idle workers."""
        return self._pool.idle_pids()

    def zygote_pid(self) -> int | None:
        """Process id of the zygote, when it runs."""
        return self._pool.zygote_pid()

    def run(self, op: str, term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``op`` (``smoke``, ``instantiate``, ``anatomy``, ``anatomy-meta``, ``verify``) for ``term``; a job's failure is a result.

        ``args`` must have passed :func:`check_json_args`, as in :meth:`smoke_test` and :meth:`instantiate`.
        """
        job = pickle.dumps({"op": op, "term": term, "args": args or {}})
        for _ in range(2):  # a worker that died while idle is replaced once
            try:
                worker = self._pool.acquire(self.queue_seconds)
            except SandboxBusyError as exc:
                return {"ok": False, "error": f"{exc}; try again later"}
            try:
                worker.conn.send_bytes(job)
            except OSError:
                self._pool.retire(worker)
                continue
            return self._answer(worker)
        return {"ok": False, "error": "the sandbox workers died before the job could start"}

    def _answer(self, worker: Worker) -> dict[str, Any]:
        """Wait for the worker's result within the wall-clock limit; reuse the worker only after a clean success."""
        try:
            if not worker.conn.poll(self.limits.wall_seconds):
                self._pool.retire(worker)
                return {"ok": False, "error": f"timed out after {self.limits.wall_seconds:g} s (wall-clock limit)"}
            result, threads = _parse_reply(worker.conn.recv_bytes(MAX_REPLY_BYTES))
        except (EOFError, ConnectionError) as exc:
            return {"ok": False, "error": _describe_exit(self._pool.retire(worker, wait_status=True), exc)}
        except (OSError, ValueError) as exc:  # longer than MAX_REPLY_BYTES, or not a reply
            self._pool.retire(worker)
            return {"ok": False, "error": f"the sandbox reply was refused: {exc}"}
        worker.jobs += 1
        if result.get("ok") is True and threads == 1:
            self._pool.release(worker)
        else:
            self._pool.retire(worker)
        return result

    def smoke_test(self, term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """See :func:`smoke_test`."""
        return self._smoke(checked_spec(term, args), args)

    def instantiate(self, term: str, args: dict[str, Any] | None = None, *, meta: bool = False) -> dict[str, Any]:
        """See :func:`instantiate`."""
        return self._instantiate(checked_spec(term, args), args, meta=meta)

    def _smoke(self, spec: ImplementationSpec, args: dict[str, Any] | None) -> dict[str, Any]:
        start = time.perf_counter()
        result = self.run("smoke", spec.concept, args)
        result.setdefault("term", spec.concept)
        result.setdefault("checks", [])
        result.setdefault("duration_ms", (time.perf_counter() - start) * 1000)
        return result

    def _instantiate(self, spec: ImplementationSpec, args: dict[str, Any] | None, *, meta: bool = False) -> dict[str, Any]:
        result = self.run("meta" if meta else "instantiate", spec.concept, args)
        result.setdefault("term", spec.concept)
        result.setdefault("target", spec.target)
        return result


def checked_spec(term: str, args: dict[str, Any] | None) -> ImplementationSpec:
    """The registration of ``term`` once the term and ``args`` passed every check (in this process).

    Raises:
        InputLimitError: The term or the arguments are beyond the input limits.
        UnknownImplementationError: Unknown term.
        ImplementationError: Arguments the registration does not accept.

    """
    check_term(term)
    spec = get_implementation(term)
    check_json_args(args)
    spec.validate_args(args)
    return spec


_DEFAULT: Sandbox | None = None
_DEFAULT_LOCK = threading.Lock()


def default_sandbox() -> Sandbox:
    """The process-wide sandbox; created on first use, when its pool starts warming up in the background."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Sandbox()
            _DEFAULT.prewarm()
        return _DEFAULT


def smoke_test(term: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    """Smoke-test ``term`` in the sandbox; a dict like :class:`~implementations.registry.smoke.SmokeResult`.

    Raises:
        UnknownImplementationError: Unknown term.
        ImplementationError: Arguments not accepted (checked before the sandbox runs); an
            :class:`InputLimitError` for a term or arguments beyond the input limits.
        SandboxStartError: The sandbox could not be started.

    """
    spec = checked_spec(term, args)  # before the default sandbox is created (and starts warming up)
    return default_sandbox()._smoke(spec, args)


def verify_in_sandbox(layer: str, optimizer: str, **options: Any) -> dict[str, Any]:
    """Run :func:`implementations.pairing.verify.verify_pairing` in the sandbox (layer family slug, optimizer slug).

    Raises:
        InputLimitError: ``options`` are not small JSON values.
        SandboxStartError: The sandbox could not be started.

    """
    check_json_args(options)
    return default_sandbox().run("verify", layer, {"optimizer": optimizer, **options})


def instantiate(term: str, args: dict[str, Any] | None = None, *, meta: bool = False) -> dict[str, Any]:
    """Build ``term`` in the sandbox and describe it (class, parameter count, repr).

    With ``meta``, a module is built on the meta device: its parameters have shapes but no storage, so
    a published size (billions of parameters) is counted without allocating and the parameter cap
    does not apply; a real build above the cap is refused.

    Raises:
        UnknownImplementationError: Unknown term.
        ImplementationError: Arguments not accepted (checked before the sandbox runs); an
            :class:`InputLimitError` for a term or arguments beyond the input limits.
        SandboxStartError: The sandbox could not be started.

    """
    spec = checked_spec(term, args)
    return default_sandbox()._instantiate(spec, args, meta=meta)


def anatomy_in_sandbox(term: str, args: dict[str, Any] | None = None, *, meta: bool = False) -> dict[str, Any]:
    """Build ``term`` in the sandbox and inspect it: ``{ok, term, anatomy, param_groups}`` (see :mod:`implementations.anatomy`).

    With ``meta`` the network is built on the meta device (nothing allocated, so a published size
    is not refused by the parameter cap; the CPU and wall-clock limits still bound the build).

    Raises:
        UnknownImplementationError: Unknown term.
        ImplementationError: Arguments not accepted (checked before the sandbox runs).
        SandboxStartError: The sandbox could not be started.

    """
    spec = checked_spec(term, args)
    result = default_sandbox().run("anatomy-meta" if meta else "anatomy", spec.concept, args)
    result.setdefault("term", spec.concept)
    return result
