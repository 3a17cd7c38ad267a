"""Terms and streams: SPARQL result terms as Python values, and chunked reading of RDF input."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import IO

import pyoxigraph as ox

Value = str | int | float | bool | None


def python_value(term: object) -> Value:
    """A SPARQL result term as a plain Python value (IRIs and strings as ``str``)."""
    if type(term) is ox.NamedNode:  # the commonest term first: no further checks
        return term.value
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return literal_value(term.value, term.datatype.value)
    return str(getattr(term, "value", term))


_XSD = "http://www.w3.org/2001/XMLSchema#"
_CONVERTERS: dict[str, type[int] | type[float]] = {
    **{_XSD + name: int for name in ("integer", "int", "long", "gYear")},
    **{_XSD + name: float for name in ("double", "decimal", "float")},
}


def literal_value(lexical: str, datatype: str) -> Value:
    """A typed literal's Python value (numbers and booleans converted, the rest as text)."""
    convert = _CONVERTERS.get(datatype)
    if convert is not None:
        return convert(lexical)
    if datatype == _XSD + "boolean":
        return lexical == "true"
    return lexical


class CountingReader:
    """A binary file wrapper that counts the bytes the parser has read (for progress bars)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.read_bytes += len(data)
        return data


def chunks(quads: Iterable[ox.Quad], size: int) -> Iterator[list[ox.Triple]]:
    """The triples of ``quads`` in lists of at most ``size``."""
    iterator = iter(quads)
    while chunk := [q.triple for q in islice(iterator, size)]:
        yield chunk
