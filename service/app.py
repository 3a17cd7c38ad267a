"""The HTTP service: ``create_app(settings)`` builds the FastAPI app.

Routes: ``/graphql`` (API; GET in a browser shows an offline GraphiQL), ``/`` (concept browser),
``/concept|paper|model/{slug}`` (content negotiation), ``/export``, ``/sparql``, ``/healthz``,
``/readyz``, ``/static``. torch is never imported here.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig
from starlette.requests import Request as HttpRequest
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from ontology.vocabulary import Vocabulary
from service.admin import install_admin
from service.context import open_vocabulary
from service.graphql.context import Context, read_part
from service.graphql.schema import create_schema
from service.middleware import add_middleware
from service.rdf_routes import router as rdf_router
from service.response_cache import ResponseCache
from service.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"
_POST_OPERATIONS = OperationType.from_http("POST")


class _GraphQLApp(GraphQL[Context, None]):
    """``/graphql`` as a plain ASGI route: our own GraphiQL page (vendored assets, no CDN), orjson, our context.

    A plain route, not strawberry's FastAPI router: FastAPI's per-request dependency solving for that router
    cost more than parsing, validating and executing a lookup (0.5 ms of 1 ms, measured in-process).
    """

    def __init__(self, settings: Settings) -> None:
        super().__init__(create_schema(settings))
        self.keep_runs = settings.keep_runs
        self.streams = bool(self._stream_transport_map)  # no streaming protocol is enabled: never asked per request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A plain JSON POST takes :meth:`_answer`; any other request strawberry's own path, as before."""
        if scope["type"] != "http" or scope["method"] != "POST":
            await super().__call__(scope, receive, send)
            return
        request = HttpRequest(scope, receive)
        data = await self._plain_request(request)
        try:
            response = await (self._answer(request, data) if data is not None else self.run(request))
        except HTTPException as exc:  # what strawberry's __call__ answers
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        await response(scope, receive, send)

    async def _plain_request(self, request: HttpRequest) -> dict[str, object] | None:
        """The body of a plain request: JSON, one operation with a non-empty query, no streaming asked; else ``None``.

        ``None`` sends the request the way strawberry takes every request, which answers the rest (batches, bad
        JSON, wrong field types, other content types, multipart uploads, streaming): its body is read once, kept
        by the request.
        """
        media_type = request.headers.get("content-type", "").partition(";")[0].strip()
        if media_type != "application/json" or (self.streams and self._get_stream_transport_from_headers(request.headers)):
            return None
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("query"), str) or not data["query"]:
            return None
        fields_ok = isinstance(data.get("variables"), dict | None) and isinstance(data.get("extensions"), dict | None)
        return data if fields_ok and isinstance(data.get("operationName"), str | None) else None

    async def _answer(self, request: HttpRequest, data: dict[str, Any]) -> Response:
        """What strawberry's ``run`` answers a plain JSON POST, through the same hooks, without its general parsing.

        strawberry's request adapter, content-type parsing (Python's ``email`` package), batch and streaming
        checks cost ~0.05 ms of a ~0.28 ms lookup (in-process); ``tests/service/test_graphql_fast_path.py``
        checks the answers equal strawberry's, byte for byte.
        """
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, sub_response)
        try:
            result = await self.schema.execute(
                data["query"],
                root_value=None,  # strawberry's get_root_value, not overridden here
                variable_values=data.get("variables"),
                context_value=context,
                operation_name=data.get("operationName"),
                allowed_operation_types=_POST_OPERATIONS,
                operation_extensions=data.get("extensions"),
            )
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except InvalidOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason("POST")) from exc
        response_data = await self.process_result(request, result)
        if result.errors:
            self._handle_errors(result.errors, response_data)
        return self.create_response(response_data, sub_response)

    async def get_context(self, request: HttpRequest | WebSocket, response: Response | WebSocket) -> Context:
        """The per-request context: the current read model (swapped in after a write, by anyone, on a shared store)."""
        vocab: Vocabulary = request.app.state.vocab
        if vocab is not request.app.state.frozen_vocab:  # a reload replaced the frozen one: the collector may have it
            gc.unfreeze()
            request.app.state.frozen_vocab = vocab
        vocab.sync()
        for part in ("names", "concepts"):  # after a swap, read again off the event loop (other parts when used): lookups read them inline
            await read_part(vocab.read_model, part)
        context = Context(vocab=vocab, keep_runs=self.keep_runs)
        context.request = request  # the mutation guard's client key …
        context.response = response if isinstance(response, Response) else None  # … and its 429
        return context

    @property
    def graphql_ide_html(self) -> str:
        return (STATIC / "graphiql.html").read_text(encoding="utf-8")

    def encode_json(self, data: object) -> bytes:
        """orjson: several times faster than ``json.dumps`` on large answers."""
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        """Parse with orjson (over 1,024 levels of nesting is a parse error, not a RecursionError); only objects and lists."""
        decoded = orjson.loads(data)
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "the request body must be a JSON object")
        return decoded


class _GraphQLFirst:
    """Hands ``GET``/``POST /graphql`` to the GraphQL app directly; everything else goes on to FastAPI.

    The route's own match, FastAPI's exception and exit-stack layers and the router's scan of every route do
    nothing for ``/graphql`` (the GraphQL app answers its own errors; an exception goes up to the guards as
    before) but cost ~0.03 ms of a 0.4 ms lookup (in-process). Other methods and paths (``/graphql/``, a ``root_path``) take the
    router, which answers them as before.

    Args:
        app: The rest of the application.
        graphql: The ``/graphql`` app.

    """

    def __init__(self, app: ASGIApp, graphql: ASGIApp) -> None:
        self.app = app
        self.graphql = graphql

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch."""
        if scope["type"] == "http" and scope["path"] == "/graphql" and scope["method"] in ("GET", "POST"):
            await self.graphql(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, vocab: Vocabulary | None = None) -> FastAPI:
    """The nnvocab app.

    Args:
        settings: Configuration (default: from ``NNV_*`` environment variables).
        vocab: An already opened vocabulary (tests); otherwise opened at start-up.

    """
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "vocab", None) is None:
            app.state.vocab = await asyncio.to_thread(open_vocabulary, settings)
        await asyncio.to_thread(app.state.vocab.read_model.warm)  # the read model is built before the first request
        # What start-up built lives as long as the server: kept out of the cycle collector's full passes, which would
        # walk it again and again (~0.05 ms a request, in-process). Released at shutdown, or when a reload replaces the vocabulary.
        gc.freeze()
        app.state.frozen_vocab = app.state.vocab
        try:
            yield
        finally:
            gc.unfreeze()

    off: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}  # not even checked: ~0.01 ms a request
    telemetry = None if settings.telemetry else off
    app = FastAPI(title="nnvocab", version="0.1.0", lifespan=lifespan, docs_url="/docs", telemetry=telemetry)
    app.state.settings = settings
    app.state.vocab = vocab
    app.state.frozen_vocab = None

    graphql = _GraphQLApp(settings)
    app.router.routes.append(Route("/graphql", graphql, methods=["GET", "POST"]))
    app.include_router(rdf_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(_GraphQLFirst, graphql=graphql)
    app.add_middleware(ResponseCache, max_bytes=settings.response_cache_bytes)
    add_middleware(app, settings)  # the guards wrap everything, the cache included
    install_admin(app, settings)

    @app.get("/", response_class=HTMLResponse)
    async def browser() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        current: Vocabulary | None = request.app.state.vocab
        if current is None:
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ready", "triples": len(current.store)})

    return app
