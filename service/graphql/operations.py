"""Guards on the operation about to run: which one, whether mutations may run, and how many.

* A document with several operations must name the one to run (``operationName``), as the GraphQL spec
  requires: otherwise ``BAD_USER_INPUT``, and none runs.
* Mutations run code in the sandbox and write the graph. With ``allow_mutations`` off every mutation is
  refused with ``FORBIDDEN``. Otherwise each mutation field (each alias: ``a: smokeTest … b: smokeTest …``
  counts two) takes a token from the client's bucket of ``mutation_rate_limit_per_minute``, apart from the
  request limit; a document over the budget answers ``RATE_LIMITED`` (HTTP 429 with ``Retry-After``).

A refused operation runs none of its fields. The guard runs after validation, so an invalid document costs
no tokens.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from strawberry.types import ExecutionContext

from service.graphql.errors import bad_input, forbidden, rate_limited
from service.middleware import TokenBucket, client_key
from service.settings import Settings


def _response_keys(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], key: set[str]) -> set[str]:
    """The response keys (alias or name) of a selection set's fields, through its fragments."""
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if not selection.name.value.startswith("__"):
                key.add(selection.alias.value if selection.alias else selection.name.value)
        elif isinstance(selection, InlineFragmentNode):
            _response_keys(selection.selection_set, fragments, key)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            _response_keys(fragments.pop(selection.name.value).selection_set, fragments, key)  # each fragment once
    return key


def root_field_count(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    """How many root fields ``operation`` runs: fields with the same response key are merged into one run."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return len(_response_keys(operation.selection_set, fragments, set()))


class OperationGuard:
    """The guard for these settings, with its own per-client bucket of mutation fields (one per schema).

    Args:
        settings: ``allow_mutations`` and ``mutation_rate_limit_per_minute``.

    """

    def __init__(self, settings: Settings) -> None:
        self.allow_mutations = settings.allow_mutations
        self.per_minute = settings.mutation_rate_limit_per_minute
        self.bucket = TokenBucket(settings.mutation_rate_limit_per_minute)

    def refusal(self, context: ExecutionContext) -> GraphQLError | None:
        """Why the operation of ``context`` (parsed and valid) must not run, or ``None``; a 429 is set on its response."""
        document = context.graphql_document
        if document is None:
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        named = getattr(context, "_provided_operation_name", None)  # strawberry keeps the request's operationName only here
        if len(operations) > 1 and named is None:
            return bad_input("operationName is required when a document has several operations")
        operation = next((o for o in operations if o.name and o.name.value == context.operation_name), operations[0])
        if operation.operation != OperationType.MUTATION:
            return None
        if not self.allow_mutations:
            return forbidden("mutations are disabled on this server (NNV_ALLOW_MUTATIONS=false)")
        request = getattr(context.context, "request", None)
        cost = root_field_count(document, operation)
        wait = self.bucket.take(client_key(request.scope) if request is not None else "unknown", cost)
        if not wait:
            return None
        response = getattr(context.context, "response", None)
        if response is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(wait)
        return rate_limited(f"mutation limit of {self.per_minute} fields a minute exceeded ({cost} asked); retry in {wait} s", wait)
