"""Optimizer–layer pairs: pairings between an optimizer and a non-optimizer concept."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ontology.store import TripleStore
from ontology.views import SourceView

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
class PairView:
    """A claimed optimizer–layer pairing with its note and sources.

    ``via`` is set when the pairing is inferred: the layer asked for is a narrower concept and the
    claim is about ``via``, its family (e.g. LSTM via recurrent neural network).
    """

    layer: str
    optimizer: str
    note: str | None
    sources: tuple[SourceView, ...]
    via: str | None = None


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
                inferred.append(PairView(layer, pair.optimizer, pair.note, pair.sources, via=family))
    return direct + inferred


def list_pairs(store: TripleStore, layers: list[str] | None = None, optimizers: list[str] | None = None) -> list[PairView]:
    """Every optimizer–layer pairing, optionally restricted to some layers and/or optimizers.

    Args:
        store: The graph.
        layers: IRIs of non-optimizer concepts to keep (``None``: all).
        optimizers: IRIs of optimizer concepts to keep (``None``: all).

    Returns:
        Pairs ordered by layer IRI, then optimizer IRI.

    """
    restrict = ""
    if layers is not None:
        restrict += "VALUES ?l { " + " ".join(f"<{iri}>" for iri in layers) + " } "
    if optimizers is not None:
        restrict += "VALUES ?o { " + " ".join(f"<{iri}>" for iri in optimizers) + " } "
    rows = store.select(
        f"SELECT ?l ?o ?note ?doc ?section ?line WHERE {{ {restrict} "
        "?l nnv:pairing ?p . ?p nnv:pairedConcept ?o . ?o nnv:kind nnv:kind-OPTIMIZER . "
        "?l nnv:kind ?lk FILTER(?lk != nnv:kind-OPTIMIZER) OPTIONAL { ?p nnv:note ?note } "
        "OPTIONAL { ?p nnv:source ?s . ?s nnv:document ?doc OPTIONAL { ?s nnv:section ?section } "
        "OPTIONAL { ?s nnv:line ?line } } } ORDER BY ?l ?o ?line"
    )
    notes: dict[tuple[str, str], str | None] = {}
    sources: dict[tuple[str, str], list[SourceView]] = defaultdict(list)
    for row in rows:
        key = (str(row["l"]), str(row["o"]))
        note = row.get("note")
        notes[key] = None if note is None else str(note)
        if row.get("doc"):
            line = row.get("line")
            section = row.get("section")
            source = SourceView(str(row["doc"]), str(section) if section else None, int(line) if line else None)
            if source not in sources[key]:
                sources[key].append(source)
    return [PairView(layer, optimizer, note, tuple(sources[(layer, optimizer)])) for (layer, optimizer), note in notes.items()]
