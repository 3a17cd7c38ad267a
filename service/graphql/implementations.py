"""GraphQL for implementations: the ``Implementation`` type's data and the two mutations."""

from __future__ import annotations

import asyncio
from typing import Any

import strawberry
from graphql.type.scalars import GRAPHQL_MAX_INT
from strawberry.scalars import JSON
from strawberry.types import Info

from implementations import AmbiguousImplementationError, ImplementationError, UnknownImplementationError
from implementations.registry.spec import ImplementationSpec, registry
from implementations.sandbox.sandbox import checked_spec
from ontology.namespaces import concept_iri
from service.graphql.errors import ambiguous, bad_input, not_found
from service.graphql.results import InstantiateResult, SmokeCheck, SmokeTestResult
from service.graphql.scalars import BigInt
from service.graphql.types import Implementation, ImplementationOrigin
from service.runs import StoredSmoke, last_smoke_tests, run_instantiate, run_smoke

MAX_ARGS_BYTES = 10_000


def implementation_of(spec: ImplementationSpec) -> Implementation:
    """The GraphQL object for a registration."""
    return Implementation(
        id=strawberry.ID(spec.concept),
        target=spec.target,
        origin=ImplementationOrigin(spec.origin.value),
        default_args=dict(spec.defaults),  # type: ignore[arg-type]
        concept_iri=str(concept_iri(spec.concept)),
    )


def smoke_result(result: dict[str, Any] | StoredSmoke) -> SmokeTestResult:
    """A contract ``SmokeTestResult`` from a sandbox result or a stored run."""
    data = result if isinstance(result, dict) else result.__dict__
    checks = [SmokeCheck(name=c["name"], ok=bool(c["ok"]), detail=c.get("detail")) for c in data.get("checks", [])]
    return SmokeTestResult(
        term=data["term"], ok=bool(data["ok"]), checks=checks, duration_ms=float(data.get("duration_ms", 0.0)), error=data.get("error")
    )


def stored_smoke(info: Info, concept: str) -> SmokeTestResult | None:
    """The latest stored smoke run of ``concept``."""
    found = last_smoke_tests(info.context.vocab.store, [concept]).get(concept)
    return smoke_result(found) if found else None


def _args(args: JSON | None) -> dict[str, Any]:
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise bad_input("args must be a JSON object of constructor arguments")
    if len(repr(args)) > MAX_ARGS_BYTES:
        raise bad_input(f"args larger than {MAX_ARGS_BYTES} characters")
    return args


def checked_term_spec(term: str, args: dict[str, Any]) -> ImplementationSpec:
    """The registration of ``term`` with ``args`` checked, or the GraphQL error to answer (NOT_FOUND, AMBIGUOUS, BAD_USER_INPUT)."""
    try:
        spec = checked_spec(term, args)  # input limits first: NaN, huge numbers, deep nesting are BAD_USER_INPUT
    except UnknownImplementationError as exc:
        raise not_found(str(exc), exc.suggestions) from exc
    except AmbiguousImplementationError as exc:
        raise ambiguous(str(exc), exc.candidates) from exc
    except ImplementationError as exc:
        raise bad_input(str(exc)) from exc
    return spec


def list_specs() -> list[ImplementationSpec]:
    """Every registration, sorted by concept."""
    return [spec for _, spec in sorted(registry().items())]


@strawberry.type
class Mutation:
    """Runs that execute code, each in the sandbox."""

    @strawberry.mutation
    async def instantiate(self, info: Info, term: str, args: JSON | None = None) -> InstantiateResult:
        """Build the implementation of ``term`` with JSON ``args``; a failure is ok=false, not an error."""
        payload = _args(args)
        spec = checked_term_spec(term, payload)
        result = await asyncio.to_thread(run_instantiate, spec.concept, payload)
        count = result.get("parameter_count")
        return InstantiateResult(
            term=spec.concept,
            ok=bool(result.get("ok")),
            target=result.get("target"),
            class_name=result.get("class_name"),
            parameter_count=count if count is None or count <= GRAPHQL_MAX_INT else None,
            parameter_count_big=None if count is None else BigInt(count),
            repr=result.get("repr"),
            error=result.get("error"),
        )

    @strawberry.mutation
    async def smoke_test(self, info: Info, term: str, args: JSON | None = None) -> SmokeTestResult:
        """Smoke-test ``term`` in the sandbox and store the run; a failure is ok=false, not an error."""
        payload = _args(args)
        spec = checked_term_spec(term, payload)
        result = await asyncio.to_thread(run_smoke, info.context.vocab, spec.concept, payload, keep_runs=info.context.keep_runs)
        return smoke_result(result)
