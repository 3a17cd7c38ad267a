"""A model's published configuration: the arguments with which its architecture's implementation builds it."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from service.graphql.scalars import BigInt


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


def published_config(model_id: str) -> PublishedConfig | None:
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
