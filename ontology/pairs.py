"""Optimizer–layer pairs: pairings between an optimizer and a layer-like concept, with their recipes.

The layer side of a pair is always layer-like (:data:`LAYER_KINDS`). What else a source line
attaches to the pair — a schedule, gradient clipping, an auxiliary loss, weight decay — is the
pair's *recipe*, never a layer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ontology.namespaces import ConceptKind
from ontology.store import Rows, TripleStore
from ontology.views import SourceView

# Kinds that can fill the layer slot of an optimizer–layer pair: things a network is built from.
LAYER_KINDS = (
    ConceptKind.LAYER,
    ConceptKind.ATTENTION,
    ConceptKind.NORMALIZATION,
    ConceptKind.ACTIVATION,
    ConceptKind.EMBEDDING,
    ConceptKind.ARCHITECTURE,
)
_LAYER_KIND_TERMS = ", ".join(f"<{kind.iri}>" for kind in LAYER_KINDS)
_NOT_RECIPE_TERMS = ", ".join(f"<{kind.iri}>" for kind in (*LAYER_KINDS, ConceptKind.OPTIMIZER))

# Layers whose family is not reachable through skos:broader (an attention layer is not a kind of
# Transformer, but it is what the Transformer row of the pairing table is about).
FAMILY_HINTS = {
    "multi-head-attention": "transformer",
    "self-attention": "transformer",
    "grouped-query-attention": "transformer",
    "multi-query-attention": "transformer",
    "transformer-block": "transformer",
    "transformer-encoder": "transformer",
    "transformer-decoder": "transformer",
    "token-embedding": "embedding",
}


@dataclass(frozen=True)
class RecipeItemView:
    """A non-layer concept (schedule, clipping, auxiliary loss …) that a pair's source line attaches to it."""

    concept: str
    note: str | None
    sources: tuple[SourceView, ...]


@dataclass(frozen=True)
class PairView:
    """A claimed optimizer–layer pairing with its note, sources and recipe.

    ``via`` is set when the pairing is inferred: the layer asked for is a narrower concept and the
    claim is about ``via``, its family (e.g. LSTM via recurrent neural network).
    """

    layer: str
    optimizer: str
    note: str | None
    sources: tuple[SourceView, ...]
    via: str | None = None
    recipe: tuple[RecipeItemView, ...] = ()


def families_of(store: TripleStore, layer: str) -> list[str]:
    """The broader concepts (transitively) of ``layer`` that have optimizer pairings, nearest first."""
    # Two steps, each starting from what is small: the layer's ancestors, then which of them pair.
    ancestors = store.select(
        f"SELECT ?f (COUNT(?mid) AS ?d) WHERE {{ <{layer}> skos:broader+ ?mid . ?mid skos:broader* ?f }} GROUP BY ?f ORDER BY ?d ?f"
    )
    found = [str(r["f"]) for r in ancestors]
    if found:
        values = " ".join(f"<{f}>" for f in found)
        pairing = store.select(
            f"SELECT DISTINCT ?f WHERE {{ VALUES ?f {{ {values} }} ?f nnv:pairing ?p . ?p nnv:pairedConcept ?o . "
            "?o nnv:kind nnv:kind-OPTIMIZER }"
        )
        paired = {str(r["f"]) for r in pairing}
        found = [f for f in found if f in paired]
    hint = FAMILY_HINTS.get(layer.rsplit("/", 1)[-1])
    if hint:
        hinted = layer.rsplit("/", 1)[0] + "/" + hint
        found = [hinted, *[f for f in found if f != hinted]]
    return found


def list_pairs_with_families(store: TripleStore, layer: str, optimizers: list[str] | None = None) -> list[PairView]:
    """Pairs claimed for ``layer`` itself, then those inferred from its families (not repeating an optimizer)."""
    direct = list_pairs(store, [layer], optimizers)
    seen = {p.optimizer for p in direct}
    inferred: list[PairView] = []
    for family in families_of(store, layer):
        for pair in list_pairs(store, [family], optimizers):
            if pair.optimizer not in seen:
                seen.add(pair.optimizer)
                inferred.append(PairView(layer, pair.optimizer, pair.note, pair.sources, via=family, recipe=pair.recipe))
    return direct + inferred


def _sources_by_key(rows: Rows, *key_vars: str) -> dict[tuple[str, ...], list[SourceView]]:
    """The distinct sources (in row order) of rows keyed by ``key_vars``; rows carry ?doc ?section ?line."""
    sources: dict[tuple[str, ...], list[SourceView]] = defaultdict(list)
    for row in rows:
        key = tuple(str(row[var]) for var in key_vars)
        found = sources[key]  # a key without sources still gets its (empty) entry
        if row.get("doc"):
            line = row.get("line")
            section = row.get("section")
            source = SourceView(str(row["doc"]), str(section) if section else None, int(line) if line else None)
            if source not in found:
                found.append(source)
    return sources


def list_pairs(store: TripleStore, layers: list[str] | None = None, optimizers: list[str] | None = None) -> list[PairView]:
    """Every optimizer–layer pairing, optionally restricted to some layers and/or optimizers.

    Args:
        store: The graph.
        layers: IRIs of layer-like concepts to keep (``None``: all).
        optimizers: IRIs of optimizer concepts to keep (``None``: all).

    Returns:
        Pairs ordered by layer IRI, then optimizer IRI; the layer is always of a :data:`LAYER_KINDS` kind.

    """
    restrict = ""
    if layers is not None:
        restrict += "VALUES ?l { " + " ".join(f"<{iri}>" for iri in layers) + " } "
    if optimizers is not None:
        restrict += "VALUES ?o { " + " ".join(f"<{iri}>" for iri in optimizers) + " } "
    rows = store.select(
        f"SELECT ?l ?o ?note ?doc ?section ?line WHERE {{ {restrict} "
        "?l nnv:pairing ?p . ?p nnv:pairedConcept ?o . ?o nnv:kind nnv:kind-OPTIMIZER . "
        f"?l nnv:kind ?lk FILTER(?lk IN ({_LAYER_KIND_TERMS})) OPTIONAL {{ ?p nnv:note ?note }} "
        "OPTIONAL { ?p nnv:source ?s . ?s nnv:document ?doc OPTIONAL { ?s nnv:section ?section } "
        "OPTIONAL { ?s nnv:line ?line } } } ORDER BY ?l ?o ?line"
    )
    notes = {(str(row["l"]), str(row["o"])): None if row.get("note") is None else str(row["note"]) for row in rows}
    sources = _sources_by_key(rows, "l", "o")
    recipes = pair_recipes(store, list(notes))
    return [
        PairView(layer, optimizer, note, tuple(sources[(layer, optimizer)]), recipe=recipes.get((layer, optimizer), ()))
        for (layer, optimizer), note in notes.items()
    ]


def pair_recipes(store: TripleStore, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[RecipeItemView, ...]]:
    """The recipe of each (layer, optimizer) pair: what the pair's own source lines pair with the layer or the optimizer.

    A recipe item is a concept of a non-layer, non-optimizer kind (a schedule, clipping, a loss, weight
    decay …) paired with the layer or with the optimizer by a pairing that cites the same document
    line as the optimizer–layer pairing itself (e.g. the summary table's Transformer row: AdamW and
    warmup + cosine decay). Items are ordered by concept IRI.
    """
    if not pairs:
        return {}
    values = " ".join(f"(<{layer}> <{optimizer}>)" for layer, optimizer in pairs)
    rows = store.select(
        f"SELECT DISTINCT ?l ?o ?x ?note ?doc ?section ?line WHERE {{ VALUES (?l ?o) {{ {values} }} "
        "?l nnv:pairing ?p . ?p nnv:pairedConcept ?o ; nnv:source ?ps . ?ps nnv:document ?doc ; nnv:line ?line . "
        "{ ?l nnv:pairing ?q } UNION { ?o nnv:pairing ?q } "
        "?q nnv:pairedConcept ?x ; nnv:source ?qs . ?qs nnv:document ?doc ; nnv:line ?line . "
        f"?x nnv:kind ?xk FILTER(?xk NOT IN ({_NOT_RECIPE_TERMS})) "
        "OPTIONAL { ?q nnv:note ?note } OPTIONAL { ?qs nnv:section ?section } } ORDER BY ?l ?o ?x ?line"
    )
    notes: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in rows:
        key = (str(row["l"]), str(row["o"]), str(row["x"]))
        if row.get("note") is not None and str(row["note"]) not in notes[key]:
            notes[key].append(str(row["note"]))
    recipes: dict[tuple[str, str], list[RecipeItemView]] = defaultdict(list)
    for (layer, optimizer, concept), found in _sources_by_key(rows, "l", "o", "x").items():
        note = "; ".join(notes[(layer, optimizer, concept)]) or None
        recipes[(layer, optimizer)].append(RecipeItemView(concept, note, tuple(found)))
    return {key: tuple(items) for key, items in recipes.items()}
