"""Assemble the strawberry schema; :func:`schema_sdl` is what ``service/schema.graphql`` holds."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import strawberry
from graphql import GraphQLError
from strawberry.extensions import AddValidationRules, MaskErrors, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from service.graphql.anatomy import AnatomyQuery
from service.graphql.document_cache import ParsedDocumentCache, ShapeValidationCache
from service.graphql.errors import AMBIGUOUS, BAD_USER_INPUT, INTERNAL_SERVER_ERROR, NOT_FOUND, QUERY_TOO_COMPLEX, with_code
from service.graphql.implementations import Mutation
from service.graphql.limits import VariableLimits, make_limit_rules
from service.graphql.operations import make_operation_guard
from service.graphql.pairings import PairingMutation
from service.graphql.query import Query
from service.graphql.results import InstantiateResult, SmokeTestResult
from service.graphql.scalars import BIG_INT_SCALAR, BigInt
from service.graphql.types import Concept, Model, Paper
from service.settings import Settings

_PUBLIC_CODES = {NOT_FOUND, BAD_USER_INPUT, AMBIGUOUS, QUERY_TOO_COMPLEX}
logger = logging.getLogger(__name__)


def _should_mask(error: object) -> bool:
    """Hide unexpected exceptions (no internals leak); keep errors that carry a contract code."""
    extensions = getattr(error, "extensions", None) or {}
    original = getattr(error, "original_error", None)
    return original is not None and extensions.get("code") not in _PUBLIC_CODES and not hasattr(original, "extensions")


class _MaskErrors(MaskErrors):
    """Masks unexpected errors as ``internal error``, coded ``INTERNAL_SERVER_ERROR`` like every other error."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        """The masked error, with its code."""
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_SERVER_ERROR}
        return masked


class ErrorCodes(SchemaExtension):
    """Give refusals of a document or its variables a contract code (see :func:`with_code`)."""

    def on_operation(self) -> Iterator[None]:
        """Code the errors once the operation is done (before :class:`MaskErrors` masks the rest)."""
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [with_code(error) for error in result.errors]


class _Schema(strawberry.Schema):
    """Logs only unexpected errors at ERROR (with their traceback); a user's mistake is not the server's."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log each error: unexpected exceptions as errors, refusals and contract errors at debug level."""
        for error in errors:
            if error.original_error is None or isinstance(error.original_error, GraphQLError):
                logger.debug("refused: %r", error.message)
            else:
                StrawberryLogger.error(error, execution_context)


def create_schema(settings: Settings | None = None) -> strawberry.Schema:
    """The GraphQL schema with limit rules built once for these settings."""
    settings = settings or Settings()
    rules = make_limit_rules(settings.max_depth, settings.max_aliases, settings.max_estimated_nodes)
    return _Schema(
        query=merge_types("Query", (Query, AnatomyQuery)),
        mutation=merge_types("Mutation", (Mutation, PairingMutation)),
        types=[Concept, Paper, Model, InstantiateResult, SmokeTestResult],
        extensions=[
            ParsedDocumentCache,  # process-wide: each text parsed once, under the token limit
            ShapeValidationCache,  # process-wide: each document shape validated once
            VariableLimits,
            lambda: AddValidationRules(rules),  # type: ignore[arg-type]
            make_operation_guard(settings),
            lambda: _MaskErrors(should_mask_error=_should_mask, error_message="internal error"),
            ErrorCodes,  # listed after MaskErrors so that it sees the errors first
        ],
        config=StrawberryConfig(auto_camel_case=True, scalar_map={BigInt: BIG_INT_SCALAR}),
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in ``service/schema.graphql``."""
    return str(create_schema()) + "\n"
