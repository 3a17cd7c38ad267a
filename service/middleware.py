"""Request guards as one pure ASGI middleware: body size, rate, time, error bodies and headers.

Breaches answer like GraphQL errors (``extensions.code``) so clients see the contract's codes, never an
HTML error page or a stack trace:

* a body over :data:`MAX_BODY_BYTES` → 413 ``BAD_USER_INPUT``: by ``Content-Length`` before the app runs,
  or, for a chunked body, as soon as the bytes streamed in so far pass the limit;
* more than ``rate_limit_per_minute`` requests from one client to ``/graphql`` or ``/sparql`` → 429 ``RATE_LIMITED``;
* no response started within ``query_timeout_s`` → 503 ``TIMEOUT``;
* a plain-text 4xx from the GraphQL endpoint (malformed body, wrong content type, GET with a mutation …)
  → the same status with a JSON body and ``BAD_USER_INPUT``;
* an exception before the response started → 500 ``internal error`` (logged with its traceback, never sent).

Every response gets ``X-Content-Type-Options: nosniff``; HTML responses get all of :data:`SECURITY_HEADERS`.
No CORS header is ever added, so browsers keep cross-origin reads closed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.graphql.errors import BAD_USER_INPUT, RATE_LIMITED, TIMEOUT
from service.settings import Settings

MAX_BODY_BYTES = 1_000_000
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
    """Per-client token buckets refilled continuously at ``rate`` tokens per minute."""

    rate_per_minute: int
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, client: str, now: float | None = None) -> bool:
        """Take one token for ``client``; ``False`` when none is left."""
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.get(client, (float(self.rate_per_minute), now))
        tokens = min(float(self.rate_per_minute), tokens + (now - last) * self.rate_per_minute / 60.0)
        if tokens < 1.0:
            self.buckets[client] = (tokens, now)
            return False
        self.buckets[client] = (tokens - 1.0, now)
        if len(self.buckets) > 10_000:
            self.buckets.clear()
        return True


class _BodyTooLargeError(Exception):
    """The request body passed :data:`MAX_BODY_BYTES` while it streamed in."""


def _error_messages(status: int, code: str | None, message: str) -> tuple[Message, Message]:
    error: dict[str, object] = {"message": message}
    if code:
        error["extensions"] = {"code": code}
    body = json.dumps({"data": None, "errors": [error]}, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)), (b"x-content-type-options", b"nosniff")]
    return {"type": "http.response.start", "status": status, "headers": headers}, {"type": "http.response.body", "body": body}


async def _send_error(send: Send, status: int, code: str | None, message: str) -> None:
    for message_part in _error_messages(status, code, message):
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
        client = scope.get("client")
        if path.startswith(("/graphql", "/sparql")) and not self.bucket.allow(client[0] if client else "unknown"):
            await _send_error(send, 429, RATE_LIMITED, "rate limit exceeded; retry later")
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
                failure: tuple[int, str | None, str] = (503, TIMEOUT, f"request exceeded the {self.timeout_s:g} s limit")
            elif isinstance(exc, _BodyTooLargeError):
                failure = (413, BAD_USER_INPUT, f"request body over {MAX_BODY_BYTES} bytes")
            else:
                logger.exception("unhandled error on %s %s", scope["method"], path)
                failure = (500, None, "internal error")
        await _send_error(send, *failure)


def add_middleware(app: FastAPI, settings: Settings) -> None:
    """Install the guards on ``app``."""
    app.add_middleware(GuardMiddleware, settings=settings)
