"""Assemble the strawberry schema; :func:`schema_sdl` is what ``service/schema.graphql`` holds."""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from types import TracebackType

import strawberry
from graphql import ASTValidationRule, ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger

from service.graphql.anatomy import AnatomyQuery
from service.graphql.document_cache import parse_once, validation_errors
from service.graphql.errors import AMBIGUOUS, BAD_USER_INPUT, INTERNAL_SERVER_ERROR, NOT_FOUND, QUERY_TOO_COMPLEX, with_code
from service.graphql.implementations import Mutation
from service.graphql.limits import make_limit_rules, variable_error
from service.graphql.literals import TemplateHit, remember_template
from service.graphql.operations import OperationGuard
from service.graphql.pairings import PairingMutation
from service.graphql.query import Query
from service.graphql.results import InstantiateResult, SmokeTestResult
from service.graphql.scalars import BIG_INT_SCALAR, BigInt
from service.graphql.types import Concept, Model, Paper
from service.settings import Settings

_PUBLIC_CODES = {NOT_FOUND, BAD_USER_INPUT, AMBIGUOUS, QUERY_TOO_COMPLEX}
logger = logging.getLogger(__name__)


def _should_mask(error: GraphQLError) -> bool:
    """Hide unexpected exceptions (no internals leak); keep errors that carry a contract code."""
    extensions = error.extensions or {}
    original = error.original_error
    return original is not None and extensions.get("code") not in _PUBLIC_CODES and not hasattr(original, "extensions")


def _masked(error: GraphQLError) -> GraphQLError:
    """An unexpected error as the client sees it: ``internal error``, coded ``INTERNAL_SERVER_ERROR``, nothing else."""
    return GraphQLError(
        "internal error",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": INTERNAL_SERVER_ERROR},
    )


class _Guards(SchemaExtension):
    """Every per-request rule of the API in one extension (strawberry's hook machinery costs per extension and hook).

    In the order a request meets them: the parse cache and templates (:func:`parse_once`), the variable limit (:func:`variable_error`),
    validation with the limit rules, once per document shape (:func:`validation_errors`), the operation guard
    (:class:`OperationGuard`), then every error gets its contract code (:func:`with_code`) and unexpected ones
    are masked as ``internal error``.

    Args:
        rules: The limit rules (:func:`make_limit_rules`), added to strawberry's validation rules.
        guard: The operation guard of this schema.
        valid_shapes: The document shapes this schema found valid (see :func:`validation_errors`).

    """

    def __init__(self, rules: tuple[type[ASTValidationRule], ...], guard: OperationGuard, valid_shapes: set[str]) -> None:
        self.rules = rules
        self.guard = guard
        self.valid_shapes = valid_shapes
        self.template: TemplateHit | None = None  # the template answering this request's text, if one does

    def on_operation(self) -> Generator[None, None, None]:
        """Code the errors once the operation is done, then mask the unexpected ones."""
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            if self.template is not None:
                self.template.relocate(result.errors)
            coded = (with_code(error) for error in result.errors)
            result.errors = [_masked(error) if _should_mask(error) else error for error in coded]

    def on_parse(self) -> Generator[None, None, None]:
        """Parse (once per text), then refuse over-long variables or validate (once per document shape).

        Judged here, as soon as the document is there, strawberry's validation step finds it done and answers
        these errors (a hook less per request).
        """
        context = self.execution_context
        self.template = yield from parse_once(context)
        if context.graphql_document is not None:
            error = variable_error(context.variables)  # a template's variables are literals within the limit
            errors = [error] if error is not None else validation_errors(context, self.rules, self.valid_shapes)
            context.pre_execution_errors = errors
            if not errors and self.template is None:
                remember_template(context.query or "", context.graphql_document, context.schema._schema)

    def on_execute(self) -> Generator[None, None, None]:
        """Answer the operation guard's refusal instead of executing, when there is one."""
        refusal = self.guard.refusal(self.execution_context)
        if refusal is not None:
            self.execution_context.result = ExecutionResult(data=None, errors=[refusal])
        yield


class _Stage:
    """One stage of a request run through a generator hook: the code before its ``yield`` on entry, after it on a clean exit.

    What strawberry's context managers do for a generator hook, without wrapping the hook anew for every request
    (``contextlib.contextmanager``, ``functools.wraps``, an exit stack per stage: ~0.03 ms of a 0.33 ms lookup).
    """

    __slots__ = ("_hook", "_running")

    def __init__(self, hook: Callable[[], Generator[None, None, None]] | None) -> None:
        self._hook = hook
        self._running: Generator[None, None, None] | None = None

    def __enter__(self) -> None:
        if self._hook is not None:
            self._running = self._hook()
            next(self._running)

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None) -> None:
        if self._running is None:
            return
        if exc_type is None:
            next(self._running, None)
        else:
            self._running.close()  # the hook's code after its yield does not run; the exception goes on

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None) -> None:
        self.__exit__(exc_type, exc, traceback)


class _GuardsRunner(SchemaExtensionsRunner):
    """strawberry's extension runner for the one extension of this schema, each stage a :class:`_Stage`."""

    def __init__(self, execution_context: ExecutionContext, guards: _Guards) -> None:
        super().__init__(execution_context, [guards])
        self.guards = guards

    def operation(self) -> _Stage:  # type: ignore[override]
        """The whole request."""
        return _Stage(self.guards.on_operation)

    def parsing(self) -> _Stage:  # type: ignore[override]
        """Parsing (and, here, validation)."""
        return _Stage(self.guards.on_parse)

    def validation(self) -> _Stage:  # type: ignore[override]
        """Validation: nothing to do (the parsing stage validated)."""
        return _Stage(None)

    def executing(self) -> _Stage:  # type: ignore[override]
        """Execution."""
        return _Stage(self.guards.on_execute)


class _Schema(strawberry.Schema):
    """Logs only unexpected errors at ERROR (with their traceback); a user's mistake is not the server's."""

    def create_extensions_runner(self, execution_context: ExecutionContext, extensions: list[SchemaExtension]) -> SchemaExtensionsRunner:
        """:class:`_GuardsRunner` when the extensions are this schema's own :class:`_Guards`, else strawberry's runner."""
        if len(extensions) == 1 and isinstance(extensions[0], _Guards):
            return _GuardsRunner(execution_context, extensions[0])
        return super().create_extensions_runner(execution_context, extensions)

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
    rules = tuple(make_limit_rules(settings.max_depth, settings.max_aliases, settings.max_estimated_nodes))
    guard, valid_shapes = OperationGuard(settings), set[str]()
    return _Schema(
        query=merge_types("Query", (Query, AnatomyQuery)),
        mutation=merge_types("Mutation", (Mutation, PairingMutation)),
        types=[Concept, Paper, Model, InstantiateResult, SmokeTestResult],
        extensions=[lambda: _Guards(rules, guard, valid_shapes)],  # one extension: each one costs every request
        config=StrawberryConfig(auto_camel_case=True, scalar_map={BigInt: BIG_INT_SCALAR}),
    )


def schema_sdl() -> str:
    """The schema in SDL, as committed in ``service/schema.graphql``."""
    return str(create_schema()) + "\n"
