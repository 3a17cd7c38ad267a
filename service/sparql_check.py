r"""Which user queries the SPARQL endpoint refuses, decided by rdflib's SPARQL parser (not by regexes).

A parser sees tokens, so ``SERVICE`` or ``LOAD`` inside a string literal, a comment or an IRI is
harmless, while ``SERVICE`` nested anywhere (OPTIONAL, UNION, MINUS, subqueries, EXISTS, GRAPH)
is found. rdflib expands the ``\uXXXX`` escapes first, as the SPARQL grammar requires. A query rdflib
cannot parse is refused, even if another engine would accept it: the check fails closed.
"""

from __future__ import annotations

from functools import lru_cache

from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"
NO_SERVICE = "federated queries (SERVICE) are not allowed: this endpoint makes no outbound requests"


@lru_cache(maxsize=256)
def refusal(query: str) -> str | None:
    """Why ``query`` is refused (an update, ``SERVICE``, a syntax error), or ``None`` for one read query.

    Cached: rdflib's parser takes milliseconds per query.
    """
    try:
        tree = parseQuery(query)
    except Exception as exc:  # pyparsing's errors, RecursionError on deep nesting, errors of rdflib's parse actions
        return READ_ONLY if _is_update(query) else f"invalid SPARQL: {str(exc)[:300]}"
    return NO_SERVICE if _has_service(tree) else None


def _is_update(query: str) -> bool:
    try:
        return "request" in parseUpdate(query)  # an empty update (only a prologue or comments) is a syntax error here
    except Exception:  # not an update either: the caller reports the query parser's error
        return False


def _has_service(tree: object) -> bool:
    """Whether a parse tree holds a ``SERVICE`` pattern at any depth (OPTIONAL, UNION, subqueries, EXISTS…)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(node.values())
        elif isinstance(node, ParseResults | list | tuple):
            stack.extend(node)
    return False
