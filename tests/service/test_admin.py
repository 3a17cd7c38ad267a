"""``POST /admin/reload``, SIGHUP and ``nnvocab reload``: atomic swaps, refusals, failures that keep the old graph."""

from __future__ import annotations

import itertools
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import RDF, SKOS
from rdflib.compare import isomorphic
from typer.testing import CliRunner

import service.admin
from loaders.builtin import load_builtin
from ontology.namespaces import CONCEPT, NNV
from ontology.remote_store import RemoteStore
from ontology.resources import CURATED_DIR
from ontology.store import STAGING, GraphStore, TripleStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.cli import app as cli
from service.settings import Settings
from tests.conftest import free_port, fresh_builtin, stop
from tests.service.conftest import serve
from tests.service.test_integrity_cli import nnvocab_env, run_nnvocab

TOKEN = "s3cret-admin-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EXTRA = 25  # concepts the alternative graph adds, 5 triples each
READ = '{ stats { concepts triples } concepts(first: 1) { totalCount } node(id: "extra-concept-0") { ... on Concept { name } } }'
COUNTS = (
    "PREFIX nnv: <https://w3id.org/nnvocab/ontology#> SELECT ?t ?c WHERE { { SELECT (COUNT(*) AS ?t) WHERE { ?s ?p ?o } } "
    "{ SELECT (COUNT(DISTINCT ?x) AS ?c) WHERE { ?x a nnv:Concept } } }"
)
Answer = tuple[Any, ...]


def admin_settings() -> Settings:
    return Settings(admin_token=TOKEN, rate_limit_per_minute=1_000_000, query_timeout_s=300)


def read(client: httpx.Client, url: str) -> Answer:
    """One GraphQL request whose fields all come from the request's graph."""
    response = client.post(f"{url}/graphql", json={"query": READ}, timeout=30)
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    data = body["data"]
    node = data["node"]
    return data["stats"]["concepts"], data["stats"]["triples"], data["concepts"]["totalCount"], node and node["name"]


def sparql_counts(client: httpx.Client, url: str) -> Answer:
    """Triples and concepts, from one SPARQL query (one store snapshot)."""
    response = client.get(f"{url}/sparql", params={"query": COUNTS}, timeout=30)
    assert response.status_code == 200, response.text
    row = response.json()["results"]["bindings"][0]
    return int(row["t"]["value"]), int(row["c"]["value"])


def extra_concepts(kind: str, status: str) -> str:
    """``EXTRA`` minimal concepts (type, name, definition, kind, status) as N-Triples."""
    lines = []
    for i in range(EXTRA):
        iri = f"<{CONCEPT[f'extra-concept-{i}']}>"
        lines += [
            f"{iri} <{RDF.type}> <{NNV.Concept}> .",
            f'{iri} <{SKOS.prefLabel}> "Extra concept {i}" .',
            f'{iri} <{SKOS.definition}> "An extra concept." .',
            f"{iri} <{NNV.kind}> <{kind}> .",
            f"{iri} <{NNV.status}> <{status}> .",
        ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def extended_store(builtin_store: GraphStore) -> GraphStore:
    """The built-in graph plus ``EXTRA`` concepts: what a changed curated folder could rebuild into."""
    row = builtin_store.select("SELECT ?k ?s WHERE { concept:adamw nnv:kind ?k ; nnv:status ?s }")[0]
    store = GraphStore()
    store.load(builtin_store.dump("nt") + extra_concepts(str(row["k"]), str(row["s"])).encode(), "nt")
    assert len(store) == len(builtin_store) + 5 * EXTRA
    return store


@pytest.fixture
def admin_app() -> FastAPI:
    return create_app(admin_settings(), vocab=Vocabulary(fresh_builtin()))


@pytest.fixture
def admin_url(admin_app: FastAPI) -> Iterator[str]:
    with serve(admin_app) as url:
        yield url


def test_reload_route_is_absent_without_an_admin_token(vocab: Vocabulary) -> None:
    client = TestClient(create_app(Settings(admin_token=None), vocab=vocab))
    assert client.post("/admin/reload", headers=AUTH).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer", TOKEN])
def test_reload_refuses_a_missing_or_wrong_token(admin_app: FastAPI, header: str | None) -> None:
    before = admin_app.state.vocab
    response = TestClient(admin_app).post("/admin/reload", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.json() == {"error": "missing or wrong admin token", "code": "UNAUTHENTICATED"}
    assert response.headers["www-authenticate"] == "Bearer"
    assert admin_app.state.vocab is before


def test_reload_swaps_the_vocabulary_and_changes_nothing_visible(admin_app: FastAPI, admin_url: str) -> None:
    before = admin_app.state.vocab
    with httpx.Client() as client:
        answer_before = read(client, admin_url)
        response = client.post(f"{admin_url}/admin/reload", headers=AUTH, timeout=120)
        answer_after = read(client, admin_url)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "reloaded"
    assert (body["concepts"], body["triples"]) == answer_before[:2] == (answer_before[2], len(before.store))
    assert 0 < body["seconds"] < 120
    after = admin_app.state.vocab
    assert after is not before and after.store is not before.store
    assert answer_after == answer_before
    assert isomorphic(after.store.to_rdflib(), before.store.to_rdflib())


def _hammer(reader: Any, url: str, stop: threading.Event, seen: list[Answer], failures: list[str], pause: float) -> None:
    with httpx.Client() as client:
        deadline = time.monotonic() + 300  # bounded even if the main thread never sets ``stop``
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                seen.append(reader(client, url))
            except Exception as exc:  # every failure is recorded and fails the test
                failures.append(repr(exc))
            stop.wait(pause)


def _reload_while_reading(url: str, reader: Any, reloads: int, pause: float = 0.0) -> tuple[list[Answer], list[dict[str, Any]], list[str]]:
    """Three reader threads (``pause`` s between reads) during ``reloads`` sequential reloads; return answers, reload bodies, failures."""
    stop = threading.Event()
    seen: list[Answer] = []
    failures: list[str] = []
    readers = [threading.Thread(target=_hammer, args=(reader, url, stop, seen, failures, pause)) for _ in range(3)]
    for thread in readers:
        thread.start()
    bodies = []
    try:
        with httpx.Client() as client:
            for _ in range(reloads):
                time.sleep(0.5)
                response = client.post(f"{url}/admin/reload", headers=AUTH, timeout=300)
                assert response.status_code == 200, response.text
                bodies.append(response.json())
            time.sleep(0.3)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)
    return seen, bodies, failures


def _assert_old_or_new(seen: list[Answer], failures: list[str], old: Answer, new: Answer, label: str) -> None:
    assert failures == []
    mixed = [answer for answer in seen if answer not in (old, new)]
    assert mixed == [], f"{len(mixed)} of {len(seen)} reads mixed the graphs"
    assert seen.count(old) > 0 and seen.count(new) > 0
    print(f"{label}: {len(seen)} reads ({seen.count(old)} old, {seen.count(new)} new), 0 mixed, 0 errors")


def test_reads_during_reloads_see_the_old_or_the_new_graph_never_a_mix(
    admin_app: FastAPI, admin_url: str, builtin_store: GraphStore, extended_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = itertools.cycle([extended_store, builtin_store])
    monkeypatch.setattr(service.admin, "build_builtin_store", lambda: next(stores))
    with httpx.Client() as client:
        old = read(client, admin_url)
    concepts, triples = old[0], len(builtin_store)
    new = (concepts + EXTRA, triples + 5 * EXTRA, concepts + EXTRA, "Extra concept 0")
    assert old == (concepts, triples, concepts, None)

    seen, bodies, failures = _reload_while_reading(admin_url, read, reloads=8)

    assert [(b["concepts"], b["triples"]) for b in bodies] == [new[:2], old[:2]] * 4
    _assert_old_or_new(seen, failures, old, new, f"in memory, reloads of {[b['seconds'] for b in bodies]} s")


@pytest.fixture(params=["on-disk", "remote"])
def persistent_store(request: pytest.FixtureRequest, tmp_path: Path, builtin_store: GraphStore) -> Iterator[TripleStore]:
    """The built-in graph in an on-disk store, or in the session's Oxigraph server (restored afterwards)."""
    store = GraphStore(tmp_path / "db") if request.param == "on-disk" else RemoteStore(request.getfixturevalue("oxigraph_url"))
    store.load(builtin_store.dump("nt"), "nt", replace=True)
    yield store
    if isinstance(store, RemoteStore):
        store.load(builtin_store.dump("nt"), "nt", replace=True)
        store.close()


def test_persistent_store_is_replaced_in_place_and_each_query_sees_one_graph(
    persistent_store: TripleStore, builtin_store: GraphStore, extended_store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(admin_settings(), vocab=Vocabulary(persistent_store))
    stores = itertools.cycle([extended_store, builtin_store])
    monkeypatch.setattr(service.admin, "build_builtin_store", lambda: next(stores))
    with serve(app) as url, httpx.Client() as client:
        old = sparql_counts(client, url)
        new = (old[0] + 5 * EXTRA, old[1] + EXTRA)
        seen, bodies, failures = _reload_while_reading(url, sparql_counts, reloads=2, pause=0.2)
    assert [(b["triples"], b["concepts"]) for b in bodies] == [new, old]
    assert app.state.vocab.store is persistent_store
    assert not [g for g in persistent_store.named_graphs() if g.startswith(STAGING)]
    _assert_old_or_new(seen, failures, old, new, f"{type(persistent_store).__name__}, reloads of {[b['seconds'] for b in bodies]} s")


def _broken_curated_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, folder)
    pooling = folder / "pooling.yaml"
    pooling.write_text(pooling.read_text(encoding="utf-8").replace("kind: LAYER", "kind: NOT_A_KIND", 1), encoding="utf-8")
    return folder


def _raise(message: str) -> GraphStore:
    raise RuntimeError(message)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("raises", "unexpected RuntimeError while rebuilding the graph (see the server log)"),
        ("empty", "the rebuilt graph has 0 triples and 0 concepts; keeping the old graph"),
        ("invalid-curated-file", "pooling.yaml:6: concepts.0.kind: Input should be"),
    ],
)
def test_failed_reload_keeps_the_old_graph(
    admin_app: FastAPI, admin_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, message: str
) -> None:
    if fault == "raises":
        monkeypatch.setattr(service.admin, "build_builtin_store", partial(_raise, "boom at /secret/path"))
    elif fault == "empty":
        monkeypatch.setattr(service.admin, "build_builtin_store", GraphStore)
    else:
        monkeypatch.setattr(service.admin, "load_builtin", partial(load_builtin, curated_dir=_broken_curated_copy(tmp_path)))
    before = admin_app.state.vocab
    with httpx.Client() as client:
        answer_before = read(client, admin_url)
        response = client.post(f"{admin_url}/admin/reload", headers=AUTH, timeout=120)
        answer_after = read(client, admin_url)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "RELOAD_FAILED" and set(body) == {"error", "code"}
    assert message in body["error"]
    assert "Traceback" not in response.text and "secret" not in response.text
    assert admin_app.state.vocab is before
    assert answer_after == answer_before


def test_cli_reload_reports_success_and_every_failure(admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.delenv("NNV_ADMIN_TOKEN", raising=False)
    ok = runner.invoke(cli, ["reload", "--url", admin_url, "--token", TOKEN])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("reloaded ") and " triples, " in ok.output
    monkeypatch.setenv("NNV_ADMIN_TOKEN", "wrong")
    refused = runner.invoke(cli, ["reload", "--url", admin_url])
    assert (refused.exit_code, refused.stderr.strip()) == (1, f"error: {admin_url} refused the admin token")
    dead = f"http://127.0.0.1:{free_port()}"
    unreachable = runner.invoke(cli, ["reload", "--url", dead, "--token", TOKEN])
    assert unreachable.exit_code == 1 and unreachable.stderr.startswith(f"error: cannot reach {dead}")
    monkeypatch.setattr(service.admin, "build_builtin_store", GraphStore)
    failed = runner.invoke(cli, ["reload", "--url", admin_url, "--token", TOKEN])
    assert failed.exit_code == 1 and "reload failed, the server keeps its old graph: the rebuilt graph has 0" in failed.stderr
    assert all(isinstance(r.exception, SystemExit) for r in (refused, unreachable, failed))


def _ready_triples(url: str, want: int | None, seconds: float) -> int | None:
    """Poll ``/readyz`` (bounded) until it reports ``want`` triples (any count when ``want`` is None)."""
    deadline = time.monotonic() + seconds
    triples = None
    while time.monotonic() < deadline:
        try:
            body = httpx.get(f"{url}/readyz", timeout=2).json()
            triples = body.get("triples")
            if triples is not None and want in (None, triples):
                return int(triples)
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return triples


def test_sighup_reloads_a_served_process(tmp_path: Path) -> None:
    # an on-disk reload can outlast the default 10 s request limit on a busy machine
    env = nnvocab_env(NNV_STORE_PATH=str(tmp_path / "db"), NNV_ADMIN_TOKEN=TOKEN, NNV_QUERY_TIMEOUT_S="300")
    extra = tmp_path / "extra.nt"
    extra.write_text("".join(f"<urn:x:s{i}> <urn:x:p> <urn:x:o{i}> .\n" for i in range(40)), encoding="utf-8")
    built = run_nnvocab(env, "build", "--no-vectors")
    assert built.returncode == 0, built.stderr
    assert run_nnvocab(env, "load", str(extra)).returncode == 0
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        with_extra = _ready_triples(url, None, 90)
        assert with_extra is not None, "server did not become ready"
        server.send_signal(signal.SIGHUP)
        assert _ready_triples(url, with_extra - 40, 90) == with_extra - 40
        assert server.poll() is None
        reloaded = run_nnvocab(env, "reload", "--url", url)
        assert reloaded.returncode == 0 and f"reloaded {with_extra - 40} triples" in reloaded.stdout
    finally:
        stderr = stop(server)
    assert "Traceback" not in stderr
