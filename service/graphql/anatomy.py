"""GraphQL for anatomy: ``inspect(term:)`` and ``advise(term:)`` queries (networks built in the sandbox, never here).

Both build the registered default configuration only (no arguments), so their sandbox result is a
function of the term: it is computed once per term and process and kept (:data:`_ANATOMY`,
bounded by the number of registrations). A query therefore costs at most one sandbox job per
registered term, and needs no mutation budget. The advice itself is rebuilt from the graph on every
request, so newly stored verifications show.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from service.graphql.implementations import checked_term_spec
from service.runs import advice_from, run_inspect

_ANATOMY: dict[str, dict[str, Any]] = {}
_LOCK = threading.Lock()


@strawberry.type
class ConceptFinding:
    """A concept found in a network: how many submodules show it and their parameters."""

    concept: str = strawberry.field(description="the concept's id (slug)")
    count: int = strawberry.field(description="submodules showing it (0 when only the config does)")
    parameters: int
    share: float = strawberry.field(description="parameters over the network's total (nested concepts overlap)")
    examples: list[str] = strawberry.field(description="up to three submodule paths")
    evidence: list[str] = strawberry.field(description="matched class names and config fields")


@strawberry.type
class Anatomy:
    """What a registered network is made of."""

    term: str
    ok: bool
    error: str | None = None
    class_name: str | None = None
    parameters: int | None = None
    findings: list[ConceptFinding] = strawberry.field(default_factory=list)
    facts: JSON | None = strawberry.field(default=None, description="config fields that name no concept (tied embeddings …)")


@strawberry.type
class OptimizerAdvice:
    """An optimizer the network's components' pairings recommend."""

    optimizer: str = strawberry.field(description="the optimizer's concept id")
    score: float
    recommended_for: list[str]
    claims: list[str]
    notes: list[str]
    sources: list[str]
    settings: JSON = strawberry.field(description="hyperparameters the notes state (momentum, weight_decay, lr)")
    verification: JSON | None = strawberry.field(description="the latest stored training run of the claim, if any")


@strawberry.type
class ExtraAdvice:
    """A schedule, clipping rule or auxiliary loss the recommendation's sources prescribe."""

    concept: str
    note: str | None
    sources: list[str]


@strawberry.type
class ParameterGroup:
    """A parameter group for torch.optim."""

    name: str
    weight_decay: float
    tensors: int
    parameters: int
    examples: list[str]
    reason: str


@strawberry.type
class Advice:
    """A training set-up for a registered network."""

    term: str
    ok: bool
    error: str | None = None
    optimizers: list[OptimizerAdvice] = strawberry.field(default_factory=list)
    extras: list[ExtraAdvice] = strawberry.field(default_factory=list)
    param_groups: list[ParameterGroup] = strawberry.field(default_factory=list)
    concepts: list[str] = strawberry.field(default_factory=list, description="the concepts the advice is built from")


def _term(term: str) -> str:
    return checked_term_spec(term, {}).concept


def _anatomy_job(term: str) -> dict[str, Any]:
    """The sandbox's anatomy result for ``term``'s default configuration (kept after a success)."""
    with _LOCK:
        if term in _ANATOMY:
            return _ANATOMY[term]
    result = run_inspect(term)
    if result.get("ok"):
        with _LOCK:
            _ANATOMY[term] = result
    return result


def _anatomy(term: str, result: dict[str, Any]) -> Anatomy:
    if not result.get("ok"):
        return Anatomy(term=term, ok=False, error=str(result.get("error")))
    data = result["anatomy"]
    findings = [ConceptFinding(**_lists(f)) for f in data["findings"]]
    return Anatomy(term=term, ok=True, class_name=data["class_name"], parameters=data["parameters"], findings=findings, facts=data["facts"])


def _lists(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with tuples as lists (GraphQL list fields)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


def _advice(term: str, advice: dict[str, Any]) -> Advice:
    if not advice.get("ok"):
        return Advice(term=term, ok=False, error=str(advice.get("error")))
    return Advice(
        term=term,
        ok=True,
        optimizers=[OptimizerAdvice(**_lists(o)) for o in advice["optimizers"]],
        extras=[ExtraAdvice(concept=e["concept"], note=e["note"], sources=list(e["sources"])) for e in advice["extras"]],
        param_groups=[ParameterGroup(**g) for g in advice["param_groups"]],
        concepts=[f["concept"] for f in advice["anatomy"]["findings"]],
    )


@strawberry.type
class AnatomyQuery:
    """Inspection and training advice of registered networks (default configurations, built in the sandbox)."""

    @strawberry.field(description="What the registered network of `term` is made of: graph concepts with counts and parameter shares.")  # type: ignore[untyped-decorator]
    async def inspect(self, info: Info, term: str) -> Anatomy:
        """Inspect the default configuration of ``term``'s registration."""
        slug = _term(term)
        return _anatomy(slug, await asyncio.to_thread(_anatomy_job, slug))

    @strawberry.field(description="How to train the registered network of `term`: optimizers with evidence, extras, parameter groups.")  # type: ignore[untyped-decorator]
    async def advise(self, info: Info, term: str) -> Advice:
        """Advice for the default configuration of ``term``'s registration."""
        slug = _term(term)
        result = await asyncio.to_thread(_anatomy_job, slug)
        if not result.get("ok"):
            return _advice(slug, result)
        return _advice(slug, await asyncio.to_thread(advice_from, info.context.vocab, result))
