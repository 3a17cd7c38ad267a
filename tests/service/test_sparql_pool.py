"""The /sparql workers: reused between queries, re-forked after a write, holding none of the server's sockets, killed on time."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Awaitable
from pathlib import Path

import pytest

from ontology.store import GraphStore
from service import sparql_guard
from service.loop_waits import Slots
from service.sparql_check import needs_full_check
from service.sparql_guard import run_user_query
from service.sparql_pool import QueryWorkerPool

ROWS = "SELECT ?o WHERE { <http://example.org/a> <http://example.org/b> ?o } ORDER BY ?o"


def _csv(store: GraphStore, query: str = ROWS) -> list[str]:
    body, media = asyncio.run(run_user_query(store, query, "text/csv", timeout_s=10.0, max_bytes=16_384))
    assert media == "text/csv"
    return body.decode().split()


def _store(*objects: str) -> GraphStore:
    store = GraphStore()
    store.load("".join(f"<http://example.org/a> <http://example.org/b> <http://example.org/{o}> .\n" for o in objects).encode(), "nt")
    return store


def test_a_worker_answers_query_after_query_and_is_reforked_after_a_write() -> None:
    store = _store("c")
    before = set(sparql_guard.idle_worker_pids())
    assert _csv(store) == ["o", "http://example.org/c"]
    (worker,) = set(sparql_guard.idle_worker_pids()) - before
    assert _csv(store) == ["o", "http://example.org/c"]
    assert _csv(store, "ASK { ?s ?p <http://example.org/c> }") == ["true"]
    assert worker in sparql_guard.idle_worker_pids()  # the same process answered all three
    store.update("INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/d> }")
    assert _csv(store) == ["o", "http://example.org/c", "http://example.org/d"]  # the new write generation is seen
    assert worker not in sparql_guard.idle_worker_pids()
    with pytest.raises(ChildProcessError):
        os.waitpid(worker, os.WNOHANG)  # killed and reaped: no zombie left


def test_a_worker_holds_no_socket_of_the_server() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listening:
        store = _store("c")
        before = set(sparql_guard.idle_worker_pids())
        _csv(store)
        (worker,) = set(sparql_guard.idle_worker_pids()) - before
        targets = [os.readlink(link) for link in Path(f"/proc/{worker}/fd").iterdir()]
        assert listening.fileno() >= 0
    assert not [t for t in targets if t.startswith("socket:")], targets
    assert len([t for t in targets if t.startswith("pipe:")]) == 2, targets  # its own two pipes only


@pytest.mark.parametrize(
    ("query", "full"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("ASK { ?s <http://example.org/serv> ?o }", False),
        ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { SERVICESILENT<http://x/>{ ?s ?p ?o } }", True),
        ("PREFIX : <http://x/> SELECT * WHERE { sErViCe:y { ?s ?p ?o } }", True),
        ("SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { \\U00000053ERVICE <http://x/> { ?s ?p ?o } }", True),
        ("SELECT * WHERE { ſervice <http://x/> { ?s ?p ?o } }", True),  # long s folds to s: errs high
        ("# a comment on the service\nASK {}", True),  # rdflib's parser then decides
    ],
)
def test_only_texts_that_cannot_spell_service_skip_the_parser_check(query: str, full: bool) -> None:
    assert needs_full_check(query) is full


def _spin(_store: object | None, _request: bytes) -> bytes:
    while True:  # busy, so never taken for a stalled worker
        pass


def _children() -> set[int]:
    """Live or zombie child processes of this process."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


async def _ticks_while(call: Awaitable[object]) -> tuple[int, BaseException | None]:
    """How often a 10 ms timer fired on the event loop while ``call`` ran, and what it raised."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        await call
    except BaseException as exc:  # the caller checks what was raised
        return ticks, exc
    finally:
        ticker.cancel()
    return ticks, None


def test_the_event_loop_waits_and_kills_the_worker_at_the_deadline() -> None:
    pool = QueryWorkerPool(_spin, 1, 1_000, prepare=lambda: None, warm_up=lambda _: None)
    before = _children()
    started = time.monotonic()
    call = pool.call(None, b"", cpu_s=30, headroom=2**30, deadline=started + 0.5)
    ticks, raised = asyncio.run(_ticks_while(call))
    assert isinstance(raised, TimeoutError) and 0.5 <= time.monotonic() - started < 1.0
    assert ticks >= 25, "the wait blocked the event loop"
    assert _children() <= before, "the worker outlived its deadline"  # killed and reaped: not even a zombie
    assert pool.idle_pids() == []


def test_a_cancelled_request_kills_its_worker() -> None:
    pool = QueryWorkerPool(_spin, 1, 1_000, prepare=lambda: None, warm_up=lambda _: None)
    before = _children()

    async def cancel_soon() -> None:
        task = asyncio.create_task(pool.call(None, b"", cpu_s=30, headroom=2**30, deadline=time.monotonic() + 30))
        await asyncio.sleep(0.3)
        assert len(_children() - before) == 1  # the worker is busy
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_soon())
    assert _children() <= before and pool.idle_pids() == []


def test_slots_are_shared_across_event_loops_and_waiters_give_up_at_their_deadline() -> None:
    slots = Slots(1)
    held, handed_over = threading.Event(), threading.Event()

    async def hold_then_release() -> None:
        await slots.acquire(time.monotonic() + 1)
        held.set()
        await asyncio.sleep(0.2)
        slots.release()

    async def wait_for_turn() -> None:
        held.wait()
        with pytest.raises(TimeoutError):  # queued behind the holder, past its deadline
            await slots.acquire(time.monotonic() + 0.05)
        started = time.monotonic()
        await slots.acquire(time.monotonic() + 5)  # handed over by the other thread's loop on release
        assert time.monotonic() - started < 0.3
        handed_over.set()
        slots.release()

    holder = threading.Thread(target=asyncio.run, args=(hold_then_release(),))
    holder.start()
    asyncio.run(wait_for_turn())
    holder.join()
    assert handed_over.is_set()
    asyncio.run(slots.acquire(time.monotonic()))  # no slot was lost: one is free at once


def test_a_worker_warms_up_once_after_its_first_answer(tmp_path: Path) -> None:
    marks = tmp_path / "warm-ups"
    marks.mkdir()

    def warm_up(_store: object | None) -> None:
        busy_until = time.monotonic() + 0.5
        while time.monotonic() < busy_until:  # busy: a sleeping worker would be taken for a stalled one
            pass
        (marks / str(time.monotonic_ns())).mkdir()  # no descriptor needed: the worker may not open files

    pool = QueryWorkerPool(lambda _store, request: request, 1, 1_000, prepare=lambda: None, warm_up=warm_up)
    started = time.monotonic()
    assert asyncio.run(pool.call(None, b"first", cpu_s=5, headroom=2**30, deadline=started + 5)) == b"first"
    assert time.monotonic() - started < 0.5 and not any(marks.iterdir())  # answered before the warm-up
    assert asyncio.run(pool.call(None, b"second", cpu_s=5, headroom=2**30, deadline=time.monotonic() + 5)) == b"second"
    assert asyncio.run(pool.call(None, b"third", cpu_s=5, headroom=2**30, deadline=time.monotonic() + 5)) == b"third"
    assert len(list(marks.iterdir())) == 1
