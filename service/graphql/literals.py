"""Texts that differ only in their string literals share one parsed template: a new lookup text is not parsed.

Clients write a lookup with its name inline (``concept(name: "gqa")``, then ``concept(name: "rmsnorm")``). Each
text is new, so the text cache of :mod:`service.graphql.document_cache` never answers it, and parsing it (and
keeping its document) is the largest part of such a request after the HTTP stack: 0.49 against 0.31 ms
in-process for the same lookup written with a variable, and more when the process's caches are cold.

Such texts share a *key*: the text with each string literal emptied and each comment cut to ``#``. The first
text of a key is parsed, validated and executed as usual. Its document then becomes a *template*: each string
literal a variable (``$_nnv0``, ``$_nnv1`` …, of type ``String!`` or ``ID!``), declared by every operation. A
later text of that key is answered from the template, its literals passed as those variables' values.

Why the answer is the same as parsing the text would give:

* the key keeps every character outside literals and comments, and a text is admitted only when its literals
  hold no quote, backslash, control character or surrogate (nor its comments a control character or surrogate)
  and it has no block string, so the lexer would read it into the template text's tokens but for the literals'
  values;
* a literal becomes a variable only where the schema expects a ``String`` or an ``ID`` (found with graphql-core's
  :class:`~graphql.TypeInfo`). Both coerce a literal and a variable to the string itself. A document with a string
  anywhere else (a custom scalar, a variable's default value) or with a variable named ``_nnv…`` gets no template;
* error locations are those of the text asked (:meth:`TemplateHit.relocate`): a position moves by how much the
  literals and comments before it grew or shrank.

A template depends on the argument types only, the same in every schema :func:`create_schema` makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLID,
    GraphQLSchema,
    GraphQLString,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    Source,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    visit,
)

from service.graphql.limits import MAX_STRING_CHARS

MAX_TEMPLATES = 1024
MAX_TEMPLATE_CHARS = 8192  # longer texts are parsed every time
PREFIX = "_nnv"  # the template's variables: _nnv0, _nnv1, …
SPAN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n\r]*')  # a string literal or a comment, whichever starts first
_PLAIN_STRING = re.compile(r'[^"\\\x00-\x1f\ud800-\udfff]*')
_PLAIN_COMMENT = re.compile(r"[^\x00-\x1f\ud800-\udfff]*")
_templates: dict[str, Template | None] = {}  # None: the key's document cannot be a template


class Split(NamedTuple):
    """A text's key and where its literals and comments are (``(start, end)``, in text order)."""

    key: str
    spans: tuple[tuple[int, int], ...]


@lru_cache(maxsize=256)  # the response cache and the schema both ask for a request's text
def split_literals(query: str) -> Split | None:
    """The key of ``query`` and its spans; ``None`` when it is never answered from a template (see the module)."""
    if len(query) > MAX_TEMPLATE_CHARS or '"""' in query:
        return None
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    last = 0
    for match in SPAN.finditer(query):
        start, end = match.span()
        if query[start] == '"':
            if end - start - 2 > MAX_STRING_CHARS or not _PLAIN_STRING.fullmatch(query, start + 1, end - 1):
                return None
            parts += (query[last:start], '""')
        else:
            if not _PLAIN_COMMENT.fullmatch(query, start + 1, end):
                return None
            parts += (query[last:start], "#")
        spans.append((start, end))
        last = end
    parts.append(query[last:])
    return Split("".join(parts), tuple(spans))


@dataclass(frozen=True)
class Template:
    """A document whose string literals are variables, and where the literals were in the text it was made from.

    Attributes:
        document: The document, each literal replaced by a variable that every operation declares.
        source: The first text's source, where the document's locations point.
        spans: The first text's literals and comments.
        variables: ``(index in spans, variable name)`` of each literal.

    """

    document: DocumentNode
    source: Source
    spans: tuple[tuple[int, int], ...]
    variables: tuple[tuple[int, str], ...]


class TemplateHit(NamedTuple):
    """A text answered from a template: the variables' values, and its errors' locations."""

    template: Template
    query: str
    spans: tuple[tuple[int, int], ...]

    def values(self) -> dict[str, str]:
        """The template's variables bound to this text's literals."""
        spans, query = self.spans, self.query
        return {name: query[spans[index][0] + 1 : spans[index][1] - 1] for index, name in self.template.variables}

    def _moved(self, position: int) -> int:
        shift = 0
        for (start, end), (new_start, new_end) in zip(self.template.spans, self.spans, strict=True):
            if end > position:
                break
            shift += (new_end - new_start) - (end - start)
        return position + shift

    def relocate(self, errors: list[GraphQLError]) -> None:
        """Point the errors located in the template's text at this text instead (line and column)."""
        source: Source | None = None
        for error in errors:
            if error.positions and error.source is self.template.source:
                source = source or Source(self.query, self.template.source.name)
                error.source, error.positions = source, [self._moved(p) for p in error.positions]
                error.locations = [source.get_location(p) for p in error.positions]


def find_template(query: str) -> TemplateHit | None:
    """The template answering ``query``, if one was made from a text of its key."""
    split = split_literals(query)
    template = _templates.get(split.key) if split is not None else None
    if split is None or template is None or len(split.spans) != len(template.spans):
        return None
    return TemplateHit(template, query, split.spans)


def remember_template(query: str, document: DocumentNode, schema: GraphQLSchema) -> None:
    """Make ``document``, parsed from ``query`` and found valid, the template of its key (once per key)."""
    split = split_literals(query)
    if split is None or not split.spans or split.key in _templates:  # a text without literals: the text cache has it
        return
    if len(_templates) >= MAX_TEMPLATES:
        _templates.clear()
    _templates[split.key] = _make_template(query, split.spans, document, schema)


class _Literals(Visitor):
    """Names each string literal found where a String or an ID is expected; notes any other string or a ``_nnv`` variable."""

    def __init__(self, type_info: TypeInfo, literal_starts: set[int]) -> None:
        super().__init__()
        self.type_info = type_info
        self.literal_starts = literal_starts
        self.names: dict[int, str] = {}  # literal start -> variable name
        self.types: dict[str, str] = {}  # variable name -> "String" or "ID"
        self.refused = False

    def enter_variable_definition(self, *_args: Any) -> object:
        return self.SKIP  # a default value's string stays a literal: the spans then do not all match, no template

    def enter_variable(self, node: VariableNode, *_args: Any) -> None:
        self.refused |= node.name.value.startswith(PREFIX)

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        expected = get_named_type(self.type_info.get_input_type())
        start = node.loc.start if node.loc else -1
        if node.block or expected not in (GraphQLString, GraphQLID) or start not in self.literal_starts:
            self.refused = True
        else:
            name = self.names[start] = f"{PREFIX}{len(self.names)}"
            self.types[name] = "ID" if expected is GraphQLID else "String"


class _Variables(Visitor):
    """Replaces the named literals by their variables and declares them in every operation."""

    def __init__(self, names: dict[int, str], types: dict[str, str]) -> None:
        super().__init__()
        self.names = names
        self.types = types

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> VariableNode:
        assert node.loc is not None  # every literal of a parsed text is located
        return VariableNode(name=NameNode(value=self.names[node.loc.start]), loc=node.loc)

    def leave_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> OperationDefinitionNode:
        fields = {key: getattr(node, key) for key in node.keys}
        fields["variable_definitions"] = (
            *(node.variable_definitions or ()),
            *(
                VariableDefinitionNode(
                    variable=VariableNode(name=NameNode(value=name)),
                    type=NonNullTypeNode(type=NamedTypeNode(name=NameNode(value=self.types[name]))),
                    directives=(),
                )
                for name in self.names.values()
            ),
        )
        return OperationDefinitionNode(**fields)


def _make_template(query: str, spans: tuple[tuple[int, int], ...], document: DocumentNode, schema: GraphQLSchema) -> Template | None:
    if document.loc is None:
        return None
    literal_starts = {start for start, _end in spans if query[start] == '"'}
    type_info = TypeInfo(schema)
    literals = _Literals(type_info, literal_starts)
    visit(document, TypeInfoVisitor(type_info, literals))
    if literals.refused or len(literals.names) != len(literal_starts):
        return None
    variables = tuple((index, literals.names[start]) for index, (start, _end) in enumerate(spans) if start in literal_starts)
    return Template(visit(document, _Variables(literals.names, literals.types)), document.loc.source, spans, variables)
