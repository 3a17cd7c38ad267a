"""Long-lived query workers for ``/sparql``: forked from the server, reused, SIGKILLed on a timeout.

A worker is a fork of the serving process, so it sees the store's data as it was at the fork
(copy-on-write: nothing is copied or reloaded). It is tied to the store object and the store's
``version()`` it was forked at: once the store is written (a new write generation) or replaced,
its idle workers are killed and the next query forks a fresh one. Otherwise a worker answers
query after query, one at a time, which costs two pipe round trips instead of a fork per query.

The parent waits for an answer on its event loop (a reader on the answer pipe and a timer, no
thread) and SIGKILLs the worker as soon as the deadline passes or the waiting request is
cancelled (pyoxigraph cannot cancel a query, nor rdflib a parse: a process is the only thing that
stops one); a killed or dead worker is always reaped (in a thread: a big process takes a while to
go) and never reused. Before each request the worker lowers its own limits: ``RLIMIT_CPU`` to its
CPU time so far plus the request's budget, and ``RLIMIT_AS`` to its current address space plus
the request's headroom (a query that needs more memory dies, Rust aborting, and the parent
reports it). A worker for an in-memory store (or none) also has ``RLIMIT_NOFILE`` = 0, so it
cannot open a socket. At start it closes every socket and pipe it inherited but its own two pipes
(the server's listening socket, client connections, other workers' pipes), sends its output to
``/dev/null`` and ignores Ctrl-C; it leaves with ``os._exit`` when the server closes its pipe.
After its first answer it runs the caller's warm-up (reading its store once, say). A worker
forked while another thread held one of the store's internal locks waits on that lock forever:
one that sleeps without using CPU before answering is replaced (see :meth:`QueryWorkerPool.call`).
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import gc
import itertools
import math
import os
import resource
import signal
import stat
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from service.loop_waits import readable

Handler = Callable[[object | None, bytes], bytes]
"""What a worker does with one request: ``(store, request) -> answer``; it must not raise."""
WarmUp = Callable[[object | None], object]
"""What a worker does once, while idle after its first answer, with its store; it must not raise."""

_REQUEST = struct.Struct("!QQQ")  # request length, CPU seconds, address-space headroom in bytes
_ANSWER = struct.Struct("!Q")  # answer length
_STALL_CHECK_S = 0.05
_FORK_LOCK = threading.Lock()  # a worker must not inherit another worker's ends of its pipes half-set-up


class WorkerDiedError(RuntimeError):
    """The worker ended before it answered (a limit killed it); ``exit_code`` as ``os.waitstatus_to_exitcode`` says."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(f"the query worker ended before answering (exit status {exit_code})")
        self.exit_code = exit_code


@dataclass
class Worker:
    """A forked worker as the parent sees it: its pid, its pipes and the store state it was forked with."""

    pid: int
    requests: int  # write end: parent → worker
    answers: int  # read end: worker → parent
    store: object | None
    version: str


class QueryWorkerPool:
    """Up to ``size`` idle workers, forked on demand; shared by threads and their event loops.

    Args:
        handle: Runs in the worker for each request (see :data:`Handler`).
        size: Most idle workers kept (the caller bounds how many run at once).
        recursion_limit: The worker's ``sys.setrecursionlimit`` (its stack depth is the forking thread's).
        prepare: Runs in the server before each fork: set-up done once there, not in every worker.
        warm_up: Runs in a worker once, after its first answer (see :data:`WarmUp`).

    """

    def __init__(self, handle: Handler, size: int, recursion_limit: int, prepare: Callable[[], object], warm_up: WarmUp) -> None:
        self.handle = handle
        self._size = size
        self.recursion_limit = recursion_limit
        self._prepare = prepare
        self.warm_up = warm_up
        self._lock = threading.Lock()
        self._idle: list[Worker] = []

    def idle_pids(self) -> list[int]:
        """Process ids of the idle workers."""
        with self._lock:
            return [worker.pid for worker in self._idle]

    async def call(self, store: object | None, request: bytes, *, cpu_s: int, headroom: int, deadline: float, retries: int = 2) -> bytes:
        """Send ``request`` to a worker of ``store`` (at its current version); its answer, awaited on the event loop.

        A worker that stalls (asleep, no CPU used, nothing sent) is replaced, ``retries`` times at
        most, and so is one found dead when the request is sent. A worker still busy when the
        deadline passes, or when the caller is cancelled, is SIGKILLed there and then.

        Raises:
            TimeoutError: ``deadline`` (``time.monotonic()``) passed first; the worker was killed.
            WorkerDiedError: The worker ended before answering (over a limit).
            OSError: No worker could be forked (too many processes or files, too little memory).

        """
        worker, stale = self._acquire(store, getattr(store, "version", str)())  # no await: a cancellation cannot lose it
        try:
            await _retire(*stale)
            _write_all(worker.requests, _REQUEST.pack(len(request), cpu_s, headroom) + request)
            answer = await _receive(worker, deadline, watch=retries > 0)
        except EOFError:
            raise WorkerDiedError(os.waitstatus_to_exitcode(await _retire(worker))) from None
        except BrokenPipeError:  # it died while idle (the OOM killer, a signal): fork another
            if retries <= 0:
                raise WorkerDiedError(os.waitstatus_to_exitcode(await _retire(worker))) from None
            answer = None
        except BaseException:
            await _retire(worker)
            raise
        if answer is None:
            await _retire(worker)
            return await self.call(store, request, cpu_s=cpu_s, headroom=headroom, deadline=deadline, retries=retries - 1)
        await self._release(worker)
        return answer

    def _acquire(self, store: object | None, version: str) -> tuple[Worker, list[Worker]]:
        """An idle worker forked from ``store`` at ``version``, or a new fork; and the idle workers of an outdated store, to kill."""
        with self._lock:
            chosen = next((w for w in reversed(self._idle) if w.store is store and w.version == version), None)
            self._idle = [w for w in self._idle if w is not chosen]
        chosen = chosen or self._fork(store, version)  # if this raises, the stale ones stay listed, for the next call
        with self._lock:
            stale = [w for w in self._idle if not _current(w)]
            self._idle = [w for w in self._idle if w not in stale]
        return chosen, stale

    async def _release(self, worker: Worker) -> None:
        """Keep a worker that answered, unless its store changed meanwhile; the oldest idle one goes when there are too many."""
        evicted = [worker]
        if _current(worker):
            with self._lock:
                self._idle.append(worker)
                evicted, self._idle = self._idle[: -self._size], self._idle[-self._size :]
        await _retire(*evicted)

    def _fork(self, store: object | None, version: str) -> Worker:
        self._prepare()
        no_files = getattr(store, "path", None) is None  # only an on-disk store needs new descriptors (RocksDB's files)
        with _FORK_LOCK:
            fds: list[int] = []
            try:
                fds += os.pipe()  # requests: read, write
                fds += os.pipe()  # answers: read, write
                pid = os.fork()
            except OSError:
                for fd in fds:
                    os.close(fd)
                raise
            request_read, request_write, answer_read, answer_write = fds
            if pid == 0:
                os.close(request_write)
                os.close(answer_read)
                _worker_main(self, store, request_read, answer_write, no_files)
            os.close(request_read)
            os.close(answer_write)
            os.set_blocking(answer_read, False)  # read what is there; wait for more on the event loop
        return Worker(pid, request_write, answer_read, store, version)


def _current(worker: Worker) -> bool:
    """Whether ``worker``'s store is still at the version it was forked at."""
    return bool(getattr(worker.store, "version", str)() == worker.version)


async def _retire(*workers: Worker) -> int:
    """SIGKILL ``workers`` and close their pipes at once, then reap them in a thread; the last one's wait status."""
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        for fd in (worker.requests, worker.answers):
            with contextlib.suppress(OSError):
                os.close(fd)
    # a process that held much memory takes a while to go; the thread reaps them all even if we are cancelled
    return await asyncio.to_thread(lambda: [os.waitpid(worker.pid, 0)[1] for worker in workers][-1]) if workers else 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


async def _receive(worker: Worker, deadline: float, *, watch: bool) -> bytes | None:
    """The worker's answer, or ``None`` if ``watch`` saw it stall before sending anything.

    Raises:
        TimeoutError: ``deadline`` passed first.
        EOFError: The worker ended before a whole answer.

    """
    message = bytearray()
    expected = _ANSWER.size
    ticks: int | None = None
    while len(message) < expected:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the query worker did not answer in time")
        try:
            chunk = os.read(worker.answers, 2**20)  # non-blocking; the worker sends nothing past its answer
        except BlockingIOError:
            if not await readable(worker.answers, min(remaining, _STALL_CHECK_S)) and watch and not message:
                previous, ticks = ticks, _sleeping_cpu_ticks(worker.pid)
                if ticks is not None and ticks == previous:
                    return None
            continue
        if not chunk:
            raise EOFError
        message += chunk
        if len(message) >= _ANSWER.size:
            expected = _ANSWER.size + _ANSWER.unpack_from(message)[0]
    return bytes(message[_ANSWER.size :])


def _sleeping_cpu_ticks(pid: int) -> int | None:
    """The CPU time (ticks) of a worker that sleeps (a working one computes, or blocks writing its answer), else ``None``."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # state, ppid, …; utime and stime are the 12th and 13th
    return int(fields[11]) + int(fields[12]) if fields[0] == "S" else None


def _worker_main(pool: QueryWorkerPool, store: object | None, requests: int, answers: int, no_files: bool) -> NoReturn:
    """The forked worker: set up, then answer requests until the parent closes the pipe (warming up after the first). Never returns."""
    try:
        gc.freeze()  # the server's objects stay untouched: no finalizer of theirs runs here, and their pages stay shared
        _isolate(keep={requests, answers})
        statm = os.open("/proc/self/statm", os.O_RDONLY)
        if no_files:
            _set_soft_limit(resource.RLIMIT_NOFILE, 0)
        sys.setrecursionlimit(pool.recursion_limit)
        for answered in itertools.count():
            size, cpu_s, headroom = _REQUEST.unpack(_read_exactly(requests, _REQUEST.size))
            request = _read_exactly(requests, size)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            _set_soft_limit(resource.RLIMIT_CPU, math.ceil(usage.ru_utime + usage.ru_stime) + cpu_s)
            pages = int(os.pread(statm, 64, 0).split()[0])
            _set_soft_limit(resource.RLIMIT_AS, pages * os.sysconf("SC_PAGE_SIZE") + headroom)
            answer = pool.handle(store, request)
            _write_all(answers, _ANSWER.pack(len(answer)) + answer)
            if not answered:
                pool.warm_up(store)
    finally:
        os._exit(0)


def _isolate(keep: set[int]) -> None:
    """Output to /dev/null, no core dumps, no Ctrl-C; close the sockets and pipes inherited from the server."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)  # a Rust "memory allocation failed" must not land in the server's log…
    os.close(devnull)
    faulthandler.disable()  # …nor a dump of this worker's stack when that aborts it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _set_soft_limit(resource.RLIMIT_CORE, 0)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd <= 2 or fd in keep:
            continue
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone already
            if stat.S_ISSOCK(os.fstat(fd).st_mode) or stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.close(fd)


def _read_exactly(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:  # the server closed the pipe: it stopped, or retired this worker
            os._exit(0)
        data += chunk
    return bytes(data)


def _set_soft_limit(kind: int, soft: int) -> None:
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))
