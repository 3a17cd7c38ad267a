"""Rate limits, body limits, time limits, error bodies, security headers and batched store reads."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.middleware import MAX_BODY_BYTES, GuardMiddleware
from service.settings import Settings


def test_rate_limit_answers_429_with_the_contract_code(vocab: Vocabulary) -> None:
    client = TestClient(create_app(Settings(rate_limit_per_minute=3), vocab=vocab))
    codes = [client.post("/graphql", json={"query": "{ stats { triples } }"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    body = client.post("/graphql", json={"query": "{ stats { triples } }"}).json()
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert client.get("/healthz").status_code == 200


def test_body_limit_and_html_security_headers(vocab: Vocabulary) -> None:
    client = TestClient(create_app(Settings(), vocab=vocab))
    huge = client.post("/graphql", content=b"{" + b" " * 2_000_000 + b"}", headers={"content-type": "application/json"})
    assert huge.status_code == 413 and huge.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    page = client.get("/")
    assert page.headers["x-content-type-options"] == "nosniff" and "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cross-origin-opener-policy"] == "same-origin" and page.headers["x-frame-options"] == "DENY"
    assert client.post("/graphql", json={"query": "{ stats { triples } }"}).headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in client.get("/healthz", headers={"Origin": "http://evil.example"}).headers


def test_no_n_plus_one(vocab: Vocabulary, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    calls = []
    original = GraphStore.select

    def counting(self, sparql, prefixes=True):  # type: ignore[no-untyped-def]
        calls.append(sparql)
        return original(self, sparql, prefixes)

    monkeypatch.setattr(GraphStore, "select", counting)
    client = TestClient(create_app(Settings(), vocab=vocab))
    query = "{ concepts(first: 100) { nodes { id papers { title authors } models { name } pairsWith { concept { name } } } } }"
    body = client.post("/graphql", json={"query": query}).json()
    assert len(body["data"]["concepts"]["nodes"]) == 100
    assert len(calls) <= 40, f"{len(calls)} store queries for 100 concepts"


def _chunks(total: int, size: int = 65_536) -> Iterator[bytes]:
    yield b'{"query": "{ stats { triples } }"'
    for start in range(0, total, size):
        yield b" " * min(size, total - start)
    yield b"}"


@pytest.mark.parametrize(("padding", "status"), [(900_000, 200), (2_000_000, 413), (50_000_000, 413)])
def test_chunked_body_is_counted_as_it_streams(server_url: str, padding: int, status: int) -> None:
    start = time.monotonic()
    response = httpx.post(f"{server_url}/graphql", content=_chunks(padding), headers={"content-type": "application/json"}, timeout=30)
    assert response.request.headers["transfer-encoding"] == "chunked" and "content-length" not in response.request.headers
    assert response.status_code == status, response.text[:300]
    if status == 413:  # refused once 1 MB has arrived, not after 50 MB
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert time.monotonic() - start < 10
    else:
        assert response.json() == {"data": {"stats": {"triples": ANY}}}


async def _drive(app: ASGIApp, body: list[bytes], path: str = "/graphql") -> list[Message]:
    """Run ``app`` on one POST whose body arrives in ``body``'s chunks; the messages it sends."""
    chunks = [{"type": "http.request", "body": chunk, "more_body": i < len(body) - 1} for i, chunk in enumerate(body)]
    sent: list[Message] = []

    async def receive() -> Message:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "headers": [], "client": ("127.0.0.1", 1)}
    await app(scope, receive, send)
    return sent


def _answer(sent: list[Message]) -> tuple[int, dict[str, Any]]:
    return sent[0]["status"], json.loads(b"".join(m.get("body", b"") for m in sent[1:]))


def test_asgi_chunked_body_stops_at_the_limit() -> None:
    seen: list[int] = []

    async def reader(scope: Scope, receive: Receive, send: Send) -> None:
        while (message := await receive())["more_body"]:
            seen.append(len(message["body"]))
        pytest.fail("read past the limit")

    status, body = _answer(asyncio.run(_drive(GuardMiddleware(reader, Settings()), [b"x" * 300_000] * 10)))
    assert status == 413 and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert sum(seen) <= MAX_BODY_BYTES


def test_asgi_time_limit_is_for_the_first_byte() -> None:
    async def stuck(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(30)

    async def slow_download(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await asyncio.sleep(0.5)
        await send({"type": "http.response.body", "body": b"done"})

    start = time.monotonic()
    status, body = _answer(asyncio.run(_drive(GuardMiddleware(stuck, Settings(query_timeout_s=0.2)), [b""])))
    assert status == 503 and body["errors"][0]["extensions"]["code"] == "TIMEOUT" and time.monotonic() - start < 5
    sent = asyncio.run(_drive(GuardMiddleware(slow_download, Settings(query_timeout_s=0.2)), [b""]))
    assert sent[0]["status"] == 200 and sent[-1]["body"] == b"done"


def test_asgi_errors_never_leak_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("secret internals")

    async def plain_refusal(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": b"Unsupported content type"})

    status, body = _answer(asyncio.run(_drive(GuardMiddleware(broken, Settings()), [b""])))
    assert status == 500 and body == {"data": None, "errors": [{"message": "internal error"}]}
    assert "secret internals" in caplog.text  # logged for the operator, with its traceback
    status, body = _answer(asyncio.run(_drive(GuardMiddleware(plain_refusal, Settings()), [b""])))
    assert status == 400 and body["errors"] == [{"message": "Unsupported content type", "extensions": {"code": "BAD_USER_INPUT"}}]
