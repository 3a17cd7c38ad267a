"""The sandbox's input limits, checked in the caller's process before a job is sent anywhere.

Arguments must be a small JSON object: bounded nesting, count and string length, finite numbers,
64-bit integers, string keys. The walk is iterative, so even a 100k-deep structure is refused
without a ``RecursionError``. A term name is bounded too: close-name suggestions for an unknown
term take time in proportion to its length.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from implementations.registry.spec import ImplementationError

MAX_TERM_LENGTH = 200
MAX_ARG_DEPTH = 8
MAX_ARG_VALUES = 1_000
MAX_ARG_STRING = 1_000
_INT64 = 2**63


class InputLimitError(ImplementationError):
    """A term name or arguments beyond the sandbox's input limits (length, depth, size, JSON types)."""


def _json_children(value: Any) -> list[Any] | None:
    """The members of a JSON container, or None for a scalar; raises for what JSON cannot hold."""
    if isinstance(value, dict):
        if not all(isinstance(key, str) and len(key) <= MAX_ARG_STRING for key in value):
            raise InputLimitError(f"args: object keys must be strings of at most {MAX_ARG_STRING} characters")
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str) and len(value) > MAX_ARG_STRING:
        raise InputLimitError(f"args: a string longer than {MAX_ARG_STRING} characters")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputLimitError(f"args: {value} is not a JSON number")
    if isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        raise InputLimitError("args: an integer beyond 64 bits")
    if value is not None and not isinstance(value, str | int | float):
        raise InputLimitError(f"args: a {type(value).__name__} is not a JSON value")
    return None


def check_json_args(args: Mapping[str, Any] | None) -> None:
    """Refuse arguments that are not a small JSON object, iteratively (no recursion, however deep).

    Raises:
        InputLimitError: Not an object; more than ``MAX_ARG_DEPTH`` nested containers; more than
            ``MAX_ARG_VALUES`` values; a long string; NaN, infinity, an integer beyond 64 bits or a
            non-JSON type.

    """
    if args is not None and not isinstance(args, dict):
        raise InputLimitError(f"args must be a JSON object of constructor arguments, not a {type(args).__name__}")
    stack: list[tuple[Any, int]] = [(args or {}, 1)]
    count = 1
    while stack:
        value, depth = stack.pop()
        children = _json_children(value)
        if children is None:
            continue
        if depth > MAX_ARG_DEPTH:
            raise InputLimitError(f"args nest deeper than {MAX_ARG_DEPTH} levels")
        count += len(children)
        if count > MAX_ARG_VALUES:
            raise InputLimitError(f"args hold more than {MAX_ARG_VALUES} values")
        stack.extend((child, depth + 1) for child in children)


def check_term(term: str) -> None:
    """Refuse a term name longer than ``MAX_TERM_LENGTH`` (before any lookup).

    Raises:
        InputLimitError: The term is too long.

    """
    if len(term) > MAX_TERM_LENGTH:
        raise InputLimitError(f"term longer than {MAX_TERM_LENGTH} characters")
