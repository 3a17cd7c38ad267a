"""A response cache for GraphQL queries (pure ASGI, in front of strawberry).

The graph is read-mostly, so the answer to a query body is the same until the store is written.
Entries are keyed by the exact request body and the store's write ``generation``; any write
through this process (a mutation, a load, a reload to a new vocabulary) makes older entries
unreachable. Only queries (never mutations) answered 200 without errors are kept, within a byte
budget, least recently used first out. A remote store can be written by other workers, so the
cache only serves the embedded store.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import orjson
from graphql import GraphQLSyntaxError, OperationDefinitionNode, OperationType
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ontology.store import GraphStore
from service.graphql.document_cache import parsed_document

MAX_ENTRY_BYTES = 256_000
CACHE_HEADER = (b"x-nnvocab-cache", b"hit")


def is_query(body: bytes) -> bool:
    """Whether a GraphQL POST body asks for a query operation (not a mutation), judged by its parsed document.

    The document comes from the GraphQL layer's cache (:func:`parsed_document`), which then answers strawberry too.
    """
    try:
        request = orjson.loads(body)
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return False
        document = parsed_document(request["query"])
    except (orjson.JSONDecodeError, GraphQLSyntaxError):
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = request.get("operationName")
    if isinstance(name, str):
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    return len(operations) == 1 and operations[0].operation == OperationType.QUERY


class ResponseCache:
    """ASGI middleware caching ``POST /graphql`` query answers.

    Args:
        app: The wrapped application.
        max_bytes: The budget for cached response bodies (0 turns the cache off).

    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[int, bytes], list[Message]] = OrderedDict()
        self._size = 0
        self._vocab: Any = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer from the cache, or pass on (and remember a cacheable answer)."""
        if not self.max_bytes or scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != "/graphql":
            await self.app(scope, receive, send)
            return
        vocab = scope["app"].state.vocab
        if vocab is None or not isinstance(vocab.store, GraphStore):
            await self.app(scope, receive, send)
            return
        body, replay = await _buffer(receive)
        if vocab is not self._vocab:
            self._entries.clear()
            self._size, self._vocab = 0, vocab
        key = (vocab.store.generation, body)
        if (hit := self._entries.get(key)) is not None:
            self._entries.move_to_end(key)
            for message in hit:
                await send(message)
            return
        if not is_query(body):
            await self.app(scope, replay, send)
            return
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)
            await send(message)

        await self.app(scope, replay, capture)
        self._remember(key, messages)

    def _remember(self, key: tuple[int, bytes], messages: list[Message]) -> None:
        if not messages or messages[0].get("status") != 200:
            return
        payload = b"".join(m.get("body", b"") for m in messages[1:])
        if len(payload) > MAX_ENTRY_BYTES or b'"errors"' in payload:
            return
        start = dict(messages[0])
        start["headers"] = [*start.get("headers", []), CACHE_HEADER]
        self._entries[key] = [start, {"type": "http.response.body", "body": payload, "more_body": False}]
        self._size += len(payload) + len(key[1])
        while self._size > self.max_bytes and self._entries:
            (_, old_body), old = self._entries.popitem(last=False)
            self._size -= len(old[1]["body"]) + len(old_body)


async def _buffer(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body; return it and a ``receive`` that replays it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
