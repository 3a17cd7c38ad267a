"""The ``Query`` root: lookups, lists, search, pairs, neighbourhoods, paths and stats.

Its types and helpers live in one module per domain: :mod:`~service.graphql.concepts`,
:mod:`~service.graphql.graph` and :mod:`~service.graphql.pagination`; the node types in :mod:`~service.graphql.types`.
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from ontology.graphview import neighbourhood, shortest_path
from ontology.namespaces import CONCEPT, PAPER
from ontology.vocabulary import UnknownNameError
from service.graphql.concepts import OptimizerLayerPair, concept_list, resolve_concept
from service.graphql.context import read_part
from service.graphql.errors import bad_input, not_found
from service.graphql.evidence import EvidenceOrder, load_evidence, order_pairs
from service.graphql.graph import (
    MAX_DEPTH,
    Edge,
    GraphStats,
    Subgraph,
    edge_of,
    find_node,
    iri_for_id,
    model_of,
    nameable,
    vocab_of,
)
from service.graphql.implementations import implementation_of, list_specs
from service.graphql.pagination import Connection, check_first, paginate
from service.graphql.search import SearchHit, SearchMode, search_hits
from service.graphql.types import (
    Concept,
    ConceptKind,
    ConceptStatus,
    Implementation,
    Model,
    Node,
    Paper,
    Source,
)


@strawberry.type
class Query:
    """Read-only entry points."""

    @strawberry.field
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        """Any concept, paper or model by id (slug, ``paper/<slug>`` or IRI); concepts win on a shared slug."""
        return await find_node(info, str(id))

    @strawberry.field(description="Exactly one of id/name; name matches names and altNames, case- and punctuation-insensitive.")  # type: ignore[untyped-decorator]
    def concept(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Concept | None:
        """One concept by slug or by name (not async: a read-model lookup; a coroutine cost a fifth of a lookup)."""
        if (id is None) == (name is None):
            raise bad_input("give exactly one of id or name")
        concepts = model_of(info).concepts
        if id is not None:
            iri = str(CONCEPT[str(id)])
            view = concepts.get(iri) if nameable(iri) else None
            if view is None:
                raise not_found(f"unknown concept id '{id}'", model_of(info).names.suggest(str(id)))
            return Concept.of(view)
        iri = resolve_concept(vocab_of(info), str(name))
        return Concept.of(concepts[iri])

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
        iris = await concept_list(info, kind, status, search)
        chunk, page = paginate(iris, first, after)
        views = await info.context.concepts.load_many(chunk)
        return Connection(total_count=len(iris), nodes=[Concept.of(v) for v in views if v], page_info=page)

    @strawberry.field
    async def search(self, info: Info, text: str, first: int | None = 10, mode: SearchMode = SearchMode.HYBRID) -> list[SearchHit]:
        """Concepts, papers and models for a name or a question: BM25, typo-tolerant names and meaning, fused; each hit says why."""
        return await search_hits(info, text, check_first(first, 10), mode)

    @strawberry.field
    async def paper(self, info: Info, id: strawberry.ID) -> Paper | None:
        """One paper by slug."""
        iri = iri_for_id(str(id)) or str(PAPER[str(id)])
        view = await info.context.papers.load(iri) if nameable(iri) else None
        if view is None:
            raise not_found(f"unknown paper id '{id}'")
        return Paper.of(view)

    @strawberry.field
    async def papers(self, info: Info, search: str | None = None, first: int | None = 20, after: str | None = None) -> Connection[Paper]:
        """Papers ordered by title."""
        model = model_of(info)
        await read_part(model, "papers")
        iris = model.paper_order
        if search:
            needle = search.casefold()
            views = await info.context.papers.load_many(iris)
            iris = [v.iri for v in views if v and (needle in v.title.casefold() or any(needle in a.casefold() for a in v.authors))]
        chunk, page = paginate(iris, first, after)
        return Connection(
            total_count=len(iris), nodes=[Paper.of(v) for v in await info.context.papers.load_many(chunk) if v], page_info=page
        )

    @strawberry.field
    async def model(self, info: Info, id: strawberry.ID | None = None, name: str | None = None) -> Model | None:
        """One model by slug or name."""
        if (id is None) == (name is None):
            raise bad_input("give exactly one of id or name")
        try:
            view = vocab_of(info).model(str(id if id is not None else name))
        except UnknownNameError as exc:
            raise not_found(str(exc), exc.suggestions) from exc
        return Model.of(view)

    @strawberry.field
    async def models(self, info: Info, search: str | None = None, first: int | None = 20, after: str | None = None) -> Connection[Model]:
        """Models ordered by name."""
        model = model_of(info)
        await read_part(model, "models")
        iris = model.model_order
        if search:
            needle = search.casefold()
            iris = [iri for iri in iris if needle in model.models[iri].name.casefold()]
        chunk, page = paginate(iris, first, after)
        return Connection(
            total_count=len(iris), nodes=[Model.of(v) for v in await info.context.models.load_many(chunk) if v], page_info=page
        )

    @strawberry.field
    async def compatible_pairs(
        self, info: Info, layer: str | None = None, optimizer: str | None = None, order_by: EvidenceOrder = EvidenceOrder.CLAIM
    ) -> list[OptimizerLayerPair]:
        """Claimed optimizer–layer pairs; either argument alone lists all partners; ``orderBy: EVIDENCE`` puts the best-supported first."""
        vocab = vocab_of(info)
        optimizers = [resolve_concept(vocab, optimizer)] if optimizer else None
        layer_iri = resolve_concept(vocab, layer) if layer else None
        pairs = await read_part(model_of(info), "pairs")
        found = pairs.list_pairs_with_families(layer_iri, optimizers) if layer_iri else pairs.list_pairs(None, optimizers)
        wanted = {p.layer for p in found} | {p.optimizer for p in found} | {p.via for p in found if p.via}
        views = await info.context.concepts.load_many(sorted(wanted))
        by_iri = {v.iri: Concept.of(v) for v in views if v}
        listed = [
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
        return order_pairs(listed, await load_evidence(info)) if order_by is EvidenceOrder.EVIDENCE else listed

    @strawberry.field
    async def neighbors(self, info: Info, id: strawberry.ID, depth: int | None = 1, predicates: list[str] | None = None) -> Subgraph:
        """Nodes within ``depth`` hops (1..3) and the edges among them, optionally only some predicates."""
        depth = 1 if depth is None else depth
        if not 1 <= depth <= MAX_DEPTH:
            raise bad_input(f"depth must be between 1 and {MAX_DEPTH}")
        start = await find_node(info, str(id))
        if start is None:
            raise not_found(f"unknown id '{id}'", model_of(info).names.suggest(str(id)))
        iri = start.iri  # type: ignore[attr-defined]
        wanted = set(predicates) if predicates else None
        nodes, edges = neighbourhood(await read_part(model_of(info), "adjacency"), iri, depth, wanted)
        return Subgraph(node_iris=sorted(nodes), edges=[edge_of(e) for e in edges])

    @strawberry.field
    async def path(
        self, info: Info, from_: Annotated[strawberry.ID, strawberry.argument(name="from")], to: strawberry.ID, max_length: int | None = 6
    ) -> list[Edge] | None:
        """The shortest path between two nodes as edges; null when there is none within ``maxLength``."""
        ends = [await find_node(info, str(x)) for x in (from_, to)]
        for given, found in zip((from_, to), ends, strict=True):
            if found is None:
                raise not_found(f"unknown id '{given}'", model_of(info).names.suggest(str(given)))
        limit = 6 if max_length is None else max_length
        adjacency = await read_part(model_of(info), "adjacency")
        edges = shortest_path(adjacency, ends[0].iri, ends[1].iri, limit)  # type: ignore[union-attr]
        return None if edges is None else [edge_of(e) for e in edges]

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
        view = await read_part(model_of(info), "stats")
        return GraphStats(**view.__dict__)
