"""Validated records of curated data: concepts, papers, models, merges.

Every curated YAML file under ``ontology/data/curated/`` is one :class:`CuratedFile`.
Unknown keys are errors (``extra="forbid"``), so a typo cannot silently drop a fact.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from ontology.namespaces import SEED_GUIDE, ConceptKind, ConceptStatus

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Record):
    """Where a fact came from: a document, optionally a section and a 1-based line."""

    document: Text = SEED_GUIDE
    section: Text | None = None
    line: int | None = Field(default=None, ge=1)


class HyperparameterRecord(_Record):
    """A hyperparameter with its usual default (checked against the library docs)."""

    name: Text
    default: str | None = None
    description: str | None = None

    @field_validator("default", mode="before")
    @classmethod
    def _stringify(cls, value: object) -> object:
        return None if value is None else str(value)


class PairingRecord(_Record):
    """A "pairs-with" claim; symmetric once in the graph."""

    concept: Slug
    note: str | None = None
    source: SourceRef


class ErratumRecord(_Record):
    """A source claim this graph corrects."""

    claim: Text
    correction: Text
    reference: str | None = None
    source: SourceRef


class ConceptRecord(_Record):
    """One concept of the vocabulary, in this project's own words."""

    id: Slug
    name: Text
    alt_names: list[Text] = Field(default_factory=list)
    kind: ConceptKind
    status: ConceptStatus = ConceptStatus.ESTABLISHED
    status_note: str | None = None
    definition: Annotated[str, StringConstraints(strip_whitespace=True, min_length=20)]
    formula: str | None = None
    when_to_use: list[Text] = Field(default_factory=list)
    hyperparameters: list[HyperparameterRecord] = Field(default_factory=list)
    broader: list[Slug] = Field(default_factory=list)
    related: list[Slug] = Field(default_factory=list)
    pairs_with: list[PairingRecord] = Field(default_factory=list)
    papers: list[Slug] = Field(default_factory=list)
    models: list[Slug] = Field(default_factory=list)
    sources: list[SourceRef] = Field(min_length=1)
    errata: list[ErratumRecord] = Field(default_factory=list)


class PaperRecord(_Record):
    """A paper with verified bibliographic data."""

    id: Slug
    title: Text
    authors: list[Text] = Field(default_factory=list)
    year: int | None = Field(default=None, ge=1800, le=2100)
    venue: str | None = None
    arxiv_id: Annotated[str, StringConstraints(pattern=r"^(\d{4}\.\d{4,5}|[a-z\-]+/\d{7})$")] | None = None
    doi: Annotated[str, StringConstraints(pattern=r"^10\.\d{4,9}/\S+$")] | None = None
    url: str | None = None


class ModelRecord(_Record):
    """A trained model or model family that uses concepts, with the papers that describe it.

    A model may be listed in several files; the copies must agree except for ``papers``, which add up.
    """

    id: Slug
    name: Text
    year: int | None = Field(default=None, ge=1950, le=2100)
    organization: str | None = None
    papers: list[Slug] = Field(default_factory=list)


class MergeRecord(_Record):
    """A source entry that names an existing concept: adds aliases and a source."""

    concept: Slug
    alt_names: list[Text] = Field(default_factory=list)
    source: SourceRef


class CuratedFile(_Record):
    """The content of one curated YAML file."""

    concepts: list[ConceptRecord] = Field(default_factory=list)
    papers: list[PaperRecord] = Field(default_factory=list)
    models: list[ModelRecord] = Field(default_factory=list)
    merges: list[MergeRecord] = Field(default_factory=list)
