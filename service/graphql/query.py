"""The ``Query`` root: lookups, lists, search, pairs, neighbourhoods, paths and stats."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

import strawberry
from strawberry.types import Info

from ontology import repository
from ontology.graphview import EdgeView, neighbourhood, shortest_path
from ontology.namespaces import BASE, CONCEPT, MODEL, PAPER
from ontology.namespaces import ConceptKind as _Kind
from ontology.namespaces import ConceptStatus as _Status
from ontology.pairs import RecipeItemView, list_pairs, list_pairs_with_families
from ontology.views import node_type, slug_of
from ontology.vocabulary import AmbiguousNameError, UnknownNameError, Vocabulary
from service.graphql.errors import ambiguous, bad_input, not_found
from service.graphql.implementations import implementation_of, list_specs
from service.graphql.limits import MAX_FIRST, page_size_message
from service.graphql.pairings import RecipeItem, recipe_items
from service.graphql.types import (
    Concept,
    ConceptKind,
    ConceptStatus,
    Implementation,
    Model,
    Node,
    PairingVerification,
    Paper,
    Source,
)

MAX_DEPTH = 3
SLUG = re.compile(r"[A-Za-z0-9._~-]+")
T = TypeVar("T")


@strawberry.type
class PageInfo:
    """Cursor pagination state."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Connection(Generic[T]):
    """A page of results."""

    total_count: int
    nodes: list[T]
    page_info: PageInfo


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
        return [n for n in await asyncio.gather(*(_load_node(info, n) for n in self.node_iris)) if n is not None]

    edges: list[Edge]


@strawberry.type
class SearchHit:
    """A ranked search result."""

    node: Node
    score: float
    matched: str | None


@strawberry.type
class OptimizerLayerPair:
    """An optimizer claimed to suit a layer, with the claim's note and sources."""

    layer: Concept
    optimizer: Concept
    note: str | None
    sources: list[Source]
    inferred: bool = strawberry.field(description="true when the claim is about the layer's family (see `via`)")
    via: Concept | None = strawberry.field(description="the family the claim is about, for an inferred pair")
    claim_layer: strawberry.Private[str]
    recipe_items: strawberry.Private[tuple[RecipeItemView, ...]]

    @strawberry.field(description="what the claim's sources prescribe besides the layer: schedule, clipping, loss …")  # type: ignore[untyped-decorator]
    async def recipe(self, info: Info) -> list[RecipeItem]:
        """The schedules, clipping rules, losses … the pair's source lines attach to it (never layers)."""
        return await recipe_items(info, self.recipe_items)

    @strawberry.field
    async def verification(self, info: Info) -> PairingVerification | None:
        """The latest stored training run of the claim's layer (or family) with this optimizer."""
        from service.graphql.pairings import stored_verification

        return await asyncio.to_thread(stored_verification, info, slug_of(self.claim_layer), str(self.optimizer.id))


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


def _vocab(info: Info) -> Vocabulary:
    vocab: Vocabulary = info.context.vocab
    return vocab


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _check_first(first: int | None, default: int) -> int:
    first = default if first is None else first
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(page_size_message(first))
    return first


def _page(iris: Sequence[str], first: int | None, after: str | None) -> tuple[list[str], PageInfo]:
    first = _check_first(first, 20)
    start = 0
    if after is not None:
        try:
            kind, value = base64.urlsafe_b64decode(after.encode()).decode().split(":", 1)
            start = int(value) + 1 if kind == "offset" else -1
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_input(f"invalid cursor '{after}'") from exc
        if start < 0:
            raise bad_input(f"invalid cursor '{after}'")
    chunk = list(iris[start : start + first])
    end = start + len(chunk) - 1
    return chunk, PageInfo(has_next_page=start + first < len(iris), end_cursor=_encode(end) if chunk else None)


def _resolve(vocab: Vocabulary, name: str) -> str:
    try:
        return vocab.resolve_concept(name)
    except UnknownNameError as exc:
        raise not_found(str(exc), exc.suggestions) from exc
    except AmbiguousNameError as exc:
        raise ambiguous(str(exc), [slug_of(c) for c in exc.candidates]) from exc


def _iri_for_id(node_id: str) -> str | None:
    if node_id.startswith("https://"):
        return node_id
    if "/" in node_id:
        kind, slug = node_id.split("/", 1)
        table = {"concept": CONCEPT, "paper": PAPER, "model": MODEL}.get(kind)
        return str(table[slug]) if table else None
    return None


def _nameable(iri: str) -> bool:
    """Whether ``iri`` can name a concept, paper or model (``BASE<kind>/<slug>``).

    Anything else names nothing and must not reach the store: its SPARQL parser refuses IRIs with
    control characters, bad escapes and the like, which failed the whole request.
    """
    kind = node_type(iri)
    return kind is not None and SLUG.fullmatch(iri[len(BASE) + len(kind) + 1 :]) is not None


async def _load_node(info: Info, iri: str) -> Node | None:
    if not _nameable(iri):
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


async def _find_node(info: Info, node_id: str) -> Node | None:
    explicit = _iri_for_id(node_id)
    candidates = [explicit] if explicit else [str(CONCEPT[node_id]), str(PAPER[node_id]), str(MODEL[node_id])]
    for iri in candidates:
        if node := await _load_node(info, iri):
            return node
    return None


def _edge(edge: EdgeView) -> Edge:
    return Edge(subject=strawberry.ID(slug_of(edge.subject)), predicate=edge.predicate, object=strawberry.ID(slug_of(edge.object)))


async def _concept_list(info: Info, kind: _Kind | None, status: _Status | None, search: str | None) -> list[str]:
    filters = ""
    if kind is not None:
        filters += f"?x nnv:kind <{kind.iri}> . "
    if status is not None:
        filters += f"?x nnv:status <{status.iri}> . "
    iris = await asyncio.to_thread(_vocab(info).ordered_iris, "nnv:Concept", "skos:prefLabel", filters)
    if search:
        hits = {h.iri for h in _vocab(info).search_index.search(search, first=MAX_FIRST) if h.score >= 0.6}
        iris = [iri for iri in iris if iri in hits]
    return iris


@strawberry.type
class Query:
    """Read-only entry points."""

    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        """Any concept, paper or model by id (slug, ``paper/<slug>`` or IRI); concepts win on a shared slug."""
        return await _find_node(info, str(id))

    @strawberry.field(description="Exactly one of id/name; name matches names and altNames, case- and punctuation-insensitive.")  # type: ignore[untyped-decorator]
    async def concept(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Concept | None:
        """One concept by slug or by name."""
        if (id is None) == (name is None):
            raise bad_input("give exactly one of id or name")
        if id is not None:
            iri = str(CONCEPT[str(id)])
            view = await info.context.concepts.load(iri) if _nameable(iri) else None
            if view is None:
                vocab = _vocab(info)
                raise not_found(f"unknown concept id '{id}'", vocab.names.suggest(str(id)))
            return Concept.of(view)
        iri = _resolve(_vocab(info), str(name))
        return Concept.of(await info.context.concepts.load(iri))

    @strawberry.field
    async def concepts(
        self,
        info: Info,
        kind: ConceptKind | None = None,  # type: ignore[valid-type]
        status: ConceptStatus | None = None,  # type: ignore[valid-type]
        search: str | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Connection[Concept]:
        """Concepts ordered by name, filtered by kind, status and search text."""
        iris = await _concept_list(info, kind, status, search)
        chunk, page = _page(iris, first, after)
        views = await info.context.concepts.load_many(chunk)
        return Connection(total_count=len(iris), nodes=[Concept.of(v) for v in views if v], page_info=page)

    @strawberry.field
    async def search(self, info: Info, text: str, first: int | None = 10) -> list[SearchHit]:
        """Concepts, papers and models ranked by label, alias and definition; typo-tolerant."""
        first = _check_first(first, 10)
        hits = await asyncio.to_thread(_vocab(info).search_index.search, text, first)
        nodes = await asyncio.gather(*(_load_node(info, hit.iri) for hit in hits))  # one batched read per type
        return [SearchHit(node=node, score=hit.score, matched=hit.matched) for hit, node in zip(hits, nodes, strict=True) if node]

    @strawberry.field
    async def paper(self, info: Info, id: strawberry.ID) -> Paper | None:
        """One paper by slug."""
        iri = _iri_for_id(str(id)) or str(PAPER[str(id)])
        view = await info.context.papers.load(iri) if _nameable(iri) else None
        if view is None:
            raise not_found(f"unknown paper id '{id}'")
        return Paper.of(view)

    @strawberry.field
    async def papers(self, info: Info, search: str | None = None, first: int | None = 20, after: str | None = None) -> Connection[Paper]:
        """Papers ordered by title."""
        iris = await asyncio.to_thread(_vocab(info).ordered_iris, "nnv:Paper", "dcterms:title")
        if search:
            needle = search.casefold()
            views = await info.context.papers.load_many(iris)
            iris = [v.iri for v in views if v and (needle in v.title.casefold() or any(needle in a.casefold() for a in v.authors))]
        chunk, page = _page(iris, first, after)
        return Connection(
            total_count=len(iris), nodes=[Paper.of(v) for v in await info.context.papers.load_many(chunk) if v], page_info=page
        )

    @strawberry.field
    async def model(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Model | None:
        """One model by slug or name."""
        if (id is None) == (name is None):
            raise bad_input("give exactly one of id or name")
        try:
            view = _vocab(info).model(str(id if id is not None else name))
        except UnknownNameError as exc:
            raise not_found(str(exc), exc.suggestions) from exc
        return Model.of(view)

    @strawberry.field
    async def models(self, info: Info, search: str | None = None, first: int | None = 20, after: str | None = None) -> Connection[Model]:
        """Models ordered by name."""
        filters = ""
        iris = await asyncio.to_thread(_vocab(info).ordered_iris, "nnv:Model", "skos:prefLabel", filters)
        if search:
            needle = search.casefold()
            iris = [iri for iri in iris if needle in _vocab(info).model_names.preferred.get(iri, "").casefold()]
        chunk, page = _page(iris, first, after)
        return Connection(
            total_count=len(iris), nodes=[Model.of(v) for v in await info.context.models.load_many(chunk) if v], page_info=page
        )

    @strawberry.field
    async def compatible_pairs(self, info: Info, layer: str | None = None, optimizer: str | None = None) -> list[OptimizerLayerPair]:
        """Claimed optimizer–layer pairs; either argument alone lists all partners."""
        vocab = _vocab(info)
        optimizers = [_resolve(vocab, optimizer)] if optimizer else None
        if layer:
            found = await asyncio.to_thread(list_pairs_with_families, vocab.store, _resolve(vocab, layer), optimizers)
        else:
            found = await asyncio.to_thread(list_pairs, vocab.store, None, optimizers)
        wanted = {p.layer for p in found} | {p.optimizer for p in found} | {p.via for p in found if p.via}
        views = await info.context.concepts.load_many(sorted(wanted))
        by_iri = {v.iri: Concept.of(v) for v in views if v}
        return [
            OptimizerLayerPair(
                layer=by_iri[p.layer],
                optimizer=by_iri[p.optimizer],
                note=p.note,
                sources=[Source.of(s) for s in p.sources],
                inferred=p.via is not None,
                via=by_iri[p.via] if p.via else None,
                claim_layer=p.via or p.layer,
                recipe_items=p.recipe,
            )
            for p in found
        ]

    @strawberry.field
    async def neighbors(self, info: Info, id: strawberry.ID, depth: int | None = 1, predicates: list[str] | None = None) -> Subgraph:
        """Nodes within ``depth`` hops (1..3) and the edges among them, optionally only some predicates."""
        depth = 1 if depth is None else depth
        if not 1 <= depth <= MAX_DEPTH:
            raise bad_input(f"depth must be between 1 and {MAX_DEPTH}")
        start = await _find_node(info, str(id))
        if start is None:
            raise not_found(f"unknown id '{id}'", _vocab(info).names.suggest(str(id)))
        iri = start.iri  # type: ignore[attr-defined]
        wanted = set(predicates) if predicates else None
        nodes, edges = await asyncio.to_thread(neighbourhood, _vocab(info).store, iri, depth, wanted)
        return Subgraph(node_iris=sorted(nodes), edges=[_edge(e) for e in edges])

    @strawberry.field
    async def path(
        self, info: Info, from_: Annotated[strawberry.ID, strawberry.argument(name="from")], to: strawberry.ID, max_length: int | None = 6
    ) -> list[Edge] | None:
        """The shortest path between two nodes as edges; null when there is none within ``maxLength``."""
        ends = [await _find_node(info, str(x)) for x in (from_, to)]
        for given, found in zip((from_, to), ends, strict=True):
            if found is None:
                raise not_found(f"unknown id '{given}'", _vocab(info).names.suggest(str(given)))
        limit = 6 if max_length is None else max_length
        edges = await asyncio.to_thread(shortest_path, _vocab(info).store, ends[0].iri, ends[1].iri, limit)  # type: ignore[union-attr]
        return None if edges is None else [_edge(e) for e in edges]

    @strawberry.field
    async def implementations(self, info: Info, kind: ConceptKind | None = None) -> list[Implementation]:  # type: ignore[valid-type]
        """Registered implementations, optionally only those of concepts of one kind."""
        specs = list_specs()
        if kind is not None:
            views = await info.context.concepts.load_many([str(CONCEPT[s.concept]) for s in specs])
            specs = [s for s, v in zip(specs, views, strict=True) if v is not None and v.kind == kind.value]
        return [implementation_of(s) for s in specs]

    @strawberry.field
    async def stats(self, info: Info) -> GraphStats:
        """Counts of the graph's content."""
        view = await asyncio.to_thread(repository.get_stats, _vocab(info).store)
        return GraphStats(**view.__dict__)
