"""Validation cached per document *shape*: a document validated once answers its twins without validating again.

Clients write the same query with different string arguments (``concept(name: "gqa")``, then
``concept(name: "rmsnorm")``): each text is new, so a cache keyed on the text never hits, and graphql-core's
validation (some forty rules over the whole document) is the costliest step of such a request. In this schema
whether a document is valid never depends on what its string literals say, only on their length
(:data:`~service.graphql.limits.MAX_STRING_CHARS`): every String/ID/JSON argument accepts any string and no
input takes a ``BigInt``. So the shape of a document, its text with each string literal's characters
replaced by as many placeholders, decides validity; a shape found valid once is valid for every document of that shape.

Comments (``#`` to the end of the line, outside strings) are dropped from the shape; a string with an
escape is kept as it is (its length as written is not its length as read). Only success is remembered
(an error message quotes the document's own values). A text with a block string (``\"\"\"``) is
validated as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_SHAPES = 1024
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n\r]*')  # a string or a comment, whichever starts first
_valid_shapes: set[str] = set()


def _blank(token: re.Match[str]) -> str:
    text = token[0]
    if text.startswith("#"):
        return ""
    return text if "\\" in text else '"' + "_" * (len(text) - 2) + '"'


def document_shape(query: str) -> str | None:
    """``query`` without comments, each string literal's characters replaced by ``_``; ``None`` when it has a block string."""
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
