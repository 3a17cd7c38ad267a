"""Admin surface: reload the built-in graph into the running service, atomically.

``install_admin(app, settings)`` does nothing unless ``settings.admin_token`` is set. With a token it adds
``POST /admin/reload`` (``Authorization: Bearer <token>``) and, while the server runs in a process's main
thread on POSIX, makes SIGHUP trigger the same reload.

A reload rebuilds the built-in graph (curated files re-read) into a new in-memory store off the event loop,
checks it, then publishes it with one assignment to ``app.state.vocab``: requests that started earlier keep
the old graph, later ones see the new one, none sees a mix. An on-disk or remote store is instead replaced
in place with ``TripleStore.load(..., replace=True)`` and gets a new ``Vocabulary``: each query sees the old
graph or the new, but a request already running may see the old in one query and the new in the next.
Anything that goes wrong while building keeps the old graph and answers 409 ``RELOAD_FAILED``.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from loaders.builtin import load_builtin
from loaders.errors import LoaderError
from ontology import repository
from ontology.store import GraphStore, StoreError, TripleStore
from ontology.views import StatsView
from ontology.vocabulary import Vocabulary
from service.runs import add_implementations
from service.settings import Settings

RELOAD_FAILED = "RELOAD_FAILED"
UNAUTHENTICATED = "UNAUTHENTICATED"
logger = logging.getLogger(__name__)


class ReloadError(RuntimeError):
    """The rebuilt graph failed its sanity check, so it was not published."""


_EXPECTED_FAILURES = (LoaderError, StoreError, ReloadError)


@dataclass(frozen=True)
class ReloadResult:
    """What a successful reload published."""

    triples: int
    concepts: int
    seconds: float


def build_builtin_store() -> GraphStore:
    """The built-in graph with its implementation nodes, built now (curated files re-read) into a new in-memory store.

    Raises:
        loaders.errors.LoaderError: A curated file is invalid.

    """
    store = GraphStore()
    load_builtin(store)
    add_implementations(store)
    return store


def checked_stats(store: TripleStore) -> StatsView:
    """The store's counts, once it passed a cheap sanity check.

    Raises:
        ReloadError: The store is empty or holds no concept.

    """
    stats = repository.get_stats(store)
    if stats.triples == 0 or stats.concepts == 0:
        raise ReloadError(f"the rebuilt graph has {stats.triples} triples and {stats.concepts} concepts; keeping the old graph")
    return stats


def _rebuild(current: Vocabulary) -> tuple[Vocabulary, StatsView]:
    """Build and check a new graph, then a vocabulary to publish; a persistent store is overwritten in place."""
    fresh = build_builtin_store()
    stats = checked_stats(fresh)
    store = current.store
    if type(store) is GraphStore and store.path is None:
        return Vocabulary(fresh), stats
    store.load(fresh.dump("nt"), "nt", replace=True)
    store.flush()
    return Vocabulary(store), stats


def failure_message(exc: BaseException) -> str:
    """A one-line reason for a failed reload; unexpected errors name only their type (details go to the log)."""
    if isinstance(exc, _EXPECTED_FAILURES):
        return str(exc)
    return f"unexpected {type(exc).__name__} while rebuilding the graph (see the server log)"


@dataclass
class Reloader:
    """Runs reloads of one app one at a time; a started reload finishes even if its HTTP request times out."""

    app: FastAPI
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    running: set[asyncio.Task[ReloadResult]] = field(default_factory=set)

    async def _reload(self) -> ReloadResult:
        async with self.lock:
            start = time.perf_counter()
            vocab, stats = await asyncio.to_thread(_rebuild, self.app.state.vocab)
            self.app.state.vocab = vocab
            return ReloadResult(triples=stats.triples, concepts=stats.concepts, seconds=round(time.perf_counter() - start, 3))

    def start(self) -> asyncio.Task[ReloadResult]:
        """Start a reload on the running loop (queued behind any reload in progress)."""
        task = asyncio.get_running_loop().create_task(self._reload())
        self.running.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[ReloadResult]) -> None:
        self.running.discard(task)
        if task.cancelled():
            return
        if (exc := task.exception()) is not None:
            trace = None if isinstance(exc, _EXPECTED_FAILURES) else exc
            logger.error("graph reload failed, the old graph is still served: %s", failure_message(exc), exc_info=trace)
        else:
            result = task.result()
            logger.info("graph reloaded: %d triples, %d concepts in %.2f s", result.triples, result.concepts, result.seconds)


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _reload_on_sighup(app: FastAPI, reloader: Reloader) -> None:
    """Chain the app's lifespan so a served process reloads on SIGHUP (POSIX, main thread only)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:  # yields whatever state the inner lifespan yields
        async with inner(served) as state:
            loop = asyncio.get_running_loop()
            handled = hasattr(signal, "SIGHUP") and threading.current_thread() is threading.main_thread()
            if handled:
                loop.add_signal_handler(signal.SIGHUP, reloader.start)
            try:
                yield state
            finally:
                if handled:
                    loop.remove_signal_handler(signal.SIGHUP)

    app.router.lifespan_context = lifespan


def install_admin(app: FastAPI, settings: Settings) -> None:
    """Add ``POST /admin/reload`` and the SIGHUP reload to ``app`` when ``settings.admin_token`` is set."""
    token = settings.admin_token
    if not token:
        return
    reloader = Reloader(app)

    @app.post("/admin/reload", include_in_schema=False)
    async def reload(request: Request) -> JSONResponse:
        if not _authorised(request, token):
            body = {"error": "missing or wrong admin token", "code": UNAUTHENTICATED}
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        try:
            result = await asyncio.shield(reloader.start())
        except Exception as exc:
            return JSONResponse({"error": failure_message(exc), "code": RELOAD_FAILED}, status_code=409)
        return JSONResponse({"status": "reloaded", "triples": result.triples, "concepts": result.concepts, "seconds": result.seconds})

    _reload_on_sighup(app, reloader)
