"""``/graphql`` ahead of the router, and start-up objects kept out of the cycle collector while serving."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient
from starlette.routing import Route

from loaders.builtin import load_builtin
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.settings import Settings

LOOKUP = {"query": '{ concept(name: "AdamW") { name } }'}


def _vocabulary() -> Vocabulary:
    store = GraphStore()
    load_builtin(store)
    return Vocabulary(store)


def test_get_and_post_reach_graphql_without_the_router_and_other_methods_still_take_it() -> None:
    app = create_app(Settings(rate_limit_per_minute=100_000), vocab=_vocabulary())
    app.router.routes[:] = [r for r in app.router.routes if not (isinstance(r, Route) and r.path == "/graphql")]
    with TestClient(app) as client:
        assert client.post("/graphql", json=LOOKUP).json() == {"data": {"concept": {"name": "AdamW"}}}
        assert client.get("/graphql", params=LOOKUP).json() == {"data": {"concept": {"name": "AdamW"}}}
        assert client.put("/graphql", json=LOOKUP).status_code == 404  # the router's answer: no route left


def test_startup_objects_are_frozen_until_a_reload_or_shutdown() -> None:
    app = create_app(Settings(rate_limit_per_minute=100_000), vocab=_vocabulary())
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 0
        assert client.post("/graphql", json=LOOKUP).status_code == 200 and gc.get_freeze_count() > 0
        app.state.vocab = _vocabulary()  # as an admin reload does
        assert client.post("/graphql", json=LOOKUP).json() == {"data": {"concept": {"name": "AdamW"}}}
        assert gc.get_freeze_count() == 0
    assert gc.get_freeze_count() == 0


def test_fastapi_telemetry_is_not_even_checked_unless_asked_for() -> None:
    off = create_app(Settings(), vocab=_vocabulary())
    on = create_app(Settings(telemetry=True), vocab=_vocabulary())
    assert [off._telemetry[k] for k in ("tracing", "metrics", "logs")] == [False, False, False]
    assert [on._telemetry[k] for k in ("tracing", "metrics", "logs")] == [True, True, True]
