"""The /sparql workers: reused between queries, re-forked after a write, holding none of the server's sockets."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from ontology.store import GraphStore
from service import sparql_guard
from service.sparql_check import needs_full_check
from service.sparql_guard import run_user_query

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
