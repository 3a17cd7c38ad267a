"""The SPARQL endpoint refuses writes and federation, and stops runaway queries (real HTTP, real worker processes)."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from ontology.store import GraphStore, StoreError
from ontology.vocabulary import Vocabulary
from service import sparql_check, sparql_guard
from service.app import create_app
from service.settings import Settings
from service.sparql_guard import SparqlError, run_user_query
from tests.service.conftest import serve

SKOS = "http://www.w3.org/2004/02/skos/core#"
ADAMW_LABEL = f"SELECT ?l WHERE {{ <https://w3id.org/nnvocab/concept/adamw> <{SKOS}prefLabel> ?l }}"
UPDATES = [
    "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }",
    f'DELETE DATA {{ <https://w3id.org/nnvocab/concept/adamw> <{SKOS}prefLabel> "AdamW" }}',
    "DELETE WHERE { ?s ?p ?o }",
    "DELETE { ?s ?p ?o } INSERT { ?s ?p 'x' } WHERE { ?s ?p ?o }",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://127.0.0.1:{port}/x>",
    "LOAD SILENT <http://127.0.0.1:{port}/x> INTO GRAPH <http://example.org/g>",
    "CLEAR ALL",
    "CLEAR DEFAULT",
    "DROP ALL",
    "DROP SILENT GRAPH <http://example.org/g>",
    "CREATE GRAPH <http://example.org/g>",
    "COPY DEFAULT TO <http://example.org/g>",
    "MOVE DEFAULT TO <http://example.org/g>",
    "ADD DEFAULT TO <http://example.org/g>",
    "PREFIX ex: <http://example.org/>\n# SELECT * WHERE { ?s ?p ?o }\nINSERT DATA { ex:a ex:b ex:c } ;\n  drop   all",
]
_SVC = "<http://127.0.0.1:{port}/sparql>"
SERVICES = [
    f"SELECT * WHERE {{ SERVICE {_SVC} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ SERVICE SILENT {_SVC} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ VALUES ?e {{ {_SVC} }} SERVICE ?e {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ ?s a ?t OPTIONAL {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ {{ ?s a ?t }} UNION {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ ?s a ?t MINUS {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} LIMIT 1 }} }}",
    f"ASK {{ FILTER EXISTS {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} }}",
    f"SELECT * WHERE {{ ?s a ?t FILTER NOT EXISTS {{ GRAPH ?g {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {{ {{ SERVICE {_SVC} {{ ?s ?p ?o }} }} }} }}",
    f"DESCRIBE ?s WHERE {{ SERVICE {_SVC} {{ ?s ?p ?o }} }}",
    f"select * where {{ sErViCe # a comment\n\t{_SVC} {{ ?s ?p ?o }} }}",
    f"SELECT * WHERE {{ \\u0053ERVICE {_SVC} {{ ?s ?p ?o }} }}",
]
GLUED = [  # pyoxigraph reads these as federated queries (no word boundary after its keywords); rdflib cannot parse them
    "SELECT * WHERE { SERVICESILENT<http://127.0.0.1:{port}/>{ ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:{port}/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . service<http://127.0.0.1:{port}/>{} }",
]
HARMLESS = {  # the keywords appear only in literals, comments, IRIs and names; FROM names a graph, it is not fetched
    'SELECT ?x WHERE { BIND("SERVICE <http://127.0.0.1:{port}/> { ?s ?p ?o }" AS ?x) }': '"value":"SERVICE <http://127.0.0.1:',
    "SELECT ?x WHERE { BIND('''LOAD <http://127.0.0.1:{port}/>\nINSERT DATA {}''' AS ?x) }": '"value":"LOAD <http://127.0.0.1:',
    "# SERVICE <http://127.0.0.1:{port}/> { ?s ?p ?o }\n# LOAD <http://127.0.0.1:{port}/x>\nASK { ?s ?p ?o }": '"boolean":true',
    "PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ex:SERVICE ?load . ?load ex:LOAD ?x }": '"bindings":[]',
    "SELECT * FROM <http://127.0.0.1:{port}/g> WHERE { ?s ?p ?o }": '"bindings":[]',
    "SELECT * FROM NAMED <http://127.0.0.1:{port}/g> WHERE { GRAPH ?g { ?s ?p ?o } }": '"bindings":[]',
}
FOREVER = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?i",
    f"SELECT ?a (COUNT(?b) AS ?n) WHERE {{ ?a (<{SKOS}related>|!<{SKOS}related>)* ?b }} GROUP BY ?a ORDER BY DESC(?n)",
]


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A socket on 127.0.0.1 that records every connection: where an outbound request would land."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    hits: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    hits.append(conn.recv(1024))
                except OSError:
                    hits.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(timeout=5)
    server.close()


@pytest.fixture(scope="module")
def slow_url(vocab: Vocabulary) -> Iterator[str]:
    """A second server around the same graph, with a 1 s query limit."""
    with serve(create_app(Settings(rate_limit_per_minute=100_000, query_timeout_s=1.0), vocab=vocab)) as url:
        yield url


@pytest.fixture(scope="module")
def roomy_url(vocab: Vocabulary) -> Iterator[str]:
    """A server that accepts long texts (128 KB) and stops a query after 1 s."""
    settings = Settings(rate_limit_per_minute=100_000, sparql_timeout_s=1.0, sparql_max_bytes=2**17)
    with serve(create_app(settings, vocab=vocab)) as url:
        yield url


def sparql(url: str, query: str, how: str = "get", **headers: str) -> httpx.Response:
    """One request to ``/sparql``: ``get``, ``form`` (``query=``), ``update-form`` (``update=``) or a raw body of type ``how``."""
    if how == "get":
        return httpx.get(f"{url}/sparql", params={"query": query}, headers=headers, timeout=30)
    if how in ("form", "update-form"):
        return httpx.post(f"{url}/sparql", data={"query" if how == "form" else "update": query}, headers=headers, timeout=30)
    return httpx.post(f"{url}/sparql", content=query.encode(), headers={"Content-Type": how, **headers}, timeout=30)


def error(response: httpx.Response) -> tuple[str, str]:
    """The error's code and message (never a stack trace)."""
    assert "Traceback" not in response.text and 'File "' not in response.text
    body: dict[str, Any] = response.json()
    return body["errors"][0]["extensions"]["code"], body["errors"][0]["message"]


def triples(url: str) -> int:
    count: int = httpx.get(f"{url}/readyz", timeout=30).json()["triples"]
    return count


def children() -> set[int]:
    """Live or zombie child processes of this (the servers') process."""
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == me:
            found.add(int(stat.parent.name))
    return found


@pytest.mark.parametrize("update", UPDATES)
def test_updates_are_refused_by_every_transport_and_change_nothing(server_url: str, listener: tuple[int, list[bytes]], update: str) -> None:
    port, hits = listener
    text = update.replace("{port}", str(port))
    before = triples(server_url)
    for how in ("get", "form", "update-form", "application/sparql-update", "application/sparql-query"):
        response = sparql(server_url, text, how)
        assert response.status_code == 400, (how, response.text)
        assert error(response) == ("BAD_USER_INPUT", sparql_check.READ_ONLY), how
    assert triples(server_url) == before
    assert httpx.get(f"{server_url}/sparql", params={"query": ADAMW_LABEL}).json()["results"]["bindings"][0]["l"]["value"] == "AdamW"
    assert hits == []


@pytest.mark.parametrize("query", SERVICES)
def test_service_is_refused_wherever_it_hides_and_nothing_goes_out(server_url: str, listener: tuple[int, list[bytes]], query: str) -> None:
    port, hits = listener
    for how in ("get", "application/sparql-query"):
        response = sparql(server_url, query.replace("{port}", str(port)), how)
        assert response.status_code == 400, response.text
        assert error(response) == ("BAD_USER_INPUT", sparql_check.NO_SERVICE)
    time.sleep(0.2)
    assert hits == []


@pytest.mark.parametrize("query", GLUED)
def test_service_glued_to_its_neighbours_is_refused_and_nothing_goes_out(
    server_url: str, listener: tuple[int, list[bytes]], query: str
) -> None:
    port, hits = listener
    response = sparql(server_url, query.replace("{port}", str(port)))
    assert response.status_code == 400 and error(response)[0] == "BAD_USER_INPUT", response.text
    time.sleep(0.2)
    assert hits == []


@pytest.mark.parametrize(("query", "expected"), HARMLESS.items())
def test_keywords_in_literals_and_comments_and_remote_from_are_harmless(
    server_url: str, listener: tuple[int, list[bytes]], query: str, expected: str
) -> None:
    port, hits = listener
    response = sparql(server_url, query.replace("{port}", str(port)))
    assert response.status_code == 200 and expected in response.text, response.text
    time.sleep(0.2)
    assert hits == []


MAX_BYTES = Settings().sparql_max_bytes


@pytest.mark.parametrize(
    ("query", "status", "expected"),
    [
        ("SELEKT * WHERE { ?s ?p ?o }", 400, ("BAD_USER_INPUT", "invalid SPARQL: Expected")),
        ("SELECT * WHERE { ?s ?p }", 400, ("BAD_USER_INPUT", "invalid SPARQL")),
        ("SELECT * WHERE { ?s undefined:p ?o }", 400, ("BAD_USER_INPUT", "invalid SPARQL")),  # rdflib parses it; oxigraph refuses it
        ("ASK " + "{ " * 30 + "}" * 30, 200, None),
        ("ASK " + "{ " * 300 + "}" * 300, 400, ("QUERY_TOO_COMPLEX", "query nested deeper than 40 levels")),
        ("ASK { FILTER(" + "(" * 41 + "1" + ")" * 41 + ") }", 400, ("QUERY_TOO_COMPLEX", "query nested deeper than 40 levels")),
        ("# only a comment", 400, ("BAD_USER_INPUT", "invalid SPARQL")),
        ("", 400, ("BAD_USER_INPUT", "missing 'query'")),
        ("ASK {}\n#" + "x" * (MAX_BYTES - 8), 200, None),
        ("ASK {}\n#" + "x" * (MAX_BYTES - 7), 413, ("QUERY_TOO_COMPLEX", f"query text over {MAX_BYTES} bytes")),
        ("ASK {}\n#" + "é" * (MAX_BYTES // 2), 413, ("QUERY_TOO_COMPLEX", f"query text over {MAX_BYTES} bytes")),  # bytes, not characters
    ],
)
def test_bad_queries_get_a_clean_4xx(server_url: str, query: str, status: int, expected: tuple[str, str] | None) -> None:
    response = sparql(server_url, query, "application/sparql-query")
    assert response.status_code == status, response.text
    if expected is None:
        assert response.json() == {"head": {}, "boolean": True}
        return
    code, message = error(response)
    assert code == expected[0] and message.startswith(expected[1]), message


def test_runaway_queries_are_killed_in_time_and_leave_nothing_running(slow_url: str) -> None:
    baseline = children()
    for query in FOREVER:
        started = time.monotonic()
        response = sparql(slow_url, query)
        elapsed = time.monotonic() - started
        assert response.status_code == 503 and error(response)[0] == "TIMEOUT", response.text
        assert elapsed < 1.0 + 2.0, (query, elapsed)
    with ThreadPoolExecutor(max_workers=4) as pool:  # more than MAX_RUNNING at once: the extra ones queue, then time out
        started = time.monotonic()
        futures = [pool.submit(sparql, slow_url, query) for query in [*FOREVER, FOREVER[0]]]
        assert httpx.get(f"{slow_url}/healthz", timeout=3.0).status_code == 200  # answered during the attack
        assert [f.result().status_code for f in futures] == [503] * 4
        assert time.monotonic() - started < 1.0 + 2.0
    for _ in range(40):  # bounded: 2 s for the last kills and reaps
        if children() <= baseline | set(sparql_guard.idle_worker_pids()):
            break
        time.sleep(0.05)
    assert children() <= baseline | set(sparql_guard.idle_worker_pids()), "a killed query worker outlived its request"
    cpu = time.process_time()
    time.sleep(2.0)
    assert time.process_time() - cpu < 0.5, "something is still burning CPU"
    assert httpx.get(f"{slow_url}/healthz").json() == {"status": "ok"}
    response = sparql(slow_url, ADAMW_LABEL, Accept="text/csv")
    assert response.status_code == 200 and response.text.splitlines() == ["l", "AdamW"]


OPTIONALS = "ASK { " + "OPTIONAL { ?s ?p ?o } " * 2_900 + "}"  # ~64 KB: rdflib's parser alone spent 7-8 s on it, before any limit
CHECKED_OPTIONALS = "# no service here\n" + OPTIONALS  # the word sends it through rdflib's parser before pyoxigraph


def test_a_parse_bomb_is_refused_by_size_before_parsing(server_url: str) -> None:
    started = time.monotonic()
    response = sparql(server_url, OPTIONALS, "application/sparql-query")
    assert response.status_code == 413 and error(response) == ("QUERY_TOO_COMPLEX", f"query text over {MAX_BYTES} bytes")
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("bomb", [OPTIONALS, CHECKED_OPTIONALS], ids=["pyoxigraph", "rdflib-then-pyoxigraph"])
def test_parsing_runs_in_a_worker_under_the_time_limit(roomy_url: str, bomb: str) -> None:
    """Let the bomb through the size check: parsing and evaluation are killed at the limit, none of it in the server's process."""
    started = time.monotonic()
    response = sparql(roomy_url, bomb, "application/sparql-query")
    assert response.status_code == 503 and error(response)[0] == "TIMEOUT", response.text
    assert time.monotonic() - started < 1.0 + 1.0
    headers = {"Content-Type": "application/sparql-query"}
    with httpx.Client(base_url=roomy_url, timeout=30) as client, ThreadPoolExecutor(max_workers=8) as pool:
        cpu = time.process_time()  # this process runs the server (the workers' time is not counted)
        started = time.monotonic()
        answers = list(pool.map(lambda _: client.post("/sparql", content=bomb, headers=headers), range(8)))
    assert [(a.status_code, error(a)[0]) for a in answers] == [(503, "TIMEOUT")] * 8
    assert time.monotonic() - started < 1.0 + 1.0
    assert time.process_time() - cpu < 1.0, "the parsing ran in the server's process"
    started = time.monotonic()
    response = sparql(roomy_url, ADAMW_LABEL, Accept="text/csv")
    assert response.text.splitlines() == ["l", "AdamW"] and time.monotonic() - started < 1.0


def test_the_check_runs_in_a_worker_for_a_remote_store_too() -> None:
    remote = _Remote((b"true", "text/csv"))
    with pytest.raises(SparqlError) as caught:
        _run(remote, OPTIONALS, timeout_s=1.0, max_bytes=2**17)
    assert (caught.value.status, caught.value.code) == (503, "TIMEOUT") and remote.calls == []


def test_output_and_memory_limits(server_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sparql_guard, "MAX_RESULT_BYTES", 10_000)
    response = sparql(server_url, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 413 and error(response)[0] == "QUERY_TOO_COMPLEX" and "LIMIT" in error(response)[1]
    monkeypatch.setattr(sparql_guard, "MEMORY_HEADROOM_BYTES", 64 * 2**20)
    started = time.monotonic()
    response = sparql(server_url, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f")
    code, message = error(response)
    assert response.status_code == 503 and code == "QUERY_TOO_COMPLEX" and message.startswith(sparql_guard.MEMORY_LIMIT), response.text
    assert time.monotonic() - started < 8.0
    assert sparql(server_url, "ASK { ?s ?p ?o }").json() == {"head": {}, "boolean": True}


def test_results_and_media_types_are_unchanged(server_url: str) -> None:
    construct = sparql(server_url, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2", Accept="application/n-triples")
    assert construct.headers["content-type"].startswith("application/n-triples") and len(construct.text.splitlines()) == 2
    describe = sparql(server_url, "DESCRIBE <https://w3id.org/nnvocab/concept/adamw>", Accept="text/csv")  # no CSV for graphs
    assert describe.headers["content-type"].startswith("text/turtle") and "AdamW" in describe.text
    xml = sparql(server_url, ADAMW_LABEL, "form", Accept="application/sparql-results+xml")
    assert xml.headers["content-type"].startswith("application/sparql-results+xml") and "<literal>AdamW</literal>" in xml.text
    tsv = sparql(server_url, "ASK { ?s ?p ?o }", Accept="text/tab-separated-values")
    assert tsv.headers["content-type"].startswith("text/tab-separated-values") and tsv.text.strip() == "true"


class _Remote:
    """A stand-in for the remote backend: answers, or raises what the real one raises."""

    def __init__(self, outcome: tuple[bytes, str] | Exception) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, str, float]] = []

    def protocol_query(self, query: str, media: str, timeout_s: float) -> tuple[bytes, str]:
        self.calls.append((query, media, timeout_s))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def _run(store: object, query: str, timeout_s: float = 5.0, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    return asyncio.run(run_user_query(store, query, "text/csv", timeout_s=timeout_s, max_bytes=max_bytes))


def test_other_stores_go_through_protocol_query_after_the_same_checks() -> None:
    remote = _Remote((b"n\r\n1\r\n", "text/csv"))
    assert _run(remote, "SELECT (1 AS ?n) {}") == (b"n\r\n1\r\n", "text/csv")
    assert remote.calls[0][:2] == ("SELECT (1 AS ?n) {}", "text/csv") and 0 < remote.calls[0][2] <= 5.0
    with pytest.raises(SparqlError, match="SERVICE"):
        _run(remote, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    assert len(remote.calls) == 1
    failures = [(_Remote(TimeoutError("slow")), 503, "TIMEOUT"), (_Remote(StoreError("refused")), 400, "BAD_USER_INPUT")]
    for store, status, code in [*failures, (object(), 501, "NOT_IMPLEMENTED")]:
        with pytest.raises(SparqlError) as caught:
            _run(store, "ASK {}")
        assert (caught.value.status, caught.value.code) == (status, code)


def test_on_disk_store_runs_in_a_worker_too(tmp_path: Path) -> None:
    store = GraphStore(tmp_path / "db")
    store.load(b"<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n", "nt")
    assert _run(store, "SELECT ?o WHERE { ?s ?p ?o }") == (b"o\r\nhttp://example.org/c\r\n", "text/csv")


class _StallsOnce(GraphStore):
    """A store whose first forked worker blocks on a lock, like a worker forked while another thread held one."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def raw_query(self, sparql: str) -> object:
        try:
            os.mkdir(self.marker)  # no descriptor needed: the worker may not open files
        except FileExistsError:
            return super().raw_query(sparql)
        lock = threading.Lock()
        lock.acquire()
        return lock.acquire()  # blocks forever


def test_a_stalled_worker_is_replaced(tmp_path: Path) -> None:
    store = _StallsOnce(tmp_path / "stalled")
    started = time.monotonic()
    assert _run(store, "ASK {}", timeout_s=5.0) == (b"true", "text/csv")
    assert (tmp_path / "stalled").is_dir() and time.monotonic() - started < 2.0


class _Broken(GraphStore):
    def raw_query(self, sparql: str) -> object:
        raise ValueError("engine bug")


def test_failures_outside_the_query_answer_503_not_500(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SparqlError) as caught:
        _run(_Broken(), "ASK {}")
    assert (caught.value.status, caught.value.code, str(caught.value)) == (503, "QUERY_FAILED", "query failed: engine bug")
    pipes: list[tuple[int, int]] = []
    real_pipe = os.pipe

    def recorded_pipe() -> tuple[int, int]:
        pipes.append(real_pipe())
        return pipes[-1]

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "pipe", recorded_pipe)
    monkeypatch.setattr(os, "fork", no_fork)
    with pytest.raises(SparqlError) as caught:
        _run(GraphStore(), "ASK {}")
    assert (caught.value.status, caught.value.code) == (503, "QUERY_FAILED") and "cannot start" in str(caught.value)
    assert len(pipes) == 2
    for fd in [*pipes[0], *pipes[1]]:  # both pipes were closed
        with pytest.raises(OSError):
            os.fstat(fd)
