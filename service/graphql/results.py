"""Outcomes of sandbox runs: smoke tests, instantiation and pairing verification."""

from __future__ import annotations

import strawberry

from service.graphql.scalars import BigInt


@strawberry.type
class SmokeCheck:
    """One check of a smoke test."""

    name: str
    ok: bool
    detail: str | None


@strawberry.type
class SmokeTestResult:
    """Outcome of a smoke test."""

    term: str
    ok: bool
    checks: list[SmokeCheck]
    duration_ms: float
    error: str | None


@strawberry.type
class InstantiateResult:
    """Outcome of instantiating an implementation."""

    term: str
    ok: bool
    target: str | None
    class_name: str | None
    parameter_count: int | None = strawberry.field(description="null above 2147483647 (GraphQL Int): see parameterCountBig")
    parameter_count_big: BigInt | None = strawberry.field(description="the parameter count at any size")
    repr: str | None
    error: str | None


@strawberry.type
class PairingVerification:
    """A training run that checks a pairing."""

    ok: bool
    layer: str
    optimizer: str
    steps: int
    initial_loss: float
    final_loss: float
    loss_ratio: float
    baseline_optimizer: str | None
    baseline_loss_ratio: float | None
    seed: int
    duration_ms: float
    diverged: bool = strawberry.field(description="a loss was not finite (reported losses are then the largest double)")
    error: str | None
    losses: list[float | None] = strawberry.field(description="the loss curve; null where not finite")
    extras: list[str] = strawberry.field(description="the claimed extras applied: schedule, clipping, weight-decay split …")
    lr: float | None
