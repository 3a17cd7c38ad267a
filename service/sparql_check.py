r"""Which user queries the SPARQL endpoint refuses, decided by rdflib's SPARQL parser (not by regexes).

A parser sees tokens, so ``SERVICE`` or ``LOAD`` inside a string literal, a comment or an IRI is
harmless, while ``SERVICE`` nested anywhere (OPTIONAL, UNION, MINUS, subqueries, EXISTS, GRAPH)
is found. rdflib expands the ``\uXXXX`` escapes first, as the SPARQL grammar requires. A query rdflib
cannot parse is refused, even if another engine would accept it: the check fails closed.

The parser can spend seconds on a short text, so :mod:`service.sparql_guard` calls :func:`refusal`
in a killable worker under the query's deadline, after the cheap bounds (size, :func:`nesting`).
It also takes ~4 ms on a simple query, more than the whole evaluation: a text that cannot hold
the ``SERVICE`` keyword (:func:`needs_full_check` is false) is left to pyoxigraph, which parses
it anyway and whose ``query`` runs no update. pyoxigraph matches keywords without a word
boundary (``SERVICESILENT<…>`` and ``SERVICE:x`` are federated queries to it), so the test is on
the raw characters: no ``service`` anywhere, in any case, and no ``\u`` escape that could spell it.
"""

from __future__ import annotations

from functools import cache

from pyparsing import ParseResults
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

READ_ONLY = "SPARQL Update is not allowed: this endpoint is read-only"
NO_SERVICE = "federated queries (SERVICE) are not allowed: this endpoint makes no outbound requests"
MAX_NESTING = 40  # rdflib's parser gives up (recursion) at about 45 levels of braces
_WARM_UP = "PREFIX x: <http://x/> SELECT (COUNT(*) AS ?n) WHERE { ?s a x:C ; ?p ?o OPTIONAL { ?o ?p 'x' } FILTER(?o != 1) } GROUP BY ?s"


def nesting(query: str) -> int:
    """The deepest nesting of braces and parentheses in the raw text (those in literals and comments count too: it errs high)."""
    depth = deepest = 0
    for char in query:
        if char in "{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})":
            depth = max(depth - 1, 0)
    return deepest


def needs_full_check(query: str) -> bool:
    r"""Whether ``query`` may hold the ``SERVICE`` keyword: the word in any case (after case folding), or a ``\u``/``\U`` escape."""
    folded = query.casefold()
    return "service" in folded or "\\u" in folded


@cache
def prepare_parser() -> None:
    """Parse one constant query: pyparsing prepares the grammar on its first parse, so once in this process, not in every child."""
    refusal(_WARM_UP)


def refusal(query: str) -> str | None:
    """Why ``query`` is refused (an update, ``SERVICE``, a syntax error), or ``None`` for one read query."""
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
