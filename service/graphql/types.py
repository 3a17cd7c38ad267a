"""Object types of the contract: Concept, Paper, Model and their parts."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any, NewType

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ontology.namespaces import ConceptKind as _ConceptKind
from ontology.namespaces import ConceptStatus as _ConceptStatus
from ontology.namespaces import document_title
from ontology.views import ConceptView, ModelView, PaperView, SourceView

ConceptKind = strawberry.enum(_ConceptKind, name="ConceptKind")
ConceptStatus = strawberry.enum(_ConceptStatus, name="ConceptStatus")
BigInt = NewType("BigInt", int)
BIG_INT_SCALAR = strawberry.scalar(
    name="BigInt",
    description="An integer of any size, serialised as a JSON string of decimal digits (exact in every JSON client).",
    serialize=str,
    parse_value=int,
)


@strawberry.enum
class ImplementationOrigin(Enum):
    """Where an implementation comes from."""

    BUILTIN = "BUILTIN"
    REFERENCE = "REFERENCE"


@strawberry.interface
class Node:
    """Anything with a stable id."""

    id: strawberry.ID


@strawberry.type
class Source:
    """Where a fact came from."""

    document: str = strawberry.field(description="the document's file name or address")
    title: str = strawberry.field(description="the document's human title (the file name where it has none)")
    section: str | None
    line: int | None

    @classmethod
    def of(cls, view: SourceView) -> Source:
        """From a read-model source."""
        return cls(document=view.document, title=document_title(view.document), section=view.section, line=view.line)


@strawberry.type
class Hyperparameter:
    """A hyperparameter and its usual default."""

    name: str
    default: str | None
    description: str | None


@strawberry.type
class Erratum:
    """A source claim this graph corrects."""

    claim: str
    correction: str
    reference: str | None
    source: Source | None


async def _many(loader: Any, iris: list[str]) -> list[Any]:
    return [item for item in await loader.load_many(iris) if item is not None]


@strawberry.type
class Pairing:
    """One pairs-with relation seen from the concept that lists it."""

    note: str | None
    sources: list[Source]
    concept_iri: strawberry.Private[str]

    @strawberry.field
    async def concept(self, info: Info) -> Concept:
        """The paired concept."""
        return Concept.of(await info.context.concepts.load(self.concept_iri))

    owner_iri: strawberry.Private[str] = ""

    @strawberry.field
    async def verification(self, info: Info) -> PairingVerification | None:
        """Latest stored verification run of this pair (optimizer and layer in either order)."""
        from service.graphql.pairings import stored_verification

        a, b = self.owner_iri.rsplit("/", 1)[-1], self.concept_iri.rsplit("/", 1)[-1]
        return await asyncio.to_thread(lambda: stored_verification(info, a, b) or stored_verification(info, b, a))


@strawberry.type
class Concept(Node):
    """A neural-network concept."""

    id: strawberry.ID
    iri: str
    name: str
    alt_names: list[str]
    kind: ConceptKind  # type: ignore[valid-type]
    status: ConceptStatus  # type: ignore[valid-type]
    definition: str
    formula: str | None
    when_to_use: list[str]
    hyperparameters: list[Hyperparameter]
    sources: list[Source]
    errata: list[Erratum]
    status_note: str | None = strawberry.field(description="why a SPECULATIVE concept is marked so")
    view: strawberry.Private[ConceptView]

    @classmethod
    def of(cls, view: ConceptView) -> Concept:
        """From a read-model concept."""
        return cls(
            id=strawberry.ID(view.id),
            iri=view.iri,
            name=view.name,
            alt_names=view.alt_names,
            kind=_ConceptKind(view.kind),
            status=_ConceptStatus(view.status),
            definition=view.definition,
            formula=view.formula,
            when_to_use=view.when_to_use,
            hyperparameters=[Hyperparameter(name=h.name, default=h.default, description=h.description) for h in view.hyperparameters],
            sources=[Source.of(s) for s in view.sources],
            errata=[
                Erratum(claim=e.claim, correction=e.correction, reference=e.reference, source=Source.of(e.source) if e.source else None)
                for e in view.errata
            ],
            status_note=view.status_note,
            view=view,
        )

    @strawberry.field
    async def broader(self, info: Info) -> list[Concept]:
        """More general concepts."""
        return [Concept.of(v) for v in await _many(info.context.concepts, self.view.broader)]

    @strawberry.field
    async def narrower(self, info: Info) -> list[Concept]:
        """More specific concepts."""
        return [Concept.of(v) for v in await _many(info.context.concepts, self.view.narrower)]

    @strawberry.field
    async def related(self, info: Info) -> list[Concept]:
        """Related concepts."""
        return [Concept.of(v) for v in await _many(info.context.concepts, self.view.related)]

    @strawberry.field
    def pairs_with(self) -> list[Pairing]:
        """Concepts this one pairs with (symmetric)."""
        return [
            Pairing(note=p.note, sources=[Source.of(s) for s in p.sources], concept_iri=p.concept, owner_iri=self.view.iri)
            for p in self.view.pairs_with
        ]

    @strawberry.field
    async def papers(self, info: Info) -> list[Paper]:
        """Papers that introduce or describe it."""
        return [Paper.of(v) for v in await _many(info.context.papers, self.view.papers)]

    @strawberry.field
    async def models(self, info: Info) -> list[Model]:
        """Models that use it."""
        return [Model.of(v) for v in await _many(info.context.models, self.view.models)]

    @strawberry.field
    def implementation(self) -> Implementation | None:
        """Its registered implementation, from the graph's ``nnv:implementation`` link."""
        if not self.view.implementation:
            return None
        from implementations.registry.spec import registry
        from service.graphql.implementations import implementation_of

        spec = registry().get(self.view.id)
        return implementation_of(spec) if spec else None


@strawberry.type
class Paper(Node):
    """A paper."""

    id: strawberry.ID
    iri: str
    title: str
    authors: list[str]
    year: int | None
    venue: str | None
    arxiv_id: str | None
    doi: str | None
    url: str | None
    view: strawberry.Private[PaperView]

    @classmethod
    def of(cls, view: PaperView) -> Paper:
        """From a read-model paper."""
        return cls(
            id=strawberry.ID(view.id),
            iri=view.iri,
            title=view.title,
            authors=view.authors,
            year=view.year,
            venue=view.venue,
            arxiv_id=view.arxiv_id,
            doi=view.doi,
            url=view.url,
            view=view,
        )

    @strawberry.field
    async def concepts(self, info: Info) -> list[Concept]:
        """Concepts the paper introduces or describes."""
        return [Concept.of(v) for v in await _many(info.context.concepts, self.view.concepts)]


@strawberry.type
class Model(Node):
    """A model that uses concepts."""

    id: strawberry.ID
    iri: str
    name: str
    year: int | None
    organization: str | None
    view: strawberry.Private[ModelView]

    @classmethod
    def of(cls, view: ModelView) -> Model:
        """From a read-model model."""
        return cls(id=strawberry.ID(view.id), iri=view.iri, name=view.name, year=view.year, organization=view.organization, view=view)

    @strawberry.field
    async def concepts(self, info: Info) -> list[Concept]:
        """Concepts the model uses."""
        return [Concept.of(v) for v in await _many(info.context.concepts, self.view.concepts)]

    @strawberry.field
    def implementation(self) -> Implementation | None:
        """The implementation of its architecture, which builds it at its published size (``nnv:implementation``)."""
        from implementations.registry.spec import registry
        from service.graphql.implementations import implementation_of

        config = _published_config(self.view.id)
        spec = registry().get(config.architecture) if config else None
        return implementation_of(spec) if spec else None

    @strawberry.field
    def config(self) -> PublishedConfig | None:
        """Its published shape facts as arguments of that implementation (``nnv:publishedConfig``); null when it has none."""
        return _published_config(self.view.id)


def _published_config(model_id: str) -> PublishedConfig | None:
    """The published configuration of a model from the table of :mod:`implementations.architectures.models` (data, no torch)."""
    from implementations.architectures.models import MODEL_CONFIGS

    found = MODEL_CONFIGS.get(model_id)
    if found is None:
        return None
    return PublishedConfig(
        architecture=found.architecture,
        published=dict(found.published),  # type: ignore[arg-type]
        scaled=found.scaled_args(),  # type: ignore[arg-type]
        source=found.source,
        parameters=BigInt(found.parameters) if found.parameters is not None else None,
        tolerance=found.tolerance,
        note=found.note or None,
    )


@strawberry.type
class PublishedConfig:
    """A model's published configuration: the arguments with which its architecture's implementation builds it."""

    architecture: str = strawberry.field(description="the implementation's concept slug (`instantiate` builds it)")
    published: JSON = strawberry.field(description="arguments of the published size (layers, widths, heads, vocabulary …)")
    scaled: JSON = strawberry.field(description="arguments of a scaled-down model of the same structure (a few million parameters)")
    source: str = strawberry.field(description="paper or model card the facts and the count come from")
    parameters: BigInt | None = strawberry.field(description="the published parameter count; null where the build cannot reach it")
    tolerance: float = strawberry.field(description="relative tolerance of the count check (0: exact)")
    note: str | None = strawberry.field(description="what the arguments do not express")


@strawberry.type
class SmokeCheck:
    """One check of a smoke test."""

    name: str
    ok: bool
    detail: str | None


@strawberry.type
class SmokeTestResult:
    """Outcome of a smoke test."""

    term: str
    ok: bool
    checks: list[SmokeCheck]
    duration_ms: float
    error: str | None


@strawberry.type
class Implementation:
    """A registered implementation of a concept."""

    id: strawberry.ID
    target: str
    origin: ImplementationOrigin
    default_args: JSON
    concept_iri: strawberry.Private[str]

    @strawberry.field
    async def concept(self, info: Info) -> Concept:
        """The implemented concept."""
        return Concept.of(await info.context.concepts.load(self.concept_iri))

    @strawberry.field
    async def last_smoke_test(self, info: Info) -> SmokeTestResult | None:
        """The latest stored smoke test (null when never run)."""
        import asyncio

        from service.graphql.implementations import stored_smoke

        return await asyncio.to_thread(stored_smoke, info, str(self.id))


@strawberry.type
class InstantiateResult:
    """Outcome of instantiating an implementation."""

    term: str
    ok: bool
    target: str | None
    class_name: str | None
    parameter_count: int | None = strawberry.field(description="null above 2147483647 (GraphQL Int): see parameterCountBig")
    parameter_count_big: BigInt | None = strawberry.field(description="the parameter count at any size")
    repr: str | None
    error: str | None


@strawberry.type
class PairingVerification:
    """A training run that checks a pairing."""

    ok: bool
    layer: str
    optimizer: str
    steps: int
    initial_loss: float
    final_loss: float
    loss_ratio: float
    baseline_optimizer: str | None
    baseline_loss_ratio: float | None
    seed: int
    duration_ms: float
    diverged: bool = strawberry.field(description="a loss was not finite (reported losses are then the largest double)")
    error: str | None
    losses: list[float | None] = strawberry.field(description="the loss curve; null where not finite")
    extras: list[str] = strawberry.field(description="the claimed extras applied: schedule, clipping, weight-decay split …")
    lr: float | None
