"""Custom scalars of the contract."""

from __future__ import annotations

from typing import NewType

import strawberry

BigInt = NewType("BigInt", int)
BIG_INT_SCALAR = strawberry.scalar(
    name="BigInt",
    description="An integer of any size, serialised as a JSON string of decimal digits (exact in every JSON client).",
    serialize=str,
    parse_value=int,
)
