"""Parsing cached per document text, validation per document *shape*: repeated work is done once.

Parsing: a client sends the same text again and again (a query with variables); its parsed document is kept
(:data:`MAX_DOCUMENTS` texts of at most :data:`MAX_CACHED_CHARS`), and the token limit applies to what is parsed.
A text that fails to parse is never remembered.

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
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from service.graphql.limits import MAX_STRING_CHARS, MAX_TOKENS

MAX_SHAPES = 1024
MAX_DOCUMENTS = 1024
MAX_CACHED_CHARS = 8192  # longer texts are parsed every time: the cache stays small
_OVER_LIMIT = '"' + "_" * (MAX_STRING_CHARS + 1) + '"'
_documents: dict[str, DocumentNode] = {}
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n\r]*')  # a string or a comment, whichever starts first
_valid_shapes: set[str] = set()


def _blank(token: re.Match[str]) -> str:
    text = token[0]
    if text.startswith("#"):
        return ""
    if "\\" in text:
        return text
    return '""' if len(text) - 2 <= MAX_STRING_CHARS else _OVER_LIMIT


def document_shape(query: str) -> str | None:
    """``query`` without comments, string literals emptied (``_`` × 257 when over the limit); ``None`` with a block string."""
    if '"""' in query:
        return None
    return _TOKEN.sub(_blank, query)


class ShapeValidationCache(SchemaExtension):
    """Validate a document only when no document of its shape validated before (at most :data:`MAX_SHAPES` remembered)."""

    def on_validate(self) -> Iterator[None]:
        """Skip validation for a known-valid shape; otherwise validate, and remember the shape when valid."""
        context = self.execution_context
        shape = document_shape(context.query or "")
        if shape is not None and shape in _valid_shapes:
            context.pre_execution_errors = []
        elif context.graphql_document is not None:
            errors = validate_document(context.schema._schema, context.graphql_document, context.validation_rules)
            context.pre_execution_errors = errors
            if shape is not None and not errors:
                if len(_valid_shapes) >= MAX_SHAPES:
                    _valid_shapes.clear()
                _valid_shapes.add(shape)
        yield


class ParsedDocumentCache(SchemaExtension):
    """Reuse the parsed document of a text seen before; parse others under :data:`MAX_TOKENS` and remember them."""

    def on_parse(self) -> Iterator[None]:
        """Take the document from the cache, or let strawberry parse it and keep it when it parsed."""
        context = self.execution_context
        context.parse_options["max_tokens"] = MAX_TOKENS
        query = context.query or ""
        context.graphql_document = _documents.get(query)
        yield
        if context.graphql_document is not None and len(query) <= MAX_CACHED_CHARS and query not in _documents:
            if len(_documents) >= MAX_DOCUMENTS:
                _documents.clear()
            _documents[query] = context.graphql_document
