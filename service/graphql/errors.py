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
FORBIDDEN = "FORBIDDEN"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def not_found(message: str, suggestions: list[str] | None = None) -> GraphQLError:
    """An unknown term or id, with up to five suggested names."""
    return GraphQLError(message, extensions={"code": NOT_FOUND, "suggestions": (suggestions or [])[:5]})


def bad_input(message: str) -> GraphQLError:
    """An invalid argument."""
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT})


def ambiguous(message: str, candidates: list[str]) -> GraphQLError:
    """A name that denotes several concepts; ``candidates`` are their ids."""
    return GraphQLError(message, extensions={"code": AMBIGUOUS, "candidates": candidates})


def forbidden(message: str) -> GraphQLError:
    """An operation this deployment does not allow (mutations on a read-only server)."""
    return GraphQLError(message, extensions={"code": FORBIDDEN})


def rate_limited(message: str, retry_after: int) -> GraphQLError:
    """Over a per-client limit; ``retryAfter`` is the whole seconds to wait."""
    return GraphQLError(message, extensions={"code": RATE_LIMITED, "retryAfter": retry_after})


def _refused_by_a_limit(error: GraphQLError) -> bool:
    """Parsing or validation stopped by a limit: tokens, nesting, the validator's budget, introspection depth."""
    if isinstance(error, GraphQLSyntaxError):
        return error.message.endswith("Parsing aborted.")
    return isinstance(error, ValidationAbortedError) or error.message == "Maximum introspection depth exceeded"


def with_code(error: GraphQLError) -> GraphQLError:
    """``error``, with a code when it has none: every error of a response carries one.

    Refusals of the document or its variables (no field ``path``) get ``QUERY_TOO_COMPLEX`` when a limit
    stopped parsing or validation, ``BAD_USER_INPUT`` otherwise. A field error raised by graphql-core
    itself (a value its type cannot represent, a null in a non-null field) is ``INTERNAL_SERVER_ERROR``.
    Unexpected exceptions are left to the masking, which codes them ``INTERNAL_SERVER_ERROR`` too.
    """
    unexpected = error.original_error is not None and not isinstance(error.original_error, GraphQLError)
    if unexpected or "code" in (error.extensions or {}):
        return error
    refusal = QUERY_TOO_COMPLEX if _refused_by_a_limit(error) else BAD_USER_INPUT
    error.extensions = {**(error.extensions or {}), "code": INTERNAL_SERVER_ERROR if error.path is not None else refusal}
    return error
