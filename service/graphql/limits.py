"""Limits that refuse expensive or oversized queries before they run.

* Depth, aliases and an estimate of the nodes returned (``QUERY_TOO_COMPLEX``): a validation rule that
  walks each operation once, each fragment once (memoised), so its cost is linear in the document.
* Tokens per document (``QUERY_TOO_COMPLEX``): :data:`MAX_TOKENS`, a parse option, and a lower budget for
  graphql-core's field-merging check (:data:`FIELD_MERGING_BUDGET`): parsing and validation stay cheap
  whatever a 1 MB body holds.
* A literal ``first`` outside 1..:data:`MAX_FIRST` (``BAD_USER_INPUT``, before any estimate; the resolvers
  check a variable's value the same way).
* String arguments (``BAD_USER_INPUT``): at most :data:`MAX_STRING_CHARS`, for literals (the rule) and
  variable values (:func:`variable_error`). Names, ids, search text and cursors are far shorter, and
  fuzzy matching of a long text costs time that grows faster than its length.

The rule classes are made once per app (not per request), so strawberry's validation cache keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from graphql.validation.rules import overlapping_fields_can_be_merged
from graphql.validation.validate import ValidationAbortedError

from service.graphql.errors import BAD_USER_INPUT, QUERY_TOO_COMPLEX

MAX_FIRST = 100  # the largest page (`first`) of any list field
LIST_FANOUT = 10  # assumed size of a list field without a `first` argument
DEFAULT_FIRST = 20
MAX_TOKENS = 10_000
MAX_STRING_CHARS = 256
FIELD_MERGING_BUDGET = 50_000  # graphql-core's default (500,000) lets one document hold the event loop for seconds


def _string_error(length: int, node: StringValueNode | None = None) -> GraphQLError:
    message = f"a string argument of {length} characters is over the limit of {MAX_STRING_CHARS}"
    return GraphQLError(message, nodes=node, extensions={"code": BAD_USER_INPUT})


def page_size_message(first: int) -> str:
    """Why ``first`` is refused (the caller checked it is outside 1..:data:`MAX_FIRST`)."""
    return f"first must be between 1 and {MAX_FIRST}, got {first}"


def _fanout(node: FieldNode, definition: GraphQLField | None, returns_list: bool) -> int:
    """How many values the field may return: its `first` (literal, or its declared default), else a guess for a list.

    Raises:
        ValidationAbortedError: A literal `first` outside 1..MAX_FIRST (``BAD_USER_INPUT``, not a complexity refusal).

    """
    for arg in node.arguments or ():
        if arg.name.value == "first":
            if not isinstance(arg.value, IntValueNode):
                return DEFAULT_FIRST
            first = int(arg.value.value)
            if definition is not None and "first" in definition.args and not 1 <= first <= MAX_FIRST:
                raise ValidationAbortedError(page_size_message(first), nodes=arg, extensions={"code": BAD_USER_INPUT})
            return first
    declared = definition.args.get("first") if definition else None
    if declared is not None and isinstance(declared.default_value, int):
        return declared.default_value
    return LIST_FANOUT if returns_list and node.selection_set else 1  # a list of scalars is one value


@dataclass(frozen=True)
class _Cost:
    """What a selection set costs: nesting depth (introspection fields aside), aliases, estimated nodes."""

    depth: int = 0
    aliases: int = 0
    nodes: int = 0


class _Walker:
    """Costs selection sets; each fragment is costed once, and a fragment spread inside itself costs nothing."""

    def __init__(self, context: ValidationContext) -> None:
        self.schema: GraphQLSchema = context.schema
        self.fragments = {d.name.value: d for d in context.document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.costs: dict[str, _Cost] = {}
        self.open: set[str] = set()

    def _condition(self, condition: NamedTypeNode | None, parent: GraphQLNamedType | None) -> GraphQLNamedType | None:
        return self.schema.get_type(condition.name.value) if condition else parent

    def _fragment(self, name: str) -> _Cost:
        if name in self.open or name not in self.fragments:
            return _Cost()
        if name not in self.costs:
            self.open.add(name)
            fragment = self.fragments[name]
            self.costs[name] = self.cost(fragment.selection_set, self._condition(fragment.type_condition, None))
            self.open.discard(name)
        return self.costs[name]

    def cost(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> _Cost:
        """The cost of ``selection_set`` on ``parent`` (``None`` when unknown, as for introspection)."""
        depth = aliases = nodes = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = getattr(parent, "fields", {}).get(selection.name.value)  # None for introspection
                output = definition.type if definition else None
                child = get_named_type(output) if output else None
                # a page's size is already counted by the `first` of the connection field
                returns_list = is_list_type(get_nullable_type(output)) and not (parent is not None and parent.name.endswith("Connection"))
                inner = self.cost(selection.selection_set, child) if selection.selection_set else _Cost()
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + inner.depth)
                aliases += (1 if selection.alias else 0) + inner.aliases
                nodes += _fanout(selection, definition, returns_list) * max(1, inner.nodes)
                continue
            if isinstance(selection, InlineFragmentNode):
                part = self.cost(selection.selection_set, self._condition(selection.type_condition, parent))
            else:
                part = self._fragment(cast(FragmentSpreadNode, selection).name.value)
            depth, aliases, nodes = max(depth, part.depth), aliases + part.aliases, nodes + part.nodes
        return _Cost(depth, aliases, nodes)


def make_limit_rules(max_depth: int, max_aliases: int, max_nodes: int) -> list[type[ValidationRule]]:
    """Validation rule classes enforcing the given limits and :data:`MAX_STRING_CHARS` for literals.

    Also lowers graphql-core's work budget for checking that fields merge (process-wide, its documented knob):
    a document that exhausts it is refused (``Validation aborted.``, coded ``QUERY_TOO_COMPLEX``).
    """
    overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = FIELD_MERGING_BUDGET

    class QueryLimits(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            cost = _Walker(self.context).cost(node.selection_set, self.context.schema.get_root_type(node.operation))
            if cost.depth > max_depth:
                message = f"query depth {cost.depth} exceeds the limit of {max_depth}"
            elif cost.aliases > max_aliases:
                message = f"{cost.aliases} aliases exceed the limit of {max_aliases}"
            elif cost.nodes > max_nodes:
                message = f"the query may return about {cost.nodes} nodes, over the limit of {max_nodes}"
            else:
                return
            # stop validating: the other rules' work (field merging above all) is wasted on a refused query
            raise ValidationAbortedError(message, nodes=node, extensions={"code": QUERY_TOO_COMPLEX})

        def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
            if len(node.value) > MAX_STRING_CHARS:
                self.report_error(_string_error(len(node.value), node))

    return [QueryLimits]


def _longest_string(value: object) -> int:
    """The length of the longest string in a JSON value (iterative: variables may nest deeply)."""
    longest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
    return longest


def variable_error(variables: object) -> GraphQLError | None:
    """The refusal (``BAD_USER_INPUT``) of variables holding a string over :data:`MAX_STRING_CHARS`, if they do."""
    longest = _longest_string(variables)
    return _string_error(longest) if longest > MAX_STRING_CHARS else None
