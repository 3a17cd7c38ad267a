"""Per-request context: the vocabulary, its read model of this request, and DataLoaders over it."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from ontology.readmodel import ReadModel
from ontology.views import ConceptView, ModelView, PaperView
from ontology.vocabulary import Vocabulary

T = TypeVar("T")


async def read_part(model: ReadModel, part: str) -> Any:
    """A part of the read model; built in a worker thread when this is its first use (never on the event loop)."""
    return getattr(model, part) if model.has(part) else await asyncio.to_thread(getattr, model, part)


def _loader(model: ReadModel, part: str) -> DataLoader[str, T | None]:
    """A DataLoader answering from the read model's ``part`` table (no query: the table is in memory)."""

    async def load(keys: list[str]) -> list[T | None]:
        table: Mapping[str, T] = await read_part(model, part)
        return [table.get(key) for key in keys]

    return DataLoader(load_fn=load)


@dataclass
class Context(BaseContext):
    """What resolvers see as ``info.context``; its DataLoaders are made on first use (a lookup by name needs none)."""

    vocab: Vocabulary
    keep_runs: int = 5  # stored results kept per implementation or pairing (Settings.keep_runs)
    model: ReadModel = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.model = self.vocab.read_model  # one version for the whole request

    @cached_property
    def concepts(self) -> DataLoader[str, ConceptView | None]:
        """Concept views by IRI."""
        return _loader(self.model, "concepts")

    @cached_property
    def papers(self) -> DataLoader[str, PaperView | None]:
        """Paper views by IRI."""
        return _loader(self.model, "papers")

    @cached_property
    def models(self) -> DataLoader[str, ModelView | None]:
        """Model views by IRI."""
        return _loader(self.model, "models")
