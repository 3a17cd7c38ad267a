"""GraphQL for optimizer–layer pairings: recipes, verification results and the ``verifyPairing`` mutation."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

import strawberry
from strawberry.types import Info

from ontology.pairs import RecipeItemView
from ontology.vocabulary import AmbiguousNameError, UnknownNameError
from service.graphql.errors import ambiguous, bad_input, not_found
from service.graphql.results import PairingVerification
from service.graphql.types import Concept, Source
from service.verifications import VerificationError, latest_verification, run_verification

MAX_FLOAT = 1.7976931348623157e308  # GraphQL floats must be finite: a diverged loss is reported as this


@strawberry.type
class RecipeItem:
    """What the sources prescribe with an optimizer–layer pair besides the layer (a schedule, clipping, a loss)."""

    concept: Concept
    note: str | None
    sources: list[Source]


async def recipe_items(info: Info, recipe: Sequence[RecipeItemView]) -> list[RecipeItem]:
    """The GraphQL recipe of a pair (its concepts read through the request's loader)."""
    views = await info.context.concepts.load_many([item.concept for item in recipe])
    return [
        RecipeItem(concept=Concept.of(view), note=item.note, sources=[Source.of(s) for s in item.sources])
        for item, view in zip(recipe, views, strict=True)
        if view is not None
    ]


def _finite(value: Any) -> float:
    number = float(value) if value is not None else math.nan
    return number if math.isfinite(number) else MAX_FLOAT


def verification_of(result: dict[str, Any] | None) -> PairingVerification | None:
    """A contract ``PairingVerification`` from a stored or fresh result."""
    if not result or "initial_loss" not in result:
        return None
    losses = [float(v) if v is not None and math.isfinite(float(v)) else None for v in result.get("losses", [])]
    baseline = result.get("baseline_loss_ratio")
    return PairingVerification(
        ok=bool(result["ok"]),
        layer=result["layer"],
        optimizer=result["optimizer"],
        steps=int(result["steps"]),
        initial_loss=_finite(result["initial_loss"]),
        final_loss=_finite(result["final_loss"]),
        loss_ratio=_finite(result["loss_ratio"]),
        baseline_optimizer=result.get("baseline_optimizer"),
        baseline_loss_ratio=None if baseline is None else _finite(baseline),
        seed=int(result.get("seed", 0)),
        duration_ms=float(result.get("duration_ms", 0.0)),
        diverged=not all(v is not None for v in losses),
        error=result.get("error"),
        losses=losses,
        extras=list(result.get("extras", [])),
        lr=result.get("lr"),
    )


def stored_verification(info: Info, layer: str, optimizer: str) -> PairingVerification | None:
    """The latest stored verification of a (layer, optimizer) slug pair."""
    return verification_of(latest_verification(info.context.vocab.store, layer, optimizer))


@strawberry.type
class PairingMutation:
    """Training runs that check a pairing claim."""

    @strawberry.mutation
    async def verify_pairing(self, info: Info, layer: str, optimizer: str, seed: int | None = 0) -> PairingVerification:
        """Train the layer family's benchmark task with the optimizer (and its claimed extras) vs an SGD baseline.

        A run that diverges is ok=false with its losses, not an error.
        """
        try:
            result = await asyncio.to_thread(
                run_verification, info.context.vocab, layer, optimizer, keep_runs=info.context.keep_runs, seed=seed or 0
            )
        except UnknownNameError as exc:
            raise not_found(str(exc), exc.suggestions) from exc
        except AmbiguousNameError as exc:
            raise ambiguous(str(exc), exc.candidates) from exc
        except VerificationError as exc:
            raise bad_input(str(exc)) from exc
        verification = verification_of(result)
        if verification is None:
            return PairingVerification(
                ok=False,
                layer=result["layer"],
                optimizer=result["optimizer"],
                steps=0,
                initial_loss=MAX_FLOAT,
                final_loss=MAX_FLOAT,
                loss_ratio=MAX_FLOAT,
                baseline_optimizer=None,
                baseline_loss_ratio=None,
                seed=seed or 0,
                duration_ms=0.0,
                diverged=False,
                error=str(result.get("error")),
                losses=[],
                extras=[],
                lr=None,
            )
        return verification
