"""Parsing cached per document text (or per template), validation per document *shape*: repeated work is done once.

Parsing: a client sends the same text again and again (a query with variables); its parsed document is kept
(:data:`MAX_DOCUMENTS` texts of at most :data:`MAX_CACHED_CHARS`), and the token limit applies to what is parsed.
A text that fails to parse is never remembered. A new text that differs from a valid one only in its string literals
and comments is answered from that one's template (:mod:`service.graphql.literals`), without parsing. The response
cache parses through here too (:func:`parsed_document`), so a request's text is parsed once at most.

Validation: a document validated once answers its twins without validating again.

Clients write the same query with different string arguments (``concept(name: "gqa")``, then
``concept(name: "rmsnorm")``): each text is new, so a cache keyed on the text never hits, and graphql-core's
validation (some forty rules over the whole document) is the costliest step of such a request. In this schema
whether a document is valid never depends on what its string literals say, only on their length
(:data:`~service.graphql.limits.MAX_STRING_CHARS`): every String/ID/JSON argument accepts any string and no
input takes a ``BigInt``. So the shape of a document, its text with each string literal emptied (or, over the
limit, replaced by a placeholder one character over it), decides validity; a shape found valid once is valid for
every document of that shape.

Comments (``#`` to the end of the line, outside strings) are dropped from the shape; a string with an
escape is kept as it is (its length as written is not its length as read). Only success is remembered
(an error message quotes the document's own values). A text with a block string (``\"\"\"``) is
validated as it is.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Sequence

from graphql import ASTValidationRule, DocumentNode, GraphQLError, parse
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from service.graphql.limits import MAX_STRING_CHARS, MAX_TOKENS
from service.graphql.literals import SPAN, TemplateHit, find_template, split_literals

MAX_SHAPES = 1024
MAX_DOCUMENTS = 1024
MAX_CACHED_CHARS = 8192  # longer texts are parsed every time: the cache stays small
_OVER_LIMIT = '"' + "_" * (MAX_STRING_CHARS + 1) + '"'
_documents: dict[str, DocumentNode] = {}


def _blank(token: re.Match[str]) -> str:
    text = token[0]
    if text.startswith("#"):
        return ""
    if "\\" in text:
        return text
    return '""' if len(text) - 2 <= MAX_STRING_CHARS else _OVER_LIMIT


def document_shape(query: str) -> str | None:
    """``query`` without comments, string literals emptied (``_`` × 257 when over the limit); ``None`` with a block string.

    A text the templates admit was already split (:func:`split_literals`, cached): its key, comments cut to ``#``
    and literals emptied, is the shape but for those ``#`` (outside literals a ``#`` always starts a comment).
    """
    split = split_literals(query)
    if split is not None:
        return split.key.replace("#", "")
    if '"""' in query:
        return None
    return SPAN.sub(_blank, query)


def _remember(query: str, document: DocumentNode) -> None:
    if len(query) <= MAX_CACHED_CHARS:
        if len(_documents) >= MAX_DOCUMENTS:
            _documents.clear()
        _documents[query] = document


def parsed_document(query: str) -> DocumentNode:
    """The parsed document of ``query`` (for its operations): from the cache, a template, or parsed under :data:`MAX_TOKENS`.

    A text answered by neither cache is parsed, and kept when short.

    Raises:
        GraphQLSyntaxError: The text does not parse, or has over :data:`MAX_TOKENS` tokens (never remembered).

    """
    document = _documents.get(query)
    if document is None:
        hit = find_template(query)
        if hit is not None:
            return hit.template.document
        document = parse(query, max_tokens=MAX_TOKENS)
        _remember(query, document)
    return document


def parse_once(context: ExecutionContext) -> Generator[None, None, TemplateHit | None]:
    """A schema extension's ``on_parse`` (``yield from``): a text seen before, or of a known template, is not parsed.

    A text of a template's key (:mod:`service.graphql.literals`) gets the template's document, and its literals are
    added to the variables; the template is returned (its errors' locations are to be moved). Any other new text is
    parsed by strawberry under :data:`MAX_TOKENS` (which reports its errors) and kept when it parsed.
    """
    query = context.query or ""
    context.parse_options["max_tokens"] = MAX_TOKENS
    document = _documents.get(query)
    hit = find_template(query) if document is None else None
    if hit is not None:
        document = hit.template.document
        context.variables = {**(context.variables or {}), **hit.values()}
    context.graphql_document = document
    yield
    if context.graphql_document is not None and hit is None and query not in _documents:
        _remember(query, context.graphql_document)
    return hit


def validation_errors(context: ExecutionContext, rules: Sequence[type[ASTValidationRule]], valid_shapes: set[str]) -> list[GraphQLError]:
    """Validate ``context``'s document with strawberry's rules and ``rules``, unless its shape is in ``valid_shapes``.

    ``valid_shapes`` belongs to one schema and its ``rules`` (the limits differ between settings): the shapes found
    valid are added to it, :data:`MAX_SHAPES` at most.
    """
    shape = document_shape(context.query or "")
    if shape is not None and shape in valid_shapes:
        return []
    assert context.graphql_document is not None  # validation follows a successful parse
    errors = validate_document(context.schema._schema, context.graphql_document, (*context.validation_rules, *rules))
    if shape is not None and not errors:
        if len(valid_shapes) >= MAX_SHAPES:
            valid_shapes.clear()
        valid_shapes.add(shape)
    return errors
