"""One published model as data: the architecture registration it instantiates, at its published and scaled-down sizes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelConfig:
    """A model node of the graph and how to build it.

    Attributes:
        model: The ``id`` of a ``models:`` record in ``ontology/data/curated/*.yaml`` (``llama-2``).
        architecture: The architecture registration it instantiates (``llama``).
        published: The published shape facts (layers, widths, heads, KV heads, vocabulary, activation …) as
            arguments of that registration; with them the registration builds the published size.
        source: Where the facts and the parameter count come from (paper with arXiv id, or model card).
        scaled: Size overrides of ``published`` giving a scaled-down model of the same structure (see
            :func:`implementations.architectures.models.scaled_config`).
        parameters: The published parameter count, checked against a meta-device build of ``published``;
            ``None`` where the registration cannot build the published count (``note`` says why).
        tolerance: Relative tolerance of that check (0 for an exact count; a paper's rounded "110M" needs some).
        note: What the published configuration does not express, or other caveats.

    """

    model: str
    architecture: str
    published: Mapping[str, Any]
    source: str
    scaled: Mapping[str, Any]
    parameters: int | None
    tolerance: float = 0.0
    note: str = ""

    def scaled_args(self) -> dict[str, Any]:
        """The registration arguments of the scaled-down model: the published ones with the sizes shrunk."""
        return {**self.published, **self.scaled}

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: the fields, with the scaled-down configuration spelled out in full."""
        return {
            "model": self.model,
            "architecture": self.architecture,
            "published": dict(self.published),
            "scaled": self.scaled_args(),
            "source": self.source,
            "parameters": self.parameters,
            "tolerance": self.tolerance,
            "note": self.note,
        }
