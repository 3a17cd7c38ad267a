"""Users' SPARQL, safely: read-only, never federated, bounded in time, memory and output size.

:func:`run_user_query` is the whole interface. A text over ``max_bytes`` (``NNV_SPARQL_MAX_BYTES``)
or nested deeper than :data:`~service.sparql_check.MAX_NESTING` is refused at once, before any parsing. Everything else
happens in a long-lived worker process (:class:`service.sparql_pool.QueryWorkerPool`), under the
query's deadline, parsing included: rdflib's parser can spend seconds on a short text (thousands
of ``OPTIONAL``) and, in the server's own process, would hold the interpreter meanwhile. A worker
that misses the deadline is SIGKILLed and replaced; pyoxigraph cannot cancel a query, nor rdflib
a parse, so a process is the only thing that stops one. Workers are forks of the server, reused
from query to query until the store is written (then re-forked, so they see the new data):

* on the embedded :class:`GraphStore`, the worker evaluates the query. A text that cannot hold
  the ``SERVICE`` keyword (:func:`service.sparql_check.needs_full_check`) goes straight to
  pyoxigraph, which refuses updates and syntax errors itself (its ``query`` runs no update); any
  other text is first checked by :func:`service.sparql_check.refusal` (rdflib's parser: an
  UPDATE, ``SERVICE`` anywhere, a syntax error → 400), and so is a text pyoxigraph refused, to
  say why. The worker serialises the result under ``RLIMIT_AS`` (memory) and ``RLIMIT_CPU``;
  for an in-memory store, under ``RLIMIT_NOFILE`` = 0 too (it cannot even open a socket: a
  second barrier against SSRF). rdflib's warnings quote the query: the worker's output goes to
  ``/dev/null``.
* on any other store (the remote backend), the worker only checks it with :func:`refusal`; the
  parent then sends it through ``protocol_query(query, media, timeout_s)`` with the time left.
  A store without that method answers 501.

The server's side never blocks its event loop on a query: it waits for the worker's answer on
the loop (:mod:`service.loop_waits`), and at most :data:`MAX_RUNNING` queries run at once (the
rest queue, and their wait counts against their deadline). Only the remote store's blocking
``protocol_query`` runs in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import pickle
import struct
import time

import pyoxigraph as ox

from ontology.store import GraphStore, StoreError
from service.graphql.errors import BAD_USER_INPUT, QUERY_TOO_COMPLEX, TIMEOUT
from service.loop_waits import Slots
from service.sparql_check import MAX_NESTING, needs_full_check, nesting, prepare_parser, refusal
from service.sparql_pool import QueryWorkerPool, WorkerDiedError

NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
QUERY_FAILED = "QUERY_FAILED"
MAX_RESULT_BYTES = 50 * 2**20
PARSER_RECURSION_LIMIT = 20_000  # frames; the check of a MAX_NESTING-deep query needs a few thousand
MEMORY_HEADROOM_BYTES = 2**30
MAX_RUNNING = min(4, max(2, os.cpu_count() or 2))  # each worker: up to MEMORY_HEADROOM_BYTES + the store pages it touches
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
_WARM_UP = (  # reads WARM_UP_QUADS quads at most: ~0.1 s and ~60 MB of a worker's own memory
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT * WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } LIMIT 100000 }"
)
WARM_UP_QUADS = 100_000

_HEADER = struct.Struct("!HHQ")  # status, media type length, body length


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
    if len(query.encode("utf-8", errors="replace")) > max_bytes:
        raise QueryTooLargeError(f"query text over {max_bytes} bytes", status=413)
    if query.count("{") + query.count("(") > MAX_NESTING and nesting(query) > MAX_NESTING:  # no more levels than brackets
        raise QueryTooLargeError(f"query nested deeper than {MAX_NESTING} levels of braces and parentheses", status=400)
    try:
        await _RUNNING.acquire(deadline)
    except TimeoutError:
        raise QueryTimeoutError("the query waited too long for a free worker (the endpoint is busy); retry later") from None
    try:
        return await _run(store, query, media, deadline)
    finally:
        _RUNNING.release()


async def _run(store: object, query: str, media: str, deadline: float) -> tuple[bytes, str]:
    if isinstance(store, GraphStore):
        return await _in_worker(store, query, media, deadline)
    protocol_query = getattr(store, "protocol_query", None)
    if protocol_query is None:
        raise QueryRefusedError(f"this store ({type(store).__name__}) does not answer SPARQL queries", status=501, code=NOT_IMPLEMENTED)
    await _in_worker(None, query, media, deadline)  # checked under the deadline; the remote store evaluates it
    try:
        body, out_media = await asyncio.to_thread(protocol_query, query, media, deadline - time.monotonic())
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


async def _in_worker(store: GraphStore | None, query: str, media: str, deadline: float) -> tuple[bytes, str]:
    """Check, and evaluate on ``store`` unless it is ``None``, in a worker (see the module docstring); killed at ``deadline``."""
    request = pickle.dumps((query, media, MAX_RESULT_BYTES))
    cpu_s = math.ceil(deadline - time.monotonic()) + 1
    try:
        answer = await _POOL.call(store, request, cpu_s=cpu_s, headroom=MEMORY_HEADROOM_BYTES, deadline=deadline)
    except TimeoutError:
        raise QueryTimeoutError("query exceeded the time limit and was stopped: add a LIMIT or a more selective pattern") from None
    except WorkerDiedError as exc:  # Rust aborts when RLIMIT_AS refuses memory
        raise QueryTooLargeError(f"{MEMORY_LIMIT} (exit status {exc.exit_code})", status=503) from None
    except OSError as exc:  # EMFILE, EAGAIN, ENOMEM: too many files or processes, too little memory
        raise SparqlError(f"cannot start the query: {exc}", status=503, code=QUERY_FAILED) from exc
    return _decode(answer)


def idle_worker_pids() -> list[int]:
    """Process ids of the idle query workers (kept between queries; none is ever busy without a request)."""
    return _POOL.idle_pids()


def _answer(store: object | None, request: bytes) -> bytes:
    """Run in a worker: check, and evaluate on ``store`` unless it is ``None``; one framed answer (never raises)."""
    try:
        query, media, max_result_bytes = pickle.loads(request)
        buffer = _CappedBuffer(max_result_bytes)
        if not isinstance(store, GraphStore):
            _refuse(refusal(query))
            out_media = ""
        else:
            out_media = serialise(_evaluate(store, query), media, buffer)
        return _HEADER.pack(200, len(out_media), len(buffer.data)) + out_media.encode() + buffer.data
    except BaseException as exc:
        failure = _as_sparql_error(exc)
        text = str(failure).encode("utf-8", errors="replace")[:2000]
        return _HEADER.pack(failure.status, len(failure.code), len(text)) + failure.code.encode() + text


def _evaluate(store: GraphStore, query: str) -> object:
    """The result pyoxigraph gives; rdflib's check first when the text may hold ``SERVICE``, or to explain pyoxigraph's refusal."""
    if needs_full_check(query):
        _refuse(refusal(query))
    try:
        return store.raw_query(query)
    except StoreError as exc:
        _refuse(refusal(query))
        raise QueryRefusedError(str(exc)) from exc


def _refuse(reason: str | None) -> None:
    if reason:
        raise QueryRefusedError(reason)


def _warm_up(store: object | None) -> None:
    """Run in a worker after its first answer: read up to :data:`WARM_UP_QUADS` quads of an in-memory store once.

    pyoxigraph's in-memory store writes to each quad it reads (a reference count, a lock), so a
    worker's first read of a page of quads is a copy-on-write fault: some 50 faults, 0.2 ms, on
    a simple lookup in the built-in graph. Reading them all while idle takes that out of the next
    queries (and gives the worker its own copy of those pages, as queries would over time).
    """
    if isinstance(store, GraphStore) and store.path is None:
        with contextlib.suppress(Exception):
            store.run(_WARM_UP, prefixes=False)


_POOL = QueryWorkerPool(_answer, MAX_RUNNING, PARSER_RECURSION_LIMIT, prepare_parser, _warm_up)
_RUNNING = Slots(MAX_RUNNING)


def _as_sparql_error(exc: BaseException) -> SparqlError:
    if isinstance(exc, SparqlError):
        return exc
    if isinstance(exc, StoreError):
        return QueryRefusedError(str(exc))
    if isinstance(exc, MemoryError):
        return QueryTooLargeError(MEMORY_LIMIT, status=503)
    return SparqlError(f"query failed: {exc}", status=503, code=QUERY_FAILED)


def _decode(message: bytes) -> tuple[bytes, str]:
    status, media_len, _ = _HEADER.unpack_from(message)
    label = message[_HEADER.size : _HEADER.size + media_len].decode()
    body = message[_HEADER.size + media_len :]
    if status != 200:
        raise SparqlError(body.decode("utf-8", errors="replace"), status=status, code=label)
    return body, label
