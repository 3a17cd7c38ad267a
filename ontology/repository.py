"""Batched reads from the store into :mod:`ontology.views` objects.

Every ``get_*`` function takes many IRIs and runs a fixed number of SPARQL queries
(``VALUES`` blocks), whatever the batch size: the GraphQL DataLoaders rely on that.
No query here is built from user text: its text is constants, plus IRIs bound in ``VALUES``
only after the store's IRI parser accepted them (:func:`_values`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from sys import intern

import pyoxigraph as ox

from ontology._terms import Value
from ontology.graphview import RELATIONS, EdgeView
from ontology.names import NameIndex
from ontology.namespaces import PREFIXES
from ontology.store import TripleStore
from ontology.views import (
    ConceptView,
    ErratumView,
    HyperparameterView,
    ModelView,
    PairingView,
    PaperView,
    SourceView,
    StatsView,
)


def _opt(row: dict[str, Value], key: str) -> str | None:
    value = row.get(key)
    return None if value is None else str(value)


def _iri_term(text: str) -> str | None:
    """``<text>`` as the store's IRI parser writes it, or ``None`` when ``text`` is not an absolute IRI.

    The parser refuses every character that could end the term (``>``, ``<``, ``"``, braces, backslashes,
    spaces, control characters), so the term can never change the shape of the query it is put in.
    """
    try:
        return str(ox.NamedNode(text))
    except ValueError:
        return None


def is_iri(text: str) -> bool:
    """Whether ``text`` is an absolute IRI the store accepts (control characters, bad escapes… are not)."""
    return _iri_term(text) is not None


def _values(iris: Iterable[str]) -> str:
    """A SPARQL ``VALUES`` body of IRIs checked by the store's parser; other strings are dropped (they name nothing).

    This is how every function here binds IRIs (on the embedded and the remote store alike): a query's
    text is constants plus these checked terms, never text a user typed.
    """
    return " ".join(term for term in map(_iri_term, iris) if term)


def _source(row: dict[str, Value], prefix: str = "") -> SourceView:
    line = row.get(prefix + "line")
    section = row.get(prefix + "section")
    return SourceView(intern(str(row[prefix + "doc"])), intern(str(section)) if section else None, int(line) if line else None)


def _scope(var: str, iris: Iterable[str] | None) -> str | None:
    """The ``VALUES`` clause binding ``?var`` to ``iris`` (checked, see :func:`_values`); empty for ``None`` (every one).

    ``None`` when ``iris`` binds nothing: the caller has nothing to read.
    """
    if iris is None:
        return ""
    vals = _values(sorted(set(iris)))
    return f"VALUES ?{var} {{ {vals} }}" if vals else None


def _sort_sources(sources: list[SourceView]) -> list[SourceView]:
    return sorted(set(sources), key=lambda s: (s.document, s.line or 0, s.section or ""))


def name_index(store: TripleStore, *, with_kinds: bool = False) -> NameIndex:
    """The name index over every concept's preferred and alternative labels (and, ``with_kinds``, each concept's kind)."""
    rows = store.select(
        "SELECT ?c ?label ?pref WHERE { ?c a nnv:Concept . "
        "{ ?c skos:prefLabel ?label BIND(true AS ?pref) } UNION { ?c skos:altLabel ?label BIND(false AS ?pref) } }"
    )
    kinds: dict[str, str] = {}
    if with_kinds:
        found = store.select("SELECT ?c ?k WHERE { ?c a nnv:Concept ; nnv:kind ?kind BIND(STRAFTER(STR(?kind), 'kind-') AS ?k) }")
        kinds = {str(r["c"]): str(r["k"]) for r in found}
    return NameIndex.from_labels(((str(r["c"]), str(r["label"]), bool(r["pref"])) for r in rows), kinds)


def model_name_index(store: TripleStore) -> NameIndex:
    """The name index over every model's preferred labels."""
    rows = store.select("SELECT ?m ?l WHERE { ?m a nnv:Model ; skos:prefLabel ?l }")
    return NameIndex.from_labels((str(r["m"]), str(r["l"]), True) for r in rows)


def _multi(store: TripleStore, scope: str, pattern: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for row in store.select(f"SELECT ?c ?v WHERE {{ {scope} {pattern} }}"):
        out[str(row["c"])].append(intern(str(row["v"])))
    return {k: sorted(set(v)) for k, v in out.items()}


_LISTS = {
    "skos:altLabel": "alt_names",
    "skos:broader": "broader",
    "skos:narrower": "narrower",
    "skos:related": "related",
    "nnv:introducedIn": "papers",
    "nnv:usedBy": "models",
    "nnv:whenToUse": "when_to_use",  # "1. …" numbered items, kept in order, shown without the number
}
_DESCRIBE_PATH = "(nnv:pairing|nnv:erratum|nnv:hyperparameter|nnv:source|schema:author)*"
_LIST_IRIS = {PREFIXES[curie.split(":")[0]] + curie.split(":")[1]: attr for curie, attr in _LISTS.items()}


def get_concepts(store: TripleStore, iris: Iterable[str] | None, *, edges: Iterable[EdgeView] | None = None) -> dict[str, ConceptView]:
    """Full views of the given concepts (``None``: every concept, in the same few queries); unknown IRIs are absent.

    Args:
        store: The graph.
        iris: The concepts to read (``None``: every one).
        edges: Every edge of the :data:`~ontology.graphview.RELATIONS` predicates when already read (the read
            model's adjacency): the lists those predicates make (broader, related, papers …) are taken from
            them instead of read again.

    """
    vals = _scope("c", iris)
    if vals is None:
        return {}
    views: dict[str, ConceptView] = {}
    for r in store.select(
        f"SELECT ?c ?name ?kind ?status ?def ?formula ?note ?impl WHERE {{ {vals} "
        "?c a nnv:Concept ; skos:prefLabel ?name ; nnv:kind ?k ; nnv:status ?s ; skos:definition ?def . "
        "BIND(STRAFTER(STR(?k), 'kind-') AS ?kind) BIND(IF(?s = nnv:Speculative, 'SPECULATIVE', 'ESTABLISHED') AS ?status) "
        "OPTIONAL { ?c nnv:formula ?formula } OPTIONAL { ?c nnv:statusNote ?note } OPTIONAL { ?c nnv:implementation ?impl } }"
    ):
        c = intern(str(r["c"]))
        views[c] = ConceptView(
            iri=c,
            name=str(r["name"]),
            kind=intern(str(r["kind"])),
            status=intern(str(r["status"])),
            definition=str(r["def"]),
            formula=_opt(r, "formula"),
            status_note=_opt(r, "note"),
            implementation=_opt(r, "impl"),
        )
    if not views:
        return {}
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    listed = " ".join(_LISTS if edges is None else (p for p in _LISTS if p not in RELATIONS))
    # No "?c a nnv:Concept" here: over the whole graph that join costs more than the rows it drops.
    for r in store.select(f"SELECT ?c ?p ?v WHERE {{ {vals} VALUES ?p {{ {listed} }} ?c ?p ?v }}"):
        found[(str(r["c"]), _LIST_IRIS[str(r["p"])])].add(intern(str(r["v"])))
    for edge in edges or ():
        if edge.predicate in _LISTS:
            found[(edge.subject, _LISTS[edge.predicate])].add(edge.object)
    for (c, attr), values in found.items():
        if c not in views:
            continue
        items = sorted(values)
        setattr(views[c], attr, [i.split(". ", 1)[-1] for i in items] if attr == "when_to_use" else items)
    for r in store.select(
        f"SELECT ?c ?name ?default ?desc WHERE {{ {vals} ?c a nnv:Concept ; nnv:hyperparameter ?h . ?h rdfs:label ?name "
        "OPTIONAL { ?h nnv:defaultValue ?default } OPTIONAL { ?h dcterms:description ?desc } } ORDER BY ?c ?h"
    ):
        views[str(r["c"])].hyperparameters.append(HyperparameterView(intern(str(r["name"])), _opt(r, "default"), _opt(r, "desc")))
    for r in store.select(
        f"SELECT ?c ?doc ?section ?line WHERE {{ {vals} ?c a nnv:Concept ; nnv:source ?s . ?s nnv:document ?doc "
        "OPTIONAL { ?s nnv:section ?section } OPTIONAL { ?s nnv:line ?line } }"
    ):
        views[str(r["c"])].sources.append(_source(r))
    for r in store.select(
        f"SELECT ?c ?e ?claim ?corr ?ref ?doc ?section ?line WHERE {{ {vals} ?c a nnv:Concept ; nnv:erratum ?e . "
        "?e nnv:claim ?claim ; nnv:correction ?corr . OPTIONAL { ?e nnv:reference ?ref } "
        "OPTIONAL { ?e nnv:source ?s . ?s nnv:document ?doc OPTIONAL { ?s nnv:section ?section } "
        "OPTIONAL { ?s nnv:line ?line } } } ORDER BY ?c ?e"
    ):
        source = _source(r) if r.get("doc") else None
        views[str(r["c"])].errata.append(ErratumView(str(r["claim"]), str(r["corr"]), _opt(r, "ref"), source))
    for c, pairings in get_pairings(store, None if iris is None else views).items():
        if c in views:
            views[c].pairs_with = pairings
    for view in views.values():
        view.sources = _sort_sources(view.sources)
    return views


def get_pairings(store: TripleStore, iris: Iterable[str] | None) -> dict[str, list[PairingView]]:
    """The pairings of the given concepts (``None``: of every one), each concept's ordered by the paired concept."""
    vals = _scope("c", iris)
    if vals is None:
        return {}
    sources: dict[tuple[str, str], list[SourceView]] = defaultdict(list)
    notes: dict[tuple[str, str], str | None] = {}
    for r in store.select(
        f"SELECT ?c ?o ?note ?doc ?section ?line WHERE {{ {vals} ?c a nnv:Concept ; nnv:pairing ?p . "
        "?p nnv:pairedConcept ?o . OPTIONAL { ?p nnv:note ?note } "
        "OPTIONAL { ?p nnv:source ?s . ?s nnv:document ?doc OPTIONAL { ?s nnv:section ?section } "
        "OPTIONAL { ?s nnv:line ?line } } }"
    ):
        key = (str(r["c"]), intern(str(r["o"])))
        notes[key] = _opt(r, "note")
        if r.get("doc"):
            sources[key].append(_source(r))
    pairings: dict[str, list[PairingView]] = defaultdict(list)
    for (c, o), note in sorted(notes.items()):
        pairings[c].append(PairingView(o, note, tuple(_sort_sources(sources[(c, o)]))))
    return dict(pairings)


def get_kinds(store: TripleStore, iris: Iterable[str] | None) -> dict[str, str]:
    """The kind (``"OPTIMIZER"``) of each of the given concepts (``None``: of every one) that has one."""
    vals = _scope("c", iris)
    if vals is None:
        return {}
    return {c: kinds[0] for c, kinds in _multi(store, vals, "?c nnv:kind ?k BIND(STRAFTER(STR(?k), 'kind-') AS ?v)").items()}


def get_papers(store: TripleStore, iris: Iterable[str] | None) -> dict[str, PaperView]:
    """Views of the given papers (``None``: every paper), authors in order."""
    wanted = None if iris is None else list(iris)
    vals = _scope("p", wanted)
    if vals is None:
        return {}
    views: dict[str, PaperView] = {}
    for r in store.select(
        f"SELECT ?p ?title ?year ?venue ?arxiv ?doi ?url WHERE {{ {vals} ?p a nnv:Paper ; dcterms:title ?title "
        "OPTIONAL { ?p nnv:year ?year } OPTIONAL { ?p nnv:venue ?venue } OPTIONAL { ?p nnv:arxivId ?arxiv } "
        "OPTIONAL { ?p nnv:doi ?doi } OPTIONAL { ?p schema:url ?url } }"
    ):
        p = intern(str(r["p"]))
        year = r.get("year")
        views[p] = PaperView(
            iri=p,
            title=str(r["title"]),
            year=int(year) if year is not None else None,
            venue=_opt(r, "venue"),
            arxiv_id=_opt(r, "arxiv"),
            doi=_opt(r, "doi"),
            url=_opt(r, "url"),
        )
    for r in store.select(
        f"SELECT ?p ?name WHERE {{ {vals} ?p a nnv:Paper ; schema:author ?a . "
        "?a schema:name ?name ; schema:position ?pos } ORDER BY ?p ?pos"
    ):
        views[str(r["p"])].authors.append(str(r["name"]))
    for p, concepts in _multi(store, _scope("c", wanted) or "", "?c a nnv:Paper ; nnv:describes ?v").items():
        views[p].concepts = concepts
    return views


def get_models(store: TripleStore, iris: Iterable[str] | None) -> dict[str, ModelView]:
    """Views of the given models (``None``: every model)."""
    wanted = None if iris is None else list(iris)
    vals = _scope("m", wanted)
    if vals is None:
        return {}
    views: dict[str, ModelView] = {}
    for r in store.select(
        f"SELECT ?m ?name ?year ?org WHERE {{ {vals} ?m a nnv:Model ; skos:prefLabel ?name "
        "OPTIONAL { ?m nnv:year ?year } OPTIONAL { ?m nnv:organization ?org } }"
    ):
        m = intern(str(r["m"]))
        year = r.get("year")
        views[m] = ModelView(m, str(r["name"]), int(year) if year is not None else None, _opt(r, "org"))
    for m, concepts in _multi(store, _scope("c", wanted) or "", "?c a nnv:Model ; nnv:uses ?v").items():
        views[m].concepts = concepts
    return views


def instances_of(store: TripleStore, cls: str, iris: Iterable[str]) -> set[str]:
    """Which of ``iris`` are instances of ``cls`` (a CURIE written in code, never user input).

    One query of a fixed shape: the candidates are bound by :func:`_values`, so a string that is
    not an IRI is simply not found.
    """
    vals = _values(sorted(set(iris)))
    if not vals:
        return set()
    return {str(r["x"]) for r in store.select(f"SELECT ?x WHERE {{ VALUES ?x {{ {vals} }} ?x a {cls} }}")}


def describe(store: TripleStore, iri: str) -> bytes:
    """N-Triples of the node ``iri`` and of the nodes hanging off it (sources, errata, hyperparameters, pairings, authors).

    One query of a fixed shape over one checked IRI (:func:`_values`): bounded by the size of that
    node's own description. A string that is not an IRI describes nothing.
    """
    vals = _values([iri])
    if not vals:
        return b""
    return store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?node {{ {vals} }} ?node {_DESCRIBE_PATH} ?s . ?s ?p ?o }}")


def list_iris(store: TripleStore, cls: str, label: str, filters: str = "") -> list[str]:
    """IRIs of class ``cls`` (a CURIE) ordered by ``label`` (a CURIE), with extra SPARQL filters."""
    rows = store.select(f"SELECT ?x ?l WHERE {{ ?x a {cls} ; {label} ?l . {filters} }} ORDER BY LCASE(STR(?l)) ?x")
    return [str(r["x"]) for r in rows]


def get_stats(store: TripleStore) -> StatsView:
    """Counts for ``stats``; pairings count unordered pairs."""
    row = store.select("SELECT (COUNT(DISTINCT ?c) AS ?concepts) WHERE { ?c a nnv:Concept }")[0]
    counts = {k: int(v or 0) for k, v in row.items()}
    for name, pattern in (
        ("papers", "?x a nnv:Paper"),
        ("models", "?x a nnv:Model"),
        ("errata", "?x a nnv:Erratum"),
        ("implementations", "?x a mls:Implementation"),
    ):
        counts[name] = int(store.select(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}")[0].get("n") or 0)
    pairs = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?a nnv:pairsWith ?b FILTER(STR(?a) < STR(?b)) }")
    return StatsView(
        triples=len(store),
        concepts=counts["concepts"],
        papers=counts["papers"],
        models=counts["models"],
        pairings=int(pairs[0].get("n") or 0),
        implementations=counts["implementations"],
        errata=counts["errata"],
    )
