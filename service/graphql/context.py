"""Per-request context: the vocabulary and DataLoaders that batch store reads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from ontology import repository
from ontology.store import TripleStore
from ontology.views import ConceptView, ModelView, PaperView
from ontology.vocabulary import Vocabulary

T = TypeVar("T")


def _batch(fetch: Callable[[TripleStore, Sequence[str]], Mapping[str, T]], store: TripleStore) -> DataLoader[str, T | None]:
    async def load(keys: list[str]) -> list[T | None]:
        found = await asyncio.to_thread(fetch, store, keys)
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


@dataclass
class Context(BaseContext):
    """What resolvers see as ``info.context``."""

    vocab: Vocabulary
    keep_runs: int = 5  # stored results kept per implementation or pairing (Settings.keep_runs)
    concepts: DataLoader[str, ConceptView | None] = field(init=False)
    papers: DataLoader[str, PaperView | None] = field(init=False)
    models: DataLoader[str, ModelView | None] = field(init=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.concepts = _batch(repository.get_concepts, self.vocab.store)
        self.papers = _batch(repository.get_papers, self.vocab.store)
        self.models = _batch(repository.get_models, self.vocab.store)
