"""Loader for the Papers-with-Code ``methods.json`` export format.

Each method becomes an :class:`~loaders.merge.IncomingConcept`: ``full_name`` (or ``name``) as
its name, the other as an alias, the Markdown stripped from ``description``, a kind guessed from
its collections, and its paper. ``introduced_year`` 2000 is the export's placeholder for
"unknown" and is dropped.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loaders.errors import LoaderError
from loaders.merge import IncomingConcept, slugify
from loaders.records import PaperRecord, SourceRef
from ontology.namespaces import ConceptKind

UNKNOWN_YEAR = 2000
_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
_KINDS: tuple[tuple[str, ConceptKind], ...] = (
    ("Activation", ConceptKind.ACTIVATION),
    ("Normalization", ConceptKind.NORMALIZATION),
    ("Attention", ConceptKind.ATTENTION),
    ("Loss", ConceptKind.LOSS),
    ("Optimization", ConceptKind.OPTIMIZER),
    ("Learning Rate Schedule", ConceptKind.SCHEDULER),
    ("Regularization", ConceptKind.REGULARIZATION),
    ("Initialization", ConceptKind.INITIALIZATION),
    ("Embedding", ConceptKind.EMBEDDING),
    ("Position", ConceptKind.EMBEDDING),
    ("Convolution", ConceptKind.LAYER),
    ("Pooling", ConceptKind.LAYER),
    ("Block", ConceptKind.LAYER),
    ("Models", ConceptKind.ARCHITECTURE),
    ("Networks", ConceptKind.ARCHITECTURE),
    ("Transformers", ConceptKind.ARCHITECTURE),
)


class PwcPaper(BaseModel):
    """The ``paper`` object of a method."""

    model_config = ConfigDict(extra="ignore")
    title: str
    url: str | None = None
    arxiv_id: str | None = None


class PwcCollection(BaseModel):
    """One ``collections`` item."""

    model_config = ConfigDict(extra="ignore")
    collection: str
    area: str | None = None


class PwcMethod(BaseModel):
    """One method of the export."""

    model_config = ConfigDict(extra="ignore")
    name: str = Field(min_length=1)
    full_name: str | None = None
    description: str | None = None
    paper: PwcPaper | None = None
    introduced_year: int | None = None
    source_url: str | None = None
    num_papers: int | None = None
    collections: list[PwcCollection] = Field(default_factory=list)

    @property
    def year(self) -> int | None:
        """The introduction year, ``None`` for the 2000 placeholder."""
        return None if self.introduced_year in (None, UNKNOWN_YEAR) else self.introduced_year


def plain_text(markdown: str) -> str:
    """Drop Markdown emphasis, links and inline maths delimiters."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", markdown)
    text = re.sub(r"[*_`]{1,2}", "", text)
    return " ".join(text.replace("$", "").split())


def _kind(method: PwcMethod) -> ConceptKind:
    for collection in method.collections:
        for needle, kind in _KINDS:
            if needle in collection.collection:
                return kind
    return ConceptKind.OTHER


def _paper(method: PwcMethod) -> PaperRecord | None:
    if not method.paper:
        return None
    arxiv = method.paper.arxiv_id or (m.group(1) if (m := _ARXIV.search(method.source_url or "")) else None)
    try:
        return PaperRecord(
            id=slugify(method.paper.title)[:60] or "paper",
            title=method.paper.title,
            authors=["(unknown)"],
            year=method.year,
            arxiv_id=arxiv,
            url=method.paper.url,
        )
    except ValidationError:
        return None


def _line_of_each(text: str, count: int) -> list[int]:
    """1-based line on which each top-level object of a JSON array starts (pretty-printed exports)."""
    lines = [i + 1 for i, line in enumerate(text.split("\n")) if line.rstrip() in ("{", "  {")]
    return lines if len(lines) == count else [0] * count


def parse_pwc(path: str | Path) -> list[IncomingConcept]:
    """Parse a ``methods.json`` file into incoming concepts.

    Raises:
        LoaderError: Invalid JSON (with its line) or a method that fails validation (with its line).

    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoaderError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LoaderError(f"cannot read: {exc}", path=str(path)) from exc
    if not isinstance(raw, list):
        raise LoaderError("expected a JSON array of methods", path=str(path), line=1)
    lines = _line_of_each(text, len(raw))
    incoming: list[IncomingConcept] = []
    for i, item in enumerate(raw):
        try:
            method = PwcMethod.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise LoaderError(f"method #{i + 1}: {where}: {first['msg']}", path=str(path), line=lines[i] or None) from exc
        name = method.full_name or method.name
        alt = [method.name] if method.full_name and method.name != method.full_name else []
        incoming.append(
            IncomingConcept(
                name=name,
                alt_names=alt,
                definition=plain_text(method.description or ""),
                kind=_kind(method),
                source=SourceRef(document=path.name, section=method.name, line=lines[i] or None),
                paper=_paper(method),
            )
        )
    return incoming
