"""Concept lookups and lists, and the optimizer–layer pairs claimed between concepts."""

from __future__ import annotations

import asyncio

import strawberry
from strawberry.types import Info

from ontology.namespaces import ConceptKind as _Kind
from ontology.namespaces import ConceptStatus as _Status
from ontology.pairs import RecipeItemView
from ontology.search import SearchMode
from ontology.views import slug_of
from ontology.vocabulary import AmbiguousNameError, UnknownNameError, Vocabulary
from service.graphql.context import read_part
from service.graphql.errors import ambiguous, not_found
from service.graphql.evidence import PairEvidence, evidence_of
from service.graphql.graph import model_of, vocab_of
from service.graphql.limits import MAX_FIRST
from service.graphql.pairings import RecipeItem, recipe_items
from service.graphql.results import PairingVerification
from service.graphql.types import Concept, Source


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

    @strawberry.field(description="what the seeded, tuned pairing trials say of the claim; null when none ran")  # type: ignore[untyped-decorator]
    async def evidence(self, info: Info) -> PairEvidence | None:
        """The verdict and numbers of the stored trials of the claim's layer (or family) with this optimizer."""
        return await evidence_of(info, slug_of(self.claim_layer), str(self.optimizer.id))


def resolve_concept(vocab: Vocabulary, name: str) -> str:
    """The IRI of the concept ``name`` names; NOT_FOUND or AMBIGUOUS (with suggestions or candidates) otherwise."""
    try:
        return vocab.resolve_concept(name)
    except UnknownNameError as exc:
        raise not_found(str(exc), exc.suggestions) from exc
    except AmbiguousNameError as exc:
        raise ambiguous(str(exc), [slug_of(c) for c in exc.candidates]) from exc


async def concept_list(info: Info, kind: _Kind | None, status: _Status | None, search: str | None) -> list[str]:
    """Concept IRIs ordered by name, filtered by kind, status and search text."""
    model = model_of(info)
    await read_part(model, "concepts")
    iris = model.list_concepts(None if kind is None else kind.value, None if status is None else status.value)
    if search:
        hits = {h.iri for h in vocab_of(info).search_index.search(search, first=MAX_FIRST, mode=SearchMode.FUZZY) if h.score >= 0.6}
        iris = [iri for iri in iris if iri in hits]
    return iris
