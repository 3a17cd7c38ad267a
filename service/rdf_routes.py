"""Linked-data routes: IRI dereferencing with content negotiation, ``/export`` and ``/sparql``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from rdflib import Graph

from ontology import repository
from ontology.vocab import BASE, PREFIXES
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
_DESCRIBE_PATH = "(nnv:pairing|nnv:erratum|nnv:hyperparameter|nnv:source|schema:author)*"

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
    triples = vocab.store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ <{iri}> {_DESCRIBE_PATH} ?s . ?s ?p ?o }}")
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    graph.parse(data=triples, format="nt")
    return graph


async def _dereference(request: Request, kind: str, slug: str) -> Response:
    vocab = _vocab(request)
    iri = f"{BASE}{kind}/{slug}"
    graph = await asyncio.to_thread(describe, vocab, iri)
    if len(graph) == 0:
        raise HTTPException(status_code=404, detail=f"no {kind} '{slug}'")
    media = _preferred(request, [*RDF_TYPES, "text/html", "application/json"], "application/json")
    if media == "text/html":
        return RedirectResponse(url=f"/#/{kind}/{slug}", status_code=303)
    if media in RDF_TYPES:
        body = graph.serialize(format=RDF_TYPES[media], encoding="utf-8")
        return Response(body, media_type=media)
    loader = {"concept": repository.get_concepts, "paper": repository.get_papers, "model": repository.get_models}[kind]
    views: dict[str, Any] = await asyncio.to_thread(loader, vocab.store, [iri])  # type: ignore[arg-type]
    view = views[iri]
    return JSONResponse({"id": slug, **view.__dict__}, headers={"Link": f'<{iri}>; rel="canonical"'})


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
        body, out_media = await run_user_query(_vocab(request).store, query, media, timeout_s=timeout)
    except SparqlError as exc:
        return _error(exc)
    return Response(body, media_type=out_media)


def _error(exc: SparqlError) -> JSONResponse:
    """The answer to a refused or failed query, shaped like the service's other errors."""
    return JSONResponse({"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}, status_code=exc.status)


@router.get("/sparql")
async def sparql_get(request: Request, query: str | None = None) -> Response:
    """SPARQL 1.1 Protocol query via GET."""
    return await _sparql(request, query)


@router.post("/sparql")
async def sparql_post(
    request: Request, query: Annotated[str | None, Form()] = None, update: Annotated[str | None, Form()] = None
) -> Response:
    """SPARQL 1.1 Protocol query via POST (form-encoded or ``application/sparql-query`` body); updates are refused."""
    content_type = request.headers.get("content-type", "")
    if update is not None or content_type.startswith("application/sparql-update"):
        return _error(QueryRefusedError(READ_ONLY))
    if query is None and content_type.startswith("application/sparql-query"):
        query = (await request.body()).decode("utf-8", errors="replace")
    return await _sparql(request, query)
