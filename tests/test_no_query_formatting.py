"""No SPARQL text is built from a request's values: every formatted query is on a reviewed allow-list.

The code of ``ontology/``, ``loaders/``, ``implementations/`` and ``service/`` is parsed, and every
f-string, ``str.format``, ``%`` or ``+`` whose literal text holds a SPARQL keyword is found. Each
one must sit in a function of :data:`ALLOWED`, which says what is formatted in and why that cannot
come from a request: constants, IRIs bound only after the store's IRI parser accepted them
(``repository._values``), IRIs read from the store or resolved through the name index, or
N-Triples terms written by a serialiser. A new one fails this test until it has been reviewed
and added; an entry nothing matches any more fails it too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ontology", "loaders", "implementations", "service")
KEYWORDS = re.compile(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|WHERE|INSERT|DELETE|VALUES)\b")

_CHECKED = "IRIs bound by repository._values (checked by the store's IRI parser) and constant text"
ALLOWED = {
    (
        "ontology/graphview.py",
        "_edges",
    ): "nodes: IRIs read from the store (BFS from a node found by the loaders); predicates: the RELATIONS constants",
    ("ontology/pairs.py", "families_of"): "layer: an IRI resolved through the name index; ancestors: IRIs read from the store",
    ("ontology/readmodel/adjacency.py", "Adjacency.read"): "predicates: the RELATIONS constants",
    ("ontology/remote_store.py", "<module>"): "_BUMP: the VERSION_GRAPH constant",
    ("ontology/remote_store.py", "RemoteStore.version"): "the VERSION_GRAPH constant",
    ("ontology/repository.py", "_multi"): f"{_CHECKED}; the pattern is a constant of the callers",
    ("ontology/repository.py", "get_concepts"): _CHECKED,
    ("ontology/repository.py", "get_papers"): _CHECKED,
    ("ontology/repository.py", "get_models"): _CHECKED,
    ("ontology/repository.py", "get_pairings"): _CHECKED,
    ("ontology/repository.py", "_scope"): _CHECKED,
    ("ontology/repository.py", "instances_of"): f"{_CHECKED}; cls: a CURIE written in code (the page routes' nnv:Paper, nnv:Model)",
    ("ontology/repository.py", "describe"): f"{_CHECKED}; _DESCRIBE_PATH is a constant",
    ("ontology/repository.py", "list_iris"): "cls, label and filters: CURIEs and patterns written in code (GraphQL enum IRIs)",
    ("ontology/repository.py", "get_stats"): "constant patterns",
    ("ontology/search/lexical.py", "<module>"): "SQLite FTS5 statements, not SPARQL, made of the constants _TOKENIZER and _BM25",
    (
        "ontology/store.py",
        "TripleStore._load_journaled",
    ): "a uuid IRI, the JOURNAL constant, and the file name as a literal serialised by pyoxigraph",
    ("ontology/store.py", "TripleStore.interrupted_loads"): "the JOURNAL constant",
    ("service/runs.py", "insert_data"): "the triples serialised as N-Triples by rdflib (values never become query text)",
    (
        "service/runs.py",
        "prune_runs",
    ): "kind: a CURIE written in code; used: implementation/concept IRIs of registered implementations; keep: an int",
    ("service/runs.py", "record_smoke"): "the implementation IRI of a registered implementation (the sandbox refuses unknown terms)",
    ("service/runs.py", "last_smoke_tests"): "implementation IRIs of registry slugs (Implementation.id, from the registry)",
    (
        "service/verifications.py",
        "record_verification",
    ): "concept slugs resolved through the name index; the run IRI is built from them and a timestamp",
    (
        "service/verifications.py",
        "latest_verification",
    ): "concept slugs of pairings read from the store (PairingView.owner_iri/concept_iri)",
}


def _literal_text(node: ast.expr) -> str | None:
    """The literal text of a string constant or an f-string (its constant parts); ``None`` for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str))
    return None


class _Finder(ast.NodeVisitor):
    """Collects (qualified function name, line, how) of every formatted text holding a SPARQL keyword."""

    def __init__(self) -> None:
        self.scope: list[str] = []
        self.found: list[tuple[str, int, str]] = []

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def _found(self, node: ast.expr, how: str) -> None:
        self.found.append((".".join(self.scope) or "<module>", node.lineno, how))

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if any(isinstance(part, ast.FormattedValue) for part in node.values) and KEYWORDS.search(_literal_text(node) or ""):
            self._found(node, "f-string")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "format" and KEYWORDS.search(_literal_text(func.value) or ""):
            self._found(node, "str.format")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        texts = [_literal_text(node.left), _literal_text(node.right)]
        if isinstance(node.op, ast.Mod | ast.Add) and None in texts and any(KEYWORDS.search(t or "") for t in texts):
            self._found(node, "%" if isinstance(node.op, ast.Mod) else "+")
        self.generic_visit(node)


def formatted_queries() -> dict[tuple[str, str], list[str]]:
    """(file, function) → the formatted SPARQL texts found there, as ``line: how``."""
    found: dict[tuple[str, str], list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            finder = _Finder()
            finder.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
            for scope, line, how in finder.found:
                found.setdefault((path.relative_to(ROOT).as_posix(), scope), []).append(f"{line}: {how}")
    return found


def test_the_finder_sees_every_way_of_formatting() -> None:
    source = (
        "def f(x):\n"
        "    a = f'SELECT ?s WHERE {{ <{x}> ?p ?o }}'\n"
        "    b = 'ASK {{ <{}> ?p ?o }}'.format(x)\n"
        "    c = 'DESCRIBE <%s>' % x\n"
        "    d = 'DELETE WHERE { <' + x + '> ?p ?o }'\n"
        "    e = f'no keyword {x}' + 'select lower-case'\n"
        "    return 'SELECT * WHERE { ?s ?p ?o }' + ' LIMIT 1'\n"
    )
    finder = _Finder()
    finder.visit(ast.parse(source))
    assert [(scope, how) for scope, _, how in finder.found] == [("f", "f-string"), ("f", "str.format"), ("f", "%"), ("f", "+")]


def test_every_formatted_query_is_reviewed() -> None:
    unreviewed = {key: lines for key, lines in formatted_queries().items() if key not in ALLOWED}
    assert not unreviewed, f"SPARQL text formatted outside the reviewed allow-list (bind IRIs with VALUES of checked terms): {unreviewed}"


def test_the_allow_list_has_no_stale_entry() -> None:
    stale = set(ALLOWED) - set(formatted_queries())
    assert not stale, f"nothing formats a query here any more: remove {stale}"
