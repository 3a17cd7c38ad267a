"""GraphQL errors carrying the contract's ``extensions.code``."""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError
from graphql.validation.validate import ValidationAbortedError

NOT_FOUND = "NOT_FOUND"
BAD_USER_INPUT = "BAD_USER_INPUT"
AMBIGUOUS = "AMBIGUOUS"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
RATE_LIMITED = "RATE_LIMITED"
TIMEOUT = "TIMEOUT"


def not_found(message: str, suggestions: list[str] | None = None) -> GraphQLError:
    """An unknown term or id, with up to five suggested names."""
    return GraphQLError(message, extensions={"code": NOT_FOUND, "suggestions": (suggestions or [])[:5]})


def bad_input(message: str) -> GraphQLError:
    """An invalid argument."""
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT})


def ambiguous(message: str, candidates: list[str]) -> GraphQLError:
    """A name that denotes several concepts; ``candidates`` are their ids."""
    return GraphQLError(message, extensions={"code": AMBIGUOUS, "candidates": candidates})


def _refused_by_a_limit(error: GraphQLError) -> bool:
    """Parsing or validation stopped by a limit: tokens, nesting, the validator's budget, introspection depth."""
    if isinstance(error, GraphQLSyntaxError):
        return error.message.endswith("Parsing aborted.")
    return isinstance(error, ValidationAbortedError) or error.message == "Maximum introspection depth exceeded"


def with_code(error: GraphQLError) -> GraphQLError:
    """``error``, with a contract code when it refuses the document or its variables and has none.

    Refusals (no field ``path``, no unexpected exception behind them) get ``QUERY_TOO_COMPLEX`` when a
    limit stopped parsing or validation, ``BAD_USER_INPUT`` otherwise. Field errors are left alone: a
    field error without a code is an internal failure, masked as such.
    """
    unexpected = error.original_error is not None and not isinstance(error.original_error, GraphQLError)
    if error.path is not None or unexpected or "code" in (error.extensions or {}):
        return error
    error.extensions = {**(error.extensions or {}), "code": QUERY_TOO_COMPLEX if _refused_by_a_limit(error) else BAD_USER_INPUT}
    return error
