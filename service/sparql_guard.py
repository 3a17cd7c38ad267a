"""Users' SPARQL, safely: read-only, never federated, bounded in time, memory and output size.

:func:`run_user_query` is the whole interface. A text over ``max_bytes`` (``NNV_SPARQL_MAX_BYTES``)
or nested deeper than :data:`~service.sparql_check.MAX_NESTING` is refused at once, before any parsing. Everything else
happens in a child process forked for this one query, under the query's deadline: the parsing
too, since rdflib's parser can spend seconds on a short text (thousands of ``OPTIONAL``) and,
in the server's own process, would hold the interpreter meanwhile. The child asks
:func:`service.sparql_check.refusal` (an UPDATE, ``SERVICE`` anywhere, a syntax error → 400), then:

* on the embedded :class:`GraphStore`, evaluates it. The child sees a copy-on-write snapshot of
  the store; it parses, evaluates and serialises under ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``
  and, for an in-memory store, ``RLIMIT_NOFILE`` = 0 (so it cannot even open a socket: a second
  barrier against SSRF), and sends one framed message through a pipe. Its output goes to
  ``/dev/null`` (rdflib's warnings quote the query: none reaches the server's log) and it leaves
  with ``os._exit``. The parent's thread waits with a deadline, SIGKILLs the child on timeout or
  oversized output, and always reaps it. pyoxigraph cannot cancel a query, nor rdflib a parse,
  so a process is the only thing that stops one. A child that inherited a lock held mid-use by
  another thread sleeps without progress: it is replaced (see :func:`_run_forked`).
* on any other store (the remote backend), only checks it; the parent then sends it through
  ``protocol_query(query, media, timeout_s)`` with the time left. A store without that method
  answers 501.

At most :data:`MAX_RUNNING` queries run at once (a private thread pool; the rest queue, and
their wait counts against their deadline).
"""

from __future__ import annotations

import asyncio
import faulthandler
import math
import os
import resource
import select
import signal
import struct
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

import pyoxigraph as ox

from ontology.store import GraphStore, StoreError
from service.graphql.errors import BAD_USER_INPUT, QUERY_TOO_COMPLEX, TIMEOUT
from service.sparql_check import MAX_NESTING, nesting, prepare_parser, refusal

NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
QUERY_FAILED = "QUERY_FAILED"
MAX_RESULT_BYTES = 50 * 2**20
PARSER_RECURSION_LIMIT = 20_000  # frames; the check of a MAX_NESTING-deep query needs a few thousand
MEMORY_HEADROOM_BYTES = 2**30
MAX_RUNNING = min(4, max(2, os.cpu_count() or 2))  # each child: up to MEMORY_HEADROOM_BYTES + the store pages it touches
RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
MEMORY_LIMIT = "query exceeded the memory limit and was stopped"

_STALL_CHECK_S = 0.05
_HEADER = struct.Struct("!HHQ")  # status, media type length, body length
_EXECUTOR = ThreadPoolExecutor(max_workers=MAX_RUNNING, thread_name_prefix="sparql")
_FORK_LOCK = threading.Lock()  # no other child inherits a pipe's write end, so EOF means "our child is gone"


class SparqlError(Exception):
    """A user query that was refused or could not finish; ``status`` and ``code`` say how to answer."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class QueryRefusedError(SparqlError):
    """Not a read query this endpoint runs: an update, ``SERVICE``, a syntax error, no backend."""

    def __init__(self, message: str, *, status: int = 400, code: str = BAD_USER_INPUT) -> None:
        super().__init__(message, status=status, code=code)


class QueryTimeoutError(SparqlError):
    """The query did not finish in time (it was killed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=503, code=TIMEOUT)


class QueryTooLargeError(SparqlError):
    """The query's text, output or memory went over a limit (refused, or killed)."""

    def __init__(self, message: str, *, status: int = 413) -> None:
        super().__init__(message, status=status, code=QUERY_TOO_COMPLEX)


async def run_user_query(store: object, query: str, media: str, *, timeout_s: float, max_bytes: int) -> tuple[bytes, str]:
    """Check and run one user query; its serialised result and media type.

    Args:
        store: The graph's store (a :class:`GraphStore`, or a store with ``protocol_query``).
        query: The SPARQL text.
        media: The preferred media type; a result type the query cannot produce falls back to
            SPARQL JSON (solutions, booleans) or Turtle (graphs).
        timeout_s: Wall-clock limit, from now (queueing and parsing included).
        max_bytes: Longest accepted text, in UTF-8 bytes.

    Raises:
        SparqlError: Refused (400/413/501), timed out (503) or over a limit (400/413/503).

    """
    deadline = time.monotonic() + timeout_s
    return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, _run, store, query, media, deadline, max_bytes)


def _run(store: object, query: str, media: str, deadline: float, max_bytes: int) -> tuple[bytes, str]:
    if time.monotonic() >= deadline:
        raise QueryTimeoutError("the query waited too long for a free worker (the endpoint is busy); retry later")
    if len(query.encode("utf-8", errors="replace")) > max_bytes:
        raise QueryTooLargeError(f"query text over {max_bytes} bytes", status=413)
    if nesting(query) > MAX_NESTING:
        raise QueryTooLargeError(f"query nested deeper than {MAX_NESTING} levels of braces and parentheses", status=400)
    prepare_parser()
    if isinstance(store, GraphStore):
        return _run_forked(store, query, media, deadline)
    protocol_query = getattr(store, "protocol_query", None)
    if protocol_query is None:
        raise QueryRefusedError(f"this store ({type(store).__name__}) does not answer SPARQL queries", status=501, code=NOT_IMPLEMENTED)
    _run_forked(None, query, media, deadline)  # checked under the deadline; the remote store evaluates it
    try:
        body, out_media = protocol_query(query, media, deadline - time.monotonic())
    except TimeoutError as exc:
        raise QueryTimeoutError(f"query exceeded the time limit: {exc}") from exc
    except StoreError as exc:
        raise QueryRefusedError(str(exc)) from exc
    if len(body) > MAX_RESULT_BYTES:
        raise QueryTooLargeError(f"result over {MAX_RESULT_BYTES} bytes: add a LIMIT")
    return bytes(body), str(out_media)


def serialise(result: object, media: str, out: object) -> str:
    """Write a pyoxigraph query result to ``out`` (anything with ``write``); the media type used."""
    if isinstance(result, ox.QueryTriples):
        graph_media = media if media in GRAPH_FORMATS else "text/turtle"
        result.serialize(out, GRAPH_FORMATS[graph_media])  # type: ignore[arg-type]
        return graph_media
    result_media = media if media in RESULT_FORMATS else "application/sparql-results+json"
    result.serialize(out, RESULT_FORMATS[result_media])  # type: ignore[attr-defined]
    return result_media


class _CappedBuffer:
    """A write target for :func:`serialise` that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.data = bytearray()
        self.limit = limit

    def write(self, chunk: bytes) -> int:
        if len(self.data) + len(chunk) > self.limit:
            raise QueryTooLargeError(f"result over {self.limit} bytes: add a LIMIT or select fewer variables")
        self.data += chunk
        return len(chunk)

    def flush(self) -> None:
        """Nothing is buffered outside ``data`` (pyoxigraph calls this when done)."""


def _run_forked(store: GraphStore | None, query: str, media: str, deadline: float, retries: int = 2) -> tuple[bytes, str]:
    """Check, and evaluate on ``store`` unless it is ``None``, in a forked child (see the module docstring); kill it at ``deadline``.

    A child forked while another thread held one of the store's internal locks (a concurrent
    write; with RocksDB, any read) waits on it forever: such a stalled child is killed and a new
    one forked, ``retries`` times at most.
    """
    pages = int(Path("/proc/self/statm").read_text(encoding="ascii").split()[0])
    address_space = pages * os.sysconf("SC_PAGE_SIZE") + MEMORY_HEADROOM_BYTES
    cpu_s = math.ceil(deadline - time.monotonic()) + 1
    with _FORK_LOCK:
        try:
            read_fd, write_fd = os.pipe()
            try:
                pid = os.fork()
            except OSError:
                os.close(read_fd)
                os.close(write_fd)
                raise
        except OSError as exc:  # EMFILE, EAGAIN, ENOMEM: too many files or processes, too little memory
            raise SparqlError(f"cannot start the query: {exc}", status=503, code=QUERY_FAILED) from exc
        if pid == 0:
            _child(store, query, media, write_fd, address_space, cpu_s)
        os.close(write_fd)
    message = None
    try:
        message = _receive(pid, read_fd, deadline, watch=retries > 0)
    finally:
        if message is None:  # timed out, stalled or interrupted
            os.kill(pid, signal.SIGKILL)
        os.close(read_fd)
        _, wait_status = os.waitpid(pid, 0)
    if message is None:
        return _run_forked(store, query, media, deadline, retries - 1)
    return _decode(message, wait_status)


def _child(store: GraphStore | None, query: str, media: str, write_fd: int, address_space: int, cpu_s: int) -> NoReturn:
    """The forked child: limits, check, evaluate (unless ``store`` is ``None``), one framed message, ``os._exit``. Never returns."""
    frame: tuple[bytes, bytes | bytearray]
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)  # a Rust "memory allocation failed" must not land in the server's log…
        faulthandler.disable()  # …nor a dump of this child's stack when that aborts it
        _lower_limit(resource.RLIMIT_CORE, 0)
        _lower_limit(resource.RLIMIT_CPU, cpu_s)
        _lower_limit(resource.RLIMIT_AS, address_space)
        if store is None or store.path is None:  # only an on-disk store needs new descriptors (RocksDB's table files)
            _lower_limit(resource.RLIMIT_NOFILE, 0)
        # The child inherits the stack depth of the thread that forked it: give the parser room for
        # MAX_NESTING levels whatever that depth was (pure-Python frames, so no C-stack risk on 3.11).
        sys.setrecursionlimit(PARSER_RECURSION_LIMIT)
        reason = refusal(query)
        if reason:
            raise QueryRefusedError(reason)
        buffer = _CappedBuffer(MAX_RESULT_BYTES)
        out_media = "" if store is None else serialise(store.raw_query(query), media, buffer)
        frame = (_HEADER.pack(200, len(out_media), len(buffer.data)) + out_media.encode(), buffer.data)
    except BaseException as exc:
        failure = _as_sparql_error(exc)
        text = str(failure).encode("utf-8", errors="replace")[:2000]
        frame = (_HEADER.pack(failure.status, len(failure.code), len(text)) + failure.code.encode(), text)
    try:
        for part in frame:
            view = memoryview(part)
            while view:
                view = view[os.write(write_fd, view) :]
    finally:
        os._exit(0)


def _lower_limit(kind: int, soft: int) -> None:
    hard = resource.getrlimit(kind)[1]
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _as_sparql_error(exc: BaseException) -> SparqlError:
    if isinstance(exc, SparqlError):
        return exc
    if isinstance(exc, StoreError):
        return QueryRefusedError(str(exc))
    if isinstance(exc, MemoryError):
        return QueryTooLargeError(MEMORY_LIMIT, status=503)
    return SparqlError(f"query failed: {exc}", status=503, code=QUERY_FAILED)


def _receive(pid: int, read_fd: int, deadline: float, *, watch: bool) -> bytes | None:
    """The child's framed message (shorter if it died first), or ``None`` if ``watch`` saw it stall.

    Raises:
        QueryTimeoutError: ``deadline`` passed first.

    """
    poller = select.poll()
    poller.register(read_fd, select.POLLIN)
    message = bytearray()
    expected = _HEADER.size
    ticks: int | None = None
    while len(message) < expected:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise QueryTimeoutError("query exceeded the time limit and was stopped: add a LIMIT or a more selective pattern")
        if not poller.poll(math.ceil(min(remaining, _STALL_CHECK_S) * 1000)):
            if watch and not message:
                previous, ticks = ticks, _sleeping_cpu_ticks(pid)
                if ticks is not None and ticks == previous:
                    return None
            continue
        chunk = os.read(read_fd, min(expected - len(message), 2**20))
        if not chunk:
            break
        message += chunk
        if expected == _HEADER.size and len(message) == expected:
            _, media_len, body_len = _HEADER.unpack(message)
            expected += media_len + body_len
    return bytes(message)


def _sleeping_cpu_ticks(pid: int) -> int | None:
    """The CPU time (ticks) of a child that sleeps (on a lock: it only computes or writes the pipe), else ``None``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, …; utime and stime are the 12th and 13th
    return int(fields[11]) + int(fields[12]) if fields[0] == "S" else None


def _decode(message: bytes, wait_status: int) -> tuple[bytes, str]:
    status, media_len, body_len = _HEADER.unpack_from(message) if len(message) >= _HEADER.size else (0, 0, -1)
    if len(message) != _HEADER.size + media_len + body_len:  # it died first: Rust aborts when RLIMIT_AS refuses memory
        raise QueryTooLargeError(f"{MEMORY_LIMIT} (exit status {os.waitstatus_to_exitcode(wait_status)})", status=503)
    label = message[_HEADER.size : _HEADER.size + media_len].decode()
    body = message[_HEADER.size + media_len :]
    if status != 200:
        raise SparqlError(body.decode("utf-8", errors="replace"), status=status, code=label)
    return body, label
