"""The graph as nodes and edges: node lookup by id, neighbourhoods, paths and counts."""

from __future__ import annotations

import asyncio
import re

import strawberry
from strawberry.types import Info

from ontology.graphview import EdgeView
from ontology.namespaces import BASE, CONCEPT, MODEL, PAPER
from ontology.readmodel import ReadModel
from ontology.views import node_type, slug_of
from ontology.vocabulary import Vocabulary
from service.graphql.types import Concept, Model, Node, Paper

MAX_DEPTH = 3
SLUG = re.compile(r"[A-Za-z0-9._~-]+")


@strawberry.type
class Edge:
    """A relation between two nodes (ids), with a CURIE predicate."""

    subject: strawberry.ID
    predicate: str
    object: strawberry.ID


@strawberry.type
class Subgraph:
    """Nodes and the edges among them (the nodes are read only when the query asks for them)."""

    node_iris: strawberry.Private[list[str]]

    @strawberry.field
    async def nodes(self, info: Info) -> list[Node]:
        """The nodes of the subgraph."""
        return [n for n in await asyncio.gather(*(load_node(info, n) for n in self.node_iris)) if n is not None]

    edges: list[Edge]


@strawberry.type
class GraphStats:
    """Counts of the graph's content."""

    triples: int
    concepts: int
    papers: int
    models: int
    pairings: int
    implementations: int
    errata: int


def vocab_of(info: Info) -> Vocabulary:
    """The request's vocabulary."""
    vocab: Vocabulary = info.context.vocab
    return vocab


def model_of(info: Info) -> ReadModel:
    """The read model of the request (one store version for the whole request)."""
    model: ReadModel = info.context.model
    return model


def iri_for_id(node_id: str) -> str | None:
    """The IRI an explicit id names (an IRI or ``<kind>/<slug>``); None for a bare slug or an unknown kind."""
    if node_id.startswith("https://"):
        return node_id
    if "/" in node_id:
        kind, slug = node_id.split("/", 1)
        table = {"concept": CONCEPT, "paper": PAPER, "model": MODEL}.get(kind)
        return str(table[slug]) if table else None
    return None


def nameable(iri: str) -> bool:
    """Whether ``iri`` can name a concept, paper or model (``BASE<kind>/<slug>``).

    Anything else names nothing and must not reach the store: its SPARQL parser refuses IRIs with
    control characters, bad escapes and the like, which failed the whole request.
    """
    kind = node_type(iri)
    return kind is not None and SLUG.fullmatch(iri[len(BASE) + len(kind) + 1 :]) is not None


async def load_node(info: Info, iri: str) -> Node | None:
    """The concept, paper or model ``iri`` names, through the request's loaders; None when there is none."""
    if not nameable(iri):
        return None
    kind = node_type(iri)
    if kind == "concept":
        view = await info.context.concepts.load(iri)
        return Concept.of(view) if view else None
    if kind == "paper":
        paper = await info.context.papers.load(iri)
        return Paper.of(paper) if paper else None
    if kind == "model":
        model = await info.context.models.load(iri)
        return Model.of(model) if model else None
    return None


async def find_node(info: Info, node_id: str) -> Node | None:
    """The node an id names (slug, ``<kind>/<slug>`` or IRI); a bare slug tries concept, paper, model in turn."""
    explicit = iri_for_id(node_id)
    candidates = [explicit] if explicit else [str(CONCEPT[node_id]), str(PAPER[node_id]), str(MODEL[node_id])]
    for iri in candidates:
        if node := await load_node(info, iri):
            return node
    return None


def edge_of(edge: EdgeView) -> Edge:
    """The GraphQL edge of a read-model edge (ids as slugs)."""
    return Edge(subject=strawberry.ID(slug_of(edge.subject)), predicate=edge.predicate, object=strawberry.ID(slug_of(edge.object)))
