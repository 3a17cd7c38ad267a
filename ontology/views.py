"""Read models: plain dataclasses the CLI, the Python API and the GraphQL layer share."""

from __future__ import annotations

from dataclasses import dataclass, field

from ontology.namespaces import BASE


def slug_of(iri: str) -> str:
    """``https://w3id.org/nnvocab/concept/adamw`` → ``adamw``."""
    return iri.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SourceView:
    """Where a fact came from."""

    document: str
    section: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f":{self.line}" if self.line else ""
        section = f" ({self.section})" if self.section else ""
        return f"{self.document}{where}{section}"


@dataclass(frozen=True)
class HyperparameterView:
    """A hyperparameter and its usual default."""

    name: str
    default: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class ErratumView:
    """A corrected source claim."""

    claim: str
    correction: str
    reference: str | None = None
    source: SourceView | None = None


@dataclass(frozen=True)
class PairingView:
    """One direction of a pairs-with relation."""

    concept: str
    note: str | None = None
    sources: tuple[SourceView, ...] = ()


@dataclass
class ConceptView:
    """Everything the graph knows about one concept (references as IRIs)."""

    iri: str
    name: str
    kind: str
    status: str
    definition: str
    alt_names: list[str] = field(default_factory=list)
    formula: str | None = None
    status_note: str | None = None
    when_to_use: list[str] = field(default_factory=list)
    hyperparameters: list[HyperparameterView] = field(default_factory=list)
    broader: list[str] = field(default_factory=list)
    narrower: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    pairs_with: list[PairingView] = field(default_factory=list)
    papers: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    sources: list[SourceView] = field(default_factory=list)
    errata: list[ErratumView] = field(default_factory=list)
    implementation: str | None = None

    @property
    def id(self) -> str:
        """The stable slug."""
        return slug_of(self.iri)


@dataclass
class PaperView:
    """A paper and the concepts it introduces or describes."""

    iri: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    venue: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    url: str | None = None
    concepts: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The stable slug."""
        return slug_of(self.iri)


@dataclass
class ModelView:
    """A model and the concepts it uses."""

    iri: str
    name: str
    year: int | None = None
    organization: str | None = None
    concepts: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        """The stable slug."""
        return slug_of(self.iri)


@dataclass(frozen=True)
class StatsView:
    """Counts of the graph's content."""

    triples: int
    concepts: int
    papers: int
    models: int
    pairings: int
    implementations: int
    errata: int


def node_type(iri: str) -> str | None:
    """``concept``, ``paper`` or ``model`` for an nnvocab instance IRI, else ``None``."""
    if not iri.startswith(BASE):
        return None
    head = iri[len(BASE) :].split("/", 1)[0]
    return head if head in ("concept", "paper", "model") else None
