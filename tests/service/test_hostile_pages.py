"""Hostile page names and SPARQL texts against a real ``nnvocab serve``: refused fast, never a 5xx, never the graph.

One test per defect of issue #17 (part A). The page routes used to format the name into a CONSTRUCT
query: ``>``/``}``/``#`` returned the whole graph, a cartesian pattern held the CPU past its 503,
CRLF, NUL and ``"}`` gave 500. ``/sparql`` parsed the text (seconds for thousands of ``OPTIONAL``)
in the server's own process, before its time limit applied. Each test checks the status, that the
answer is small and names no other node, and that the server is healthy and idle afterwards
(its own CPU time, from ``/proc``, grows by under 0.5 s in one second).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

import httpx
import pytest

from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.settings import Settings
from tests.conftest import free_port, stop, wait_until
from tests.service.conftest import serve

ROUTES = ("concept", "paper", "model")
ACCEPTS = ("application/json", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml", "text/html", "*/*")
IRI_BREAKING = ["adamw>", "<adamw", 'adamw"', "adamw{}", "adamw\\", "adam w", "adamw#pairing-transformer", "a>b<c", "x{y}z"]
INJECTIONS = [
    "adamw> ?s ?p ?o . ?a ?b ?c } #",
    "adamw> ?x ?y . ?s ?p ?o } #",
    "x> . ?s ?p ?o } UNION { ?s ?p ?o } #",
    "adamw> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } #",
]
CARTESIAN = [
    "x> ?a ?b . ?c ?d ?e . ?f ?g ?h . ?i ?j ?k . ?s ?p ?o } #",
    "x> ?a ?b . ?c ?d ?e . ?f ?g ?h } ORDER BY ?a ?e ?h #",
    "x> (<http://x/p>|!<http://x/p>)* ?b . ?b ?c ?d } #",
]
CONTROL = ["\r\nSet-Cookie:x=1", "adamw\r\nX-Forged: 1", "\x00", "adamw\x00", '"}', 'adamw"} #', "\x1b[31mred", "%00", "%zz"]
OPTIONALS = "ASK { " + "OPTIONAL { ?s ?p ?o } " * 2900 + "}"  # ~64 KB: rdflib's parser alone spent 7-8 s on it
CPU_IDLE_S = 0.5


class Served(NamedTuple):
    """The server under test."""

    url: str
    pid: int
    log: Path
    client: httpx.Client  # kept-alive connections: the requests measure the server, not TCP set-up


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``nnvocab serve`` on a free port (rate limit out of the way), its pid, its stderr file and a client."""
    port = free_port()
    env = {**os.environ, "NNV_RATE_LIMIT_PER_MINUTE": "10000000", "NNV_PORT": str(port)}
    for name in ("NNV_STORE", "NNV_STORE_PATH", "NNV_SPARQL_MAX_BYTES", "NNV_SPARQL_TIMEOUT_S", "NNV_QUERY_TIMEOUT_S"):
        env.pop(name, None)
    log = tmp_path_factory.mktemp("hostile") / "stderr.txt"
    nnvocab = Path(sys.executable).with_name("nnvocab")
    with log.open("wb") as stderr:
        process = subprocess.Popen([str(nnvocab), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/readyz", timeout=1).status_code == 200, "nnvocab serve", attempts=600)
        with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as client:
            yield Served(url, process.pid, log, client)
    finally:
        stop(process)
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text, text[-2000:]


def cpu_s(pid: int) -> float:
    """The process's own user + system CPU time (children not included)."""
    stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def assert_healthy_and_idle(url: str, pid: int) -> None:
    """/healthz answers at once, and the server burns under CPU_IDLE_S of CPU over the next second."""
    started = time.monotonic()
    assert httpx.get(f"{url}/healthz", timeout=5).json() == {"status": "ok"}
    assert time.monotonic() - started < 1.0
    before = cpu_s(pid)
    time.sleep(1.0)
    assert cpu_s(pid) - before < CPU_IDLE_S, "the server is still computing"


def page(server: Served, route: str, name: str, accept: str = "application/json") -> httpx.Response:
    """GET ``/{route}/{name}``, the name percent-encoded whole (``/`` too)."""
    return server.client.get(f"/{route}/{quote(name, safe='')}", headers={"Accept": accept})


def assert_refused(response: httpx.Response, status: int = 404) -> None:
    """The status, and a small answer that is not the graph: no node's IRI, no stack trace."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert len(response.content) < 2_000, len(response.content)
    assert "w3id.org/nnvocab" not in response.text and "Traceback" not in response.text
    assert response.headers["content-type"] == "application/json"


def test_iri_breaking_characters_name_nothing(served: Served) -> None:
    url, pid = served.url, served.pid
    for name in IRI_BREAKING:
        for route in ROUTES:
            for accept in ACCEPTS:
                assert_refused(page(served, route, name, accept))
    assert_healthy_and_idle(url, pid)


def test_pattern_injection_does_not_return_the_graph(served: Served) -> None:
    url, pid = served.url, served.pid
    for name in INJECTIONS:
        for route in ROUTES:
            for accept in ("text/turtle", "application/n-triples", "application/json"):
                response = page(served, route, name, accept)
                assert_refused(response)
                if "/" not in name:  # else no route matches at all
                    assert response.json()["detail"] == f"no {route} '{name}'"
    assert page(served, "concept", "adamw", "application/n-triples").text.count("\n") < 500  # one node's description, not 30,000 triples
    assert_healthy_and_idle(url, pid)


def test_cartesian_patterns_cost_nothing(served: Served) -> None:
    url, pid = served.url, served.pid
    before = cpu_s(pid)
    for name in CARTESIAN:
        for route in ROUTES:
            started = time.monotonic()
            assert_refused(page(served, route, name, "text/turtle"))
            assert time.monotonic() - started < 1.0
    assert cpu_s(pid) - before < CPU_IDLE_S
    assert_healthy_and_idle(url, pid)


def test_crlf_nul_and_quotes_answer_404_and_forge_no_log_line(served: Served) -> None:
    url, pid, log = served.url, served.pid, served.log
    for name in CONTROL:
        for route in ROUTES:
            for accept in ("application/json", "text/html", "text/turtle"):
                response = page(served, route, name, accept)
                assert_refused(response)
                assert "set-cookie" not in response.headers and "x-forged" not in response.headers
    assert httpx.get(f"{url}/model/%0d%0aSet-Cookie:x=1", timeout=5).status_code == 404  # the issue's own URL, as sent
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert not [line for line in lines if line.startswith(("Set-Cookie", "X-Forged"))]
    assert_healthy_and_idle(url, pid)


def test_oversized_and_deep_names(served: Served) -> None:
    url, pid = served.url, served.pid
    for route in ROUTES:
        assert_refused(page(served, route, "a" * 10_000), status=414)
        assert_refused(page(served, route, "x> " + "{ " * 3_000), status=414)
        assert_refused(page(served, route, "{[(" * 60))  # deep, but under the length limit: unknown
        assert_refused(page(served, route, "a" * 200))
    assert_healthy_and_idle(url, pid)


def test_real_pages_still_answer(served: Served) -> None:
    url, pid = served.url, served.pid
    concept = httpx.get(f"{url}/concept/adamw", timeout=10)
    assert concept.status_code == 200 and concept.json()["name"] == "AdamW" and concept.json()["hyperparameters"]
    turtle = httpx.get(f"{url}/paper/ainslie2023-gqa", headers={"Accept": "text/turtle"}, timeout=10)
    assert turtle.status_code == 200 and "Ainslie" in turtle.text
    assert httpx.get(f"{url}/model/mistral-7b", timeout=10).json()["name"] == "Mistral 7B"
    assert_healthy_and_idle(url, pid)


def test_parallel_hostile_pages_leave_the_server_responsive(served: Served) -> None:
    url, pid = served.url, served.pid
    names = [*INJECTIONS, *CARTESIAN, *CONTROL, "a" * 10_000]
    requests = [(ROUTES[i % 3], names[i % len(names)]) for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda request: page(served, *request).status_code, requests))
    assert set(answers) <= {404, 414} and 404 in answers
    started = time.monotonic()
    response = httpx.get(f"{url}/concept/grouped-query-attention", timeout=5)
    assert response.status_code == 200 and time.monotonic() - started < 1.0
    assert_healthy_and_idle(url, pid)


def test_sparql_parse_bomb_is_refused_before_parsing(served: Served) -> None:
    url, pid = served.url, served.pid
    started = time.monotonic()
    response = httpx.post(f"{url}/sparql", content=OPTIONALS, headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert time.monotonic() - started < 1.0
    assert_healthy_and_idle(url, pid)


STOPPED = {(503, "TIMEOUT"), (503, "QUERY_TOO_COMPLEX")}  # the deadline, or the memory cap ("query exceeded the memory limit")


def test_sparql_parsing_runs_under_the_time_limit_and_outside_the_server(served: Served) -> None:
    """Under the size limit, the parse still costs seconds: it runs in the killed-at-the-deadline child."""
    url, pid = served.url, served.pid
    limit = Settings().sparql_max_bytes
    bomb = "ASK { " + "OPTIONAL { ?s ?p ?o } " * ((limit - 8) // 22) + "}"
    assert len(bomb) <= limit
    timeout_s = min(Settings().sparql_timeout_s, Settings().query_timeout_s)
    headers = {"Content-Type": "application/sparql-query"}
    started = time.monotonic()
    alone = served.client.post("/sparql", content=bomb, headers=headers)
    # stopped at the deadline, or earlier by the child's memory cap (744 OPTIONALs over the graph): both 503, never a parse in the server
    assert (alone.status_code, alone.json()["errors"][0]["extensions"]["code"]) in STOPPED
    assert time.monotonic() - started < timeout_s + 1.0
    before = cpu_s(pid)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: served.client.post("/sparql", content=bomb, headers=headers), range(8)))
    assert time.monotonic() - started < timeout_s + 2.0  # the 6 that queue behind the first 2 time out when their turn comes
    assert {(a.status_code, a.json()["errors"][0]["extensions"]["code"]) for a in answers} <= STOPPED
    assert cpu_s(pid) - before < CPU_IDLE_S * 2, "the parsing ran in the server's process"
    started = time.monotonic()
    simple = httpx.get(f"{url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=5)
    assert simple.json() == {"head": {}, "boolean": True} and time.monotonic() - started < 1.0
    assert_healthy_and_idle(url, pid)


def test_page_routes_are_rate_limited(vocab: Vocabulary) -> None:
    with serve(create_app(Settings(rate_limit_per_minute=5), vocab=vocab)) as url:
        assert [httpx.get(f"{url}/concept/adamw", timeout=30).status_code for _ in range(7)] == [200] * 5 + [429] * 2
        for path in ("/concept/no-such-thing", "/paper/ainslie2023-gqa", "/model/mistral-7b", "/export?format=nt"):
            response = httpx.get(f"{url}{path}", timeout=30)  # one bucket per client, empty now
            assert response.status_code == 429 and response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED", path
        assert httpx.get(f"{url}/healthz", timeout=5).status_code == 200  # not limited
