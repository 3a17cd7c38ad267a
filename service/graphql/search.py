"""The GraphQL side of search: modes, hits and why each hit matched (the ranking is :mod:`ontology.search`)."""

from __future__ import annotations

import asyncio
import enum

import strawberry
from graphql import GraphQLError
from strawberry.types import Info

from ontology import search
from service.graphql.graph import load_node, vocab_of
from service.graphql.types import Node

MODEL_WAIT_S = 4.0  # under the request time limit (10 s by default)
MatchKind = strawberry.enum(search.MatchKind, name="MatchKind", description="Where a search hit matched.")


@strawberry.enum(description="Which rankings a search uses.")
class SearchMode(enum.Enum):
    """The search modes a client may ask for."""

    HYBRID = "hybrid"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


@strawberry.type
class MatchReason:
    """One reason a hit matched: the field, the passage or label matched, and that ranking's score."""

    kind: MatchKind  # type: ignore[valid-type]
    text: str
    score: float


@strawberry.type
class SearchHit:
    """A ranked search result and why it matched."""

    node: Node
    score: float
    matched: str | None
    why: list[MatchReason]


async def search_hits(info: Info, text: str, first: int, mode: SearchMode) -> list[SearchHit]:
    """The ranked hits for ``text``: the index is searched in a worker thread, the nodes read in one batch per type.

    The first HYBRID or SEMANTIC question of a process starts loading the embedding model; when it
    is not ready within :data:`MODEL_WAIT_S` the question is refused with ``UNAVAILABLE`` (and
    ``retryAfter`` seconds) rather than held past the request's time limit, or answered with a
    lexical ranking that the response cache would then keep.
    """
    index = vocab_of(info).search_index
    try:
        hits = await asyncio.to_thread(index.search, text, first, search.SearchMode(mode.value), model_wait_s=MODEL_WAIT_S)
    except search.ModelLoadingError as exc:
        raise GraphQLError(str(exc), extensions={"code": "UNAVAILABLE", "retryAfter": 5}) from exc
    nodes = await asyncio.gather(*(load_node(info, hit.iri) for hit in hits))
    return [_hit_of(hit, node) for hit, node in zip(hits, nodes, strict=True) if node]


def _hit_of(hit: search.SearchHitView, node: Node) -> SearchHit:
    why = [MatchReason(kind=reason.kind, text=reason.text, score=reason.score) for reason in hit.why]
    return SearchHit(node=node, score=hit.score, matched=hit.matched, why=why)
