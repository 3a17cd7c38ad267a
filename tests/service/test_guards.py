"""Rate limits, body limits, time limits, error bodies, security headers, batched store reads, and the server's guards.

The server-level guards (``Retry-After``, who a forwarded request counts against, slow or oversized request
heads, the concurrency cap) are tested against real ``nnvocab serve`` processes on free 127.0.0.1 ports.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.middleware import MAX_BODY_BYTES, MAX_HEAD_BYTES, GuardMiddleware
from service.settings import Settings
from tests.conftest import free_port, stop, wait_until


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
    assert status == 500 and body == {
        "data": None,
        "errors": [{"message": "internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}],
    }
    assert "secret internals" in caplog.text  # logged for the operator, with its traceback
    status, body = _answer(asyncio.run(_drive(GuardMiddleware(plain_refusal, Settings()), [b""])))
    assert status == 400 and body["errors"] == [{"message": "Unsupported content type", "extensions": {"code": "BAD_USER_INPUT"}}]


def test_every_graphql_error_has_a_code(vocab: Vocabulary, monkeypatch: pytest.MonkeyPatch) -> None:
    client = TestClient(create_app(Settings(), vocab=vocab))

    def broken(*args: Any) -> dict[str, Any]:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("service.graphql.implementations.run_instantiate", broken)
    masked = client.post("/graphql", json={"query": 'mutation { instantiate(term: "gelu") { ok } }'}).json()
    assert masked["errors"][0]["message"] == "internal error" and masked["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    # a value graphql-core itself refuses (here a null for a non-null field) is an internal error too, and says so
    monkeypatch.setattr(
        "service.graphql.implementations.run_smoke", lambda vocab, term, args=None, keep_runs=0: {"term": None, "ok": False}
    )
    refused = client.post("/graphql", json={"query": 'mutation { smokeTest(term: "gelu") { term } }'}).json()
    assert refused["errors"][0]["path"] == ["smokeTest", "term"] and refused["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}


@contextmanager
def nnvocab_serve(**env: str) -> Iterator[tuple[str, int]]:
    """A real ``nnvocab serve`` on a free 127.0.0.1 port with ``NNV_*`` ``env``; its URL and port."""
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if key not in ("NNV_STORE", "NNV_STORE_PATH")}
    nnvocab = Path(sys.executable).with_name("nnvocab")
    process = subprocess.Popen(
        [str(nnvocab), "serve", "--port", str(port)], env={**environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/readyz", timeout=1).status_code == 200, "nnvocab serve", attempts=600)
        yield url, port
    finally:
        assert b"Traceback" not in stop(process)


HEAD_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def guarded() -> Iterator[tuple[str, int]]:
    """``nnvocab serve`` with 5 requests a minute, a 1 s head timeout and at most 6 concurrent connections."""
    env = {"NNV_RATE_LIMIT_PER_MINUTE": "5", "NNV_HEADER_TIMEOUT_S": str(HEAD_TIMEOUT_S), "NNV_LIMIT_CONCURRENCY": "6"}
    with nnvocab_serve(**env) as served:
        yield served


def _stats(url: str, path: str = "/graphql", forwarded_for: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    if path == "/sparql":
        return httpx.post(f"{url}/sparql", data={"query": "ASK { ?s ?p ?o }"}, headers=headers, timeout=30)
    return httpx.post(f"{url}{path}", json={"query": "{ stats { concepts } }"}, headers=headers, timeout=30)


def test_429_says_when_to_retry_and_forwarded_for_does_not_bypass_it(guarded: tuple[str, int]) -> None:
    url, _ = guarded
    statuses = [_stats(url, forwarded_for=f"203.0.113.{i}").status_code for i in range(7)]  # each a "different client"
    assert statuses == [200] * 5 + [429] * 2  # counted against the real peer: no proxy is trusted by default
    for path in ("/graphql", "/sparql"):
        refused = _stats(url, path)
        assert refused.status_code == 429 and refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert 1 <= int(refused.headers["retry-after"]) <= 12  # 5 a minute: one token every 12 s
    assert httpx.get(f"{url}/healthz").status_code == 200


def test_a_trusted_proxy_names_the_client() -> None:
    with nnvocab_serve(NNV_RATE_LIMIT_PER_MINUTE="2", NNV_TRUSTED_PROXIES="127.0.0.1") as (url, _):
        assert [_stats(url, forwarded_for=f"203.0.113.{i // 2}").status_code for i in range(8)] == [200] * 8
        assert [_stats(url, forwarded_for="198.51.100.7").status_code for _ in range(3)] == [200, 200, 429]


def _closed_after(sock: socket.socket, trickle: bytes | None, limit_s: float = 10.0) -> float:
    """Seconds until the server closes ``sock``, sending ``trickle`` every 0.2 s meanwhile (bounded by ``limit_s``)."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < limit_s:
        try:
            if trickle:
                sock.sendall(trickle)
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except TimeoutError:
            continue
        except OSError:  # reset while sending
            return time.monotonic() - start
    pytest.fail(f"the connection was still open after {limit_s} s")


def test_slow_request_heads_are_cut_off(guarded: tuple[str, int]) -> None:
    _, port = guarded
    with socket.create_connection(("127.0.0.1", port)) as slowloris:
        slowloris.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")
        assert HEAD_TIMEOUT_S * 0.8 <= _closed_after(slowloris, b"X-Slow: 1\r\n") < HEAD_TIMEOUT_S + 2
    with socket.create_connection(("127.0.0.1", port)) as idle:
        assert _closed_after(idle, None) < HEAD_TIMEOUT_S + 2
    with socket.create_connection(("127.0.0.1", port)) as kept_alive:  # a later request on a kept-alive connection
        kept_alive.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert kept_alive.recv(4096).startswith(b"HTTP/1.1 200 ")
        kept_alive.sendall(b"GET /healthz HTTP/1.1\r\n")
        assert _closed_after(kept_alive, b"X-Slow: 1\r\n") < HEAD_TIMEOUT_S + 2


def test_oversized_request_heads_are_refused(guarded: tuple[str, int]) -> None:
    _, port = guarded
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * MAX_HEAD_BYTES + b"\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400 ")


def test_connections_are_capped(guarded: tuple[str, int]) -> None:
    url, port = guarded
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(6)]
    try:
        time.sleep(0.2)
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 503
    finally:
        for sock in idle:
            sock.close()
    wait_until(lambda: httpx.get(f"{url}/healthz", timeout=1).status_code == 200, "the server after the idle connections closed")
