"""Object types of the contract: Concept, Paper, Model and their parts."""

from __future__ import annotations

import asyncio
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from ontology.namespaces import ConceptKind as _ConceptKind
from ontology.namespaces import ConceptStatus as _ConceptStatus
from ontology.namespaces import document_title
from ontology.views import ConceptView, ModelView, PaperView, SourceView
from service.graphql.configs import PublishedConfig, published_config
from service.graphql.results import PairingVerification, SmokeTestResult

ConceptKind = strawberry.enum(_ConceptKind, name="ConceptKind")
ConceptStatus = strawberry.enum(_ConceptStatus, name="ConceptStatus")


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


def _found(info: Info, part: str, iris: list[str]) -> list[Any]:
    """The views of ``iris`` in the request's read model ``part`` (in memory: no loader round, no query), unknown ones left out."""
    table = getattr(info.context.model, part)
    return [view for view in map(table.get, iris) if view is not None]


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


def _hyperparameters(view: ConceptView) -> list[Hyperparameter]:
    return [Hyperparameter(name=h.name, default=h.default, description=h.description) for h in view.hyperparameters]


def _errata(view: ConceptView) -> list[Erratum]:
    return [
        Erratum(claim=e.claim, correction=e.correction, reference=e.reference, source=Source.of(e.source) if e.source else None)
        for e in view.errata
    ]


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
    hyperparameters: list[Hyperparameter] = strawberry.field(resolver=lambda root: _hyperparameters(root.view))
    sources: list[Source] = strawberry.field(resolver=lambda root: [Source.of(s) for s in root.view.sources])
    errata: list[Erratum] = strawberry.field(resolver=lambda root: _errata(root.view))
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
            status_note=view.status_note,
            view=view,
        )

    @strawberry.field
    def broader(self, info: Info) -> list[Concept]:
        """More general concepts."""
        return [Concept.of(v) for v in _found(info, "concepts", self.view.broader)]

    @strawberry.field
    def narrower(self, info: Info) -> list[Concept]:
        """More specific concepts."""
        return [Concept.of(v) for v in _found(info, "concepts", self.view.narrower)]

    @strawberry.field
    def related(self, info: Info) -> list[Concept]:
        """Related concepts."""
        return [Concept.of(v) for v in _found(info, "concepts", self.view.related)]

    @strawberry.field
    def pairs_with(self) -> list[Pairing]:
        """Concepts this one pairs with (symmetric)."""
        return [
            Pairing(note=p.note, sources=[Source.of(s) for s in p.sources], concept_iri=p.concept, owner_iri=self.view.iri)
            for p in self.view.pairs_with
        ]

    @strawberry.field
    def papers(self, info: Info) -> list[Paper]:
        """Papers that introduce or describe it."""
        return [Paper.of(v) for v in _found(info, "papers", self.view.papers)]

    @strawberry.field
    def models(self, info: Info) -> list[Model]:
        """Models that use it."""
        return [Model.of(v) for v in _found(info, "models", self.view.models)]

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
    def concepts(self, info: Info) -> list[Concept]:
        """Concepts the paper introduces or describes."""
        return [Concept.of(v) for v in _found(info, "concepts", self.view.concepts)]


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
    def concepts(self, info: Info) -> list[Concept]:
        """Concepts the model uses."""
        return [Concept.of(v) for v in _found(info, "concepts", self.view.concepts)]

    @strawberry.field
    def implementation(self) -> Implementation | None:
        """The implementation of its architecture, which builds it at its published size (``nnv:implementation``)."""
        from implementations.registry.spec import registry
        from service.graphql.implementations import implementation_of

        config = published_config(self.view.id)
        spec = registry().get(config.architecture) if config else None
        return implementation_of(spec) if spec else None

    @strawberry.field
    def config(self) -> PublishedConfig | None:
        """Its published shape facts as arguments of that implementation (``nnv:publishedConfig``); null when it has none."""
        return published_config(self.view.id)


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
