"""Request guards as one pure ASGI middleware: body size, rate, time, error bodies and headers.

Breaches answer like GraphQL errors (``extensions.code``) so clients see the contract's codes, never an
HTML error page or a stack trace:

* a body over :data:`MAX_BODY_BYTES` → 413 ``BAD_USER_INPUT``: by ``Content-Length`` before the app runs,
  or, for a chunked body, as soon as the bytes streamed in so far pass the limit;
* more than ``rate_limit_per_minute`` requests from one client (:func:`client_key`: the TCP peer, unless ``nnvocab serve``
  trusts its proxy) to a path of :data:`RATE_LIMITED_PATHS` → 429 ``RATE_LIMITED`` with ``Retry-After`` (seconds until a token is free);
* no response started within ``query_timeout_s`` → 503 ``TIMEOUT``;
* a plain-text 4xx from the GraphQL endpoint (malformed body, wrong content type, GET with a mutation …)
  → the same status with a JSON body and ``BAD_USER_INPUT``;
* an exception before the response started → 500 ``INTERNAL_SERVER_ERROR`` (logged with its traceback, never sent).

Every response gets ``X-Content-Type-Options: nosniff``; HTML responses get all of :data:`SECURITY_HEADERS`.
No CORS header is ever added, so browsers keep cross-origin reads closed.

:class:`HeadGuardProtocol` guards below ASGI, in the HTTP protocol that ``nnvocab serve`` gives uvicorn:
a request's line and headers must arrive within ``header_timeout_s`` and hold at most :data:`MAX_HEAD_BYTES`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from service.graphql.errors import BAD_USER_INPUT, INTERNAL_SERVER_ERROR, RATE_LIMITED, TIMEOUT
from service.settings import Settings

MAX_BODY_BYTES = 1_000_000
MAX_HEAD_BYTES = 65_536  # request line and headers: `nnvocab serve` passes it as uvicorn's h11 bound, which HeadGuardProtocol applies
# path prefixes under the per-client request limit: the API and every route that reads the graph
RATE_LIMITED_PATHS: tuple[str, ...] = ("/graphql", "/sparql", "/concept/", "/paper/", "/model/", "/export")
MAX_ERROR_TEXT = 300  # characters of a plain-text error kept in its JSON form
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}
logger = logging.getLogger(__name__)


@dataclass
class TokenBucket:
    """Per-client token buckets holding up to ``rate_per_minute`` tokens, refilled continuously at that rate per minute."""

    rate_per_minute: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, client: str, cost: int = 1, now: float | None = None) -> int:
        """Take ``cost`` tokens for ``client``: 0 when taken, else the whole seconds until they are there (none taken).

        A cost over the bucket's size can never be paid: the wait is then a full minute.
        """
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(client, (float(self.rate_per_minute), now))
        tokens = min(float(self.rate_per_minute), tokens + (now - last) * self.rate_per_minute / 60.0)
        if tokens < cost:
            self.buckets[client] = (tokens, now)
            return 60 if cost > self.rate_per_minute else max(1, math.ceil((cost - tokens) * 60.0 / self.rate_per_minute))
        self.buckets[client] = (tokens - cost, now)
        if len(self.buckets) > 10_000:
            self.buckets.clear()
        return 0


class _BodyTooLargeError(Exception):
    """The request body passed :data:`MAX_BODY_BYTES` while it streamed in."""


def _error_messages(status: int, code: str, message: str, retry_after: int | None = None) -> tuple[Message, Message]:
    error = {"message": message, "extensions": {"code": code}}
    body = json.dumps({"data": None, "errors": [error]}, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), (b"x-content-type-options", b"nosniff")]
    if retry_after is not None:
        headers.append((b"retry-after", b"%d" % retry_after))
    return {"type": "http.response.start", "status": status, "headers": headers}, {"type": "http.response.body", "body": body}


async def _send_error(send: Send, status: int, code: str, message: str, retry_after: int | None = None) -> None:
    for message_part in _error_messages(status, code, message, retry_after):
        await send(message_part)


def _declared_length(scope: Scope) -> int:
    for key, value in scope["headers"]:
        if key == b"content-length" and value.isdigit():
            return int(value)
    return 0


def _counting(receive: Receive) -> Receive:
    """``receive`` that raises :class:`_BodyTooLargeError` once the body passes the limit (chunked bodies too)."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                raise _BodyTooLargeError
        return message

    return counted


class _Response:
    """Wraps ``send``: adds headers, stops the deadline at the first byte, turns plain-text GraphQL errors into JSON."""

    deadline: asyncio.Timeout | None = None

    def __init__(self, send: Send, graphql: bool) -> None:
        self._send = send
        self._graphql = graphql
        self._held: Message | None = None
        self._text = b""
        self.started = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if self.deadline:
                self.deadline.reschedule(None)  # the time limit is for the first byte; a long download may go on
            headers = MutableHeaders(scope=message)
            content_type = headers.get("content-type", "")
            for key, value in (SECURITY_HEADERS if content_type.startswith("text/html") else {}).items():
                headers.setdefault(key, value)
            headers.setdefault("X-Content-Type-Options", "nosniff")
            if self._graphql and 400 <= message["status"] < 500 and content_type.startswith("text/plain"):
                self._held = message
                return
        elif message["type"] == "http.response.body" and self._held is not None:
            self._text += message.get("body", b"")
            if message.get("more_body", False):
                return
            text = self._text.decode(errors="replace")[:MAX_ERROR_TEXT] or "bad request"
            self.started = True
            await _send_error(self._send, self._held["status"], BAD_USER_INPUT, text)
            return
        self.started = self.started or message["type"] == "http.response.start"  # a held start is not sent yet
        await self._send(message)


def client_key(scope: Scope) -> str:
    """Whom a request is counted against: the TCP peer, or the client a trusted proxy names (uvicorn rewrites ``client``)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class GuardMiddleware:
    """The guards, as pure ASGI: no task per request, and no body is buffered but a short plain-text error's."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.timeout_s = settings.query_timeout_s
        self.bucket = TokenBucket(settings.rate_limit_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app under the guards."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if _declared_length(scope) > MAX_BODY_BYTES:
            await _send_error(send, 413, BAD_USER_INPUT, f"request body over {MAX_BODY_BYTES} bytes")
            return
        if path.startswith(RATE_LIMITED_PATHS) and (wait := self.bucket.take(client_key(scope))):
            await _send_error(send, 429, RATE_LIMITED, f"rate limit exceeded; retry in {wait} s", retry_after=wait)
            return
        response = _Response(send, graphql=path.startswith("/graphql"))
        try:
            # an admin reload rebuilds the graph and may take longer; it is token-protected and serialised
            limit = None if path.startswith("/admin/") else self.timeout_s
            async with asyncio.timeout(limit) as response.deadline:
                await self.app(scope, _counting(receive), response.send)
            return
        except Exception as exc:
            if response.started:
                raise  # too late for an error body: the server closes the connection
            if isinstance(exc, TimeoutError):
                failure: tuple[int, str, str] = (503, TIMEOUT, f"request exceeded the {self.timeout_s:g} s limit")
            elif isinstance(exc, _BodyTooLargeError):
                failure = (413, BAD_USER_INPUT, f"request body over {MAX_BODY_BYTES} bytes")
            else:
                logger.exception("unhandled error on %s %r", scope["method"], path)
                failure = (500, INTERNAL_SERVER_ERROR, "internal error")
        await _send_error(send, *failure)


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """Install the guards on ``app``."""
    app.add_middleware(GuardMiddleware, settings=settings)


@cache
def _header_timeout_s() -> float:
    return Settings().header_timeout_s  # read once per worker process, from NNV_HEADER_TIMEOUT_S


class _HeadTooLargeError(Exception):
    """A request line and headers over the size bound (uvicorn answers 400 and closes)."""


class HeadGuardProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose request head is too slow or too large.

    uvicorn closes an idle keep-alive connection, but never one that is still sending its request line
    and headers, however slowly (slowloris), and httptools buffers headers of any size. Here the head
    must be complete within ``header_timeout_s`` of the connection opening (a first request) or of its
    first byte (a later one), else the connection is closed. A head over uvicorn's
    ``h11_max_incomplete_event_size`` (h11's bound, which httptools lacks; :data:`MAX_HEAD_BYTES` when unset) is a 400.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._max_head_bytes = self.config.h11_max_incomplete_event_size or MAX_HEAD_BYTES

    def _start_head(self) -> None:
        self._head_bytes = 0
        self._head_deadline = self.loop.call_later(_header_timeout_s(), self._head_too_slow)

    def _stop_head(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self._max_head_bytes:
            raise _HeadTooLargeError  # raised through the parser: uvicorn answers 400 and closes

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Open the connection; its first head is due within the timeout."""
        super().connection_made(transport)
        self._start_head()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._stop_head()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        """A later request on a kept-alive connection: its head is due within the timeout of its first byte."""
        super().on_message_begin()
        if self._head_deadline is None:
            self._start_head()

    def on_url(self, url: bytes) -> None:
        """Count the request line."""
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count a header."""
        self._count(len(name) + len(value))
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head arrived in time: the request runs."""
        self._stop_head()
        super().on_headers_complete()
