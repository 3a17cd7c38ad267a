"""Linked-data routes: IRI dereferencing with content negotiation, ``/export`` and ``/sparql``.

A page route (``/concept|paper|model/{slug}``) never puts the name it was given into a query. The
name is looked up first: a concept among the name index's known IRIs (no query at all), a paper or
a model by :func:`ontology.repository.instances_of`, which binds the candidate IRI only after the
store's IRI parser accepted it. An unknown name answers 404 (with suggestions for concepts and
models), an over-long one 414. Every query a page request then runs has a fixed shape over one
known IRI (:func:`ontology.repository.describe` and the ``get_*`` readers), so its cost is bounded
by that node's own description, whatever the request held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rdflib import Graph

from ontology import repository
from ontology.namespaces import BASE, PREFIXES
from ontology.store import TripleStore
from ontology.views import ConceptView, ModelView, PaperView
from ontology.vocabulary import Vocabulary
from service.sparql_check import READ_ONLY
from service.sparql_guard import GRAPH_FORMATS, RESULT_FORMATS, QueryRefusedError, SparqlError, run_user_query

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
EXPORT_FORMATS = {"ttl": ("turtle", "text/turtle"), "jsonld": ("json-ld", "application/ld+json"), "nt": ("nt", "application/n-triples")}
MAX_NAME_CHARS = 200  # slugs are at most ~90 characters
_CLASSES = {"paper": "nnv:Paper", "model": "nnv:Model"}
_READERS: dict[str, Callable[[TripleStore, Iterable[str]], Mapping[str, ConceptView | PaperView | ModelView]]] = {
    "concept": repository.get_concepts,
    "paper": repository.get_papers,
    "model": repository.get_models,
}

router = APIRouter()


def _vocab(request: Request) -> Vocabulary:
    vocab: Vocabulary = request.app.state.vocab
    return vocab


def _preferred(request: Request, offered: list[str], default: str) -> str:
    """The first offered media type the Accept header names (q-values ignored beyond order)."""
    accept = request.headers.get("accept", "")
    wanted = [part.split(";")[0].strip() for part in accept.split(",") if part.strip()]
    for media in wanted:
        if media in offered:
            return media
    return default


def describe(vocab: Vocabulary, iri: str) -> Graph:
    """The node and the nodes hanging off it (sources, errata, pairings, authors) as an rdflib graph."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    graph.parse(data=repository.describe(vocab.store, iri), format="nt")
    return graph


def known_iri(vocab: Vocabulary, kind: str, slug: str) -> str | None:
    """The IRI of the ``kind`` (concept, paper, model) with this slug, or ``None`` if the graph has none."""
    vocab.sync()  # a shared store may have been written by another worker
    iri = f"{BASE}{kind}/{slug}"
    if kind == "concept":
        return iri if iri in vocab.names.preferred else None
    return iri if repository.instances_of(vocab.store, _CLASSES[kind], [iri]) else None


def _suggestions(vocab: Vocabulary, kind: str, slug: str) -> list[str]:
    """Names close to an unknown slug (from the concept and model name indexes; none for papers)."""
    index = {"concept": vocab.names, "model": vocab.model_names}.get(kind)
    return index.suggest(slug) if index else []


def _rdf(vocab: Vocabulary, iri: str, media: str) -> bytes:
    return describe(vocab, iri).serialize(format=RDF_TYPES[media], encoding="utf-8")


def _json(vocab: Vocabulary, kind: str, iri: str) -> dict[str, Any]:
    view = _READERS[kind](vocab.store, [iri])[iri]
    return {"id": view.id, **asdict(view)}


async def _dereference(request: Request, kind: str, slug: str) -> Response:
    if len(slug) > MAX_NAME_CHARS:
        return JSONResponse({"detail": f"{kind} name over {MAX_NAME_CHARS} characters"}, status_code=414)
    vocab = _vocab(request)
    iri = await asyncio.to_thread(known_iri, vocab, kind, slug)
    if iri is None:
        suggestions = await asyncio.to_thread(_suggestions, vocab, kind, slug)
        return JSONResponse({"detail": f"no {kind} '{slug}'", "suggestions": suggestions}, status_code=404)
    media = _preferred(request, [*RDF_TYPES, "text/html", "application/json"], "application/json")
    if media == "text/html":
        return RedirectResponse(url=f"/#/{kind}/{slug}", status_code=303)
    if media in RDF_TYPES:
        return Response(await asyncio.to_thread(_rdf, vocab, iri, media), media_type=media)
    body = await asyncio.to_thread(_json, vocab, kind, iri)
    return JSONResponse(body, headers={"Link": f'<{iri}>; rel="canonical"'})


@router.get("/concept/{slug}")
async def concept_resource(request: Request, slug: str) -> Response:
    """A concept, as Turtle, JSON-LD, N-Triples, RDF/XML, HTML (browser) or JSON."""
    return await _dereference(request, "concept", slug)


@router.get("/paper/{slug}")
async def paper_resource(request: Request, slug: str) -> Response:
    """A paper, with content negotiation."""
    return await _dereference(request, "paper", slug)


@router.get("/model/{slug}")
async def model_resource(request: Request, slug: str) -> Response:
    """A model, with content negotiation."""
    return await _dereference(request, "model", slug)


@router.get("/export")
async def export(request: Request, format: Annotated[str, Query()] = "ttl") -> Response:
    """The whole graph as Turtle, JSON-LD or N-Triples."""
    if format not in EXPORT_FORMATS:
        raise HTTPException(status_code=400, detail=f"unknown format '{format}': use {', '.join(EXPORT_FORMATS)}")
    store = _vocab(request).store
    body = await asyncio.to_thread(store.dump, format)  # type: ignore[arg-type]
    return Response(body, media_type=EXPORT_FORMATS[format][1])


async def _sparql(request: Request, query: str | None) -> Response:
    media = _preferred(request, [*RESULT_FORMATS, *GRAPH_FORMATS], "application/sparql-results+json")
    try:
        if not query:
            raise QueryRefusedError("missing 'query' parameter (SPARQL 1.1 Protocol)")
        settings = request.app.state.settings
        timeout = min(settings.sparql_timeout_s, settings.query_timeout_s)
        body, out_media = await run_user_query(_vocab(request).store, query, media, timeout_s=timeout, max_bytes=settings.sparql_max_bytes)
    except SparqlError as exc:
        return _error(exc)
    return Response(body, media_type=out_media)


def _error(exc: SparqlError) -> JSONResponse:
    """The answer to a refused or failed query, shaped like the service's other errors."""
    return JSONResponse({"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}, status_code=exc.status)


async def sparql_endpoint(request: Request) -> Response:
    """SPARQL 1.1 Protocol query: GET ``?query=``, POST form-encoded or an ``application/sparql-query`` body; updates are refused.

    A plain Starlette endpoint (``router.add_route``): FastAPI's parameter solving and validation cost
    more than a simple query's whole evaluation. A form field sent empty counts as absent, as with FastAPI's ``Form``.
    """
    if request.method != "POST":  # GET, or HEAD (which Starlette adds to a GET route)
        return await _sparql(request, request.query_params.get("query"))
    content_type = request.headers.get("content-type", "")
    async with request.form() as form:
        query, update = (value if isinstance(value, str) and value else None for value in (form.get("query"), form.get("update")))
    if update is not None or content_type.startswith("application/sparql-update"):
        return _error(QueryRefusedError(READ_ONLY))
    if query is None and content_type.startswith("application/sparql-query"):
        query = (await request.body()).decode("utf-8", errors="replace")
    return await _sparql(request, query)


router.add_route("/sparql", sparql_endpoint, methods=["GET", "POST"])
