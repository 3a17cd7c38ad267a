"""Inside the sandbox: the zygote (torch imported once) and the long-lived workers it forks.

The zygote is a fresh interpreter started by :class:`implementations.sandbox.pool.WorkerPool`
running :func:`zygote_entry` (never the caller's ``__main__``, so a script without an
``if __name__ == "__main__"`` guard, a notebook or ``python -c`` can use the sandbox). It imports torch and
the registry, pays lazy initialisation once (a few warm-up smoke tests), freezes its heap and
then serves its control connection: ``fork`` a worker (the parent receives one end of a socket
pair as a file descriptor) or ``reap`` a finished worker (its wait status). A worker sets its
limits once — an address-space cap, no core files, a hard CPU cap over its lifetime — and runs
jobs one after another: before each job it resets torch's global state and grants a fresh CPU
allowance. Jobs arrive pickled; results go back as JSON, so a worker cannot make the parent
unpickle anything.
"""

from __future__ import annotations

import gc
import json
import math
import os
import pickle
import random
import signal
import socket
import sys
import threading
import warnings
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from typing import Any

from implementations.registry.spec import MODULE_FAMILIES, Family, ImplementationSpec

_UNSET = object()
WARM_UP = ("linear", "layer-normalization", "conv2d", "lstm", "cross-entropy-loss", "adamw", "cosine-annealing")


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one job, and how many jobs a worker runs before it is replaced."""

    wall_seconds: float = 20.0
    cpu_seconds: int = 20
    memory_mb: int = 2048
    max_parameters: int = 50_000_000
    jobs_per_worker: int = 200


def _cpu_seconds_used() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _set_worker_limits(limits: SandboxLimits) -> None:
    """Address space (current size + ``memory_mb``), no core files, and a lifetime CPU cap."""
    import resource

    with open("/proc/self/statm", encoding="ascii") as statm:
        current = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    budget = current + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    lifetime = math.ceil(_cpu_seconds_used()) + limits.cpu_seconds * (limits.jobs_per_worker + 1)
    resource.setrlimit(resource.RLIMIT_CPU, (lifetime, lifetime))


def _grant_cpu(limits: SandboxLimits) -> None:
    """Let the next job use ``cpu_seconds`` of CPU from now (SIGXCPU beyond that)."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (min(math.ceil(_cpu_seconds_used()) + limits.cpu_seconds, hard), hard))


def _reset_global_state() -> None:
    """Undo what a previous job may have changed in torch's process-wide settings (cheap checks first)."""
    import torch

    torch.set_default_dtype(torch.float32)
    torch.set_grad_enabled(True)
    torch.autograd.set_detect_anomaly(False)
    if torch.are_deterministic_algorithms_enabled():  # switching costs milliseconds, checking does not
        torch.use_deterministic_algorithms(False)
    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    torch.default_generator.manual_seed(0)  # the CPU generator: workers never see a GPU
    random.seed(0)
    warnings.resetwarnings()
    warnings.simplefilter("ignore")


def _parameters(module: Any) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def _meta_build(term: str, args: dict[str, Any]) -> Any:
    """Build ``term`` on the meta device: shapes without storage, so any size is counted without allocating."""
    import torch

    from implementations.registry.factory import create

    with torch.device("meta"):
        return create(term, **args)


def _refusal(spec: ImplementationSpec, args: dict[str, Any], limits: SandboxLimits) -> dict[str, Any] | None:
    """A refusal when ``args`` would build a module or loss above ``max_parameters``, counted on the meta device.

    Arguments that only repeat registered defaults build the registered configuration, small by
    construction (the registry's own tests run it in process), so they skip the count: a meta build
    can cost far more than the job (modules that compute at construction, such as spectral norm).
    """
    if spec.family not in MODULE_FAMILIES or all(spec.defaults.get(k, _UNSET) == v for k, v in args.items()):
        return None
    count = _parameters(_meta_build(spec.concept, args))
    if count <= limits.max_parameters:
        return None
    return {
        "ok": False,
        "error": f"refused: {count:,} parameters exceed the sandbox cap of {limits.max_parameters:,}",
        "parameter_count": count,
    }


def _run_job(job: dict[str, Any], limits: SandboxLimits) -> dict[str, Any]:
    """The job's result as a JSON-able dict (``op``: ``smoke``, ``instantiate``, ``meta``, ``anatomy``, ``anatomy-meta``, ``verify``).

    ``meta`` instantiates and ``anatomy-meta`` inspects on the meta device, without the parameter cap: nothing is allocated.
    """
    from implementations.registry.factory import create, get_implementation

    term, args = job["term"], job.get("args") or {}
    if job["op"] == "verify":
        from implementations.pairing.verify import verify_pairing

        return verify_pairing(term, **args)
    spec = get_implementation(term)
    if job["op"] == "meta" and spec.family not in MODULE_FAMILIES:
        return {"ok": False, "error": f"{spec.concept} is a {spec.family.value}, not a module: nothing to build on the meta device"}
    refusal = None if job["op"] in ("meta", "anatomy-meta") else _refusal(spec, args, limits)
    if refusal is not None:
        return refusal
    if job["op"] == "smoke":
        from implementations.registry.smoke import run_smoke_test

        return asdict(run_smoke_test(term, args))
    if job["op"] in ("anatomy", "anatomy-meta"):
        from implementations.anatomy.advise import anatomy_job

        return anatomy_job(term, args, "meta" if job["op"] == "anatomy-meta" else None)
    if job["op"] == "meta":
        obj = _meta_build(term, args)
    else:
        obj = create(term, **args) if spec.family in MODULE_FAMILIES | {Family.INITIALIZER} else None
    return {
        "ok": True,
        "target": spec.target,
        "class_name": type(obj).__name__ if obj is not None else spec.target.rsplit(".", 1)[-1],
        "parameter_count": _parameters(obj) if spec.family in MODULE_FAMILIES else None,
        "repr": repr(obj)[:2000] if obj is not None else f"{spec.target} (needs params/optimizer)",
    }


def _run_contained(job: dict[str, Any], limits: SandboxLimits) -> dict[str, Any]:
    """Run one job; every failure of the job, even SystemExit or KeyboardInterrupt, is a result."""
    try:
        _reset_global_state()
        _grant_cpu(limits)
        return _run_job(job, limits)
    except MemoryError:
        return {"ok": False, "error": "out of memory in the sandbox"}
    except BaseException as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}


def _serve(conn: Connection, limits: SandboxLimits) -> None:
    """A worker's life: at most ``jobs_per_worker`` jobs, each answered with its result and the thread count."""
    _set_worker_limits(limits)
    for _ in range(limits.jobs_per_worker):
        try:
            job = pickle.loads(conn.recv_bytes())  # from the parent, which the worker trusts (tuples stay tuples)
        except EOFError:  # the parent is gone
            return
        result = _run_contained(job, limits)
        conn.send_bytes(json.dumps({"result": result, "threads": threading.active_count()}, default=str).encode())


def _fork_worker(control: Connection, limits: SandboxLimits) -> None:
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            control.close()
            theirs.close()
            _serve(Connection(ours.detach()), limits)
            status = 0
        finally:
            os._exit(status)
    ours.close()
    control.send_bytes(json.dumps({"pid": pid}).encode())
    send_handle(control, theirs.fileno(), 0)  # the destination pid is only used on Windows
    theirs.close()


def zygote_main(control: Connection, limits: SandboxLimits, extra_specs: tuple[ImplementationSpec, ...]) -> None:
    """The zygote's loop (called by :func:`zygote_entry`); ends when the parent closes ``control``.

    Args:
        control: The control connection to the parent.
        limits: The limits every forked worker applies.
        extra_specs: Registrations to add to the project's (the sandbox's own tests use this).

    """
    os.environ["OMP_NUM_THREADS"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the sandbox ends
    warnings.simplefilter("ignore")  # library warnings would interleave with the parent's output
    import torch

    torch.set_num_threads(1)
    from implementations.registry.smoke import run_smoke_test
    from implementations.registry.spec import register_all, registry

    registry()
    register_all(extra_specs)
    for term in WARM_UP:  # pay lazy initialisation once here, not in every worker
        run_smoke_test(term)
    gc.collect()
    gc.freeze()  # the collector leaves the inherited heap alone, so workers copy fewer pages
    control.send_bytes(b"ready")
    while True:
        try:
            request = json.loads(control.recv_bytes())
        except EOFError:
            return
        if request["op"] == "fork":
            _fork_worker(control, limits)
        else:
            _, status = os.waitpid(int(request["pid"]), 0)
            control.send_bytes(json.dumps({"status": status}).encode())


def zygote_entry() -> None:
    """The zygote interpreter's entry point: ``sys.argv[1]`` is the control socket's file descriptor.

    The parent sends the limits and the extra registrations, pickled, as the first message.
    """
    control = Connection(int(sys.argv[1]))
    limits, extra_specs = pickle.loads(control.recv_bytes())  # from the parent, which started this process
    zygote_main(control, limits, extra_specs)


def receive_worker(control: Connection) -> tuple[int, Connection]:
    """In the parent, after asking for a fork: the new worker's pid and connection."""
    pid = int(json.loads(control.recv_bytes())["pid"])
    return pid, Connection(recv_handle(control))
