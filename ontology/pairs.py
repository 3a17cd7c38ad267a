"""Optimizer–layer pairs: pairings between an optimizer and a layer-like concept, with their recipes.

The layer side of a pair is always layer-like (:data:`LAYER_KINDS`). What else a source line
attaches to the pair — a schedule, gradient clipping, an auxiliary loss, weight decay — is the
pair's *recipe*, never a layer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ontology import repository
from ontology.namespaces import ConceptKind
from ontology.store import TripleStore
from ontology.views import ConceptView, PairingView, SourceView

# Kinds that can fill the layer slot of an optimizer–layer pair: things a network is built from.
LAYER_KINDS = (
    ConceptKind.LAYER,
    ConceptKind.ATTENTION,
    ConceptKind.NORMALIZATION,
    ConceptKind.ACTIVATION,
    ConceptKind.EMBEDDING,
    ConceptKind.ARCHITECTURE,
)
_OPTIMIZER = ConceptKind.OPTIMIZER.value
_LAYER_KIND_VALUES = frozenset(kind.value for kind in LAYER_KINDS)
_NOT_RECIPE_KIND_VALUES = _LAYER_KIND_VALUES | {_OPTIMIZER}

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
    return _with_hint(layer, found)


def _with_hint(layer: str, families: list[str]) -> list[str]:
    """``families`` with the :data:`FAMILY_HINTS` family of ``layer`` (if any) put first."""
    hint = FAMILY_HINTS.get(layer.rsplit("/", 1)[-1])
    if not hint:
        return families
    hinted = layer.rsplit("/", 1)[0] + "/" + hint
    return [hinted, *[f for f in families if f != hinted]]


def _restricted(pairs: Iterable[PairView], optimizers: list[str] | None) -> list[PairView]:
    return [p for p in pairs if optimizers is None or p.optimizer in optimizers]


@dataclass
class PairIndex:
    """Every optimizer–layer pair in memory, answering as :func:`list_pairs` and :func:`list_pairs_with_families` do.

    Args:
        pairs: All pairs, as :func:`list_pairs` lists them (ordered by layer, then optimizer).
        broader: Each concept's ``skos:broader`` concepts.
        paired: The concepts with a pairing to an optimizer (any kind: the families a claim may be about).

    """

    pairs: list[PairView]
    broader: Mapping[str, list[str]]
    paired: set[str]
    by_layer: dict[str, list[PairView]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_layer = defaultdict(list)
        for pair in self.pairs:
            self.by_layer[pair.layer].append(pair)

    @classmethod
    def from_cards(cls, concepts: Mapping[str, ConceptView]) -> PairIndex:
        """All pairs of the concepts' cards (their pairings, kinds and broader concepts), without a query."""
        kinds = {iri: view.kind for iri, view in concepts.items()}
        pairings = {iri: view.pairs_with for iri, view in concepts.items()}
        paired = {c for c, found in pairings.items() if any(kinds.get(p.concept) == _OPTIMIZER for p in found)}
        return cls(compile_pairs(pairings, kinds), {iri: view.broader for iri, view in concepts.items()}, paired)

    def list_pairs(self, layer: str | None = None, optimizers: list[str] | None = None) -> list[PairView]:
        """Like :func:`list_pairs` (one layer or all)."""
        return _restricted(self.pairs if layer is None else self.by_layer.get(layer, []), optimizers)

    def families_of(self, layer: str) -> list[str]:
        """Like :func:`families_of`: paired ancestors ordered by how many of ``layer``'s ancestors lie below them, then IRI."""
        ancestors = self._closure(self.broader.get(layer, []))
        depth: dict[str, int] = defaultdict(int)
        for mid in ancestors:
            for family in self._closure([mid]):
                depth[family] += 1
        return _with_hint(layer, sorted((f for f in depth if f in self.paired), key=lambda f: (depth[f], f)))

    def _closure(self, starts: list[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(starts)
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack += self.broader.get(node, [])
        return seen

    def list_pairs_with_families(self, layer: str, optimizers: list[str] | None = None) -> list[PairView]:
        """Like :func:`list_pairs_with_families`, from memory."""
        return _with_families(layer, self.list_pairs(layer, optimizers), (self.list_pairs(f, optimizers) for f in self.families_of(layer)))


def _with_families(layer: str, direct: list[PairView], by_family: Iterable[list[PairView]]) -> list[PairView]:
    """``direct``, then each family's pairs for an optimizer not seen yet, marked as inferred."""
    seen = {p.optimizer for p in direct}
    inferred: list[PairView] = []
    for pairs in by_family:
        for pair in pairs:
            if pair.optimizer not in seen:
                seen.add(pair.optimizer)
                inferred.append(PairView(layer, pair.optimizer, pair.note, pair.sources, via=pair.layer, recipe=pair.recipe))
    return direct + inferred


def list_pairs_with_families(store: TripleStore, layer: str, optimizers: list[str] | None = None) -> list[PairView]:
    """Pairs claimed for ``layer`` itself, then those inferred from its families (not repeating an optimizer)."""
    return _with_families(
        layer, list_pairs(store, [layer], optimizers), (list_pairs(store, [f], optimizers) for f in families_of(store, layer))
    )


def list_pairs(store: TripleStore, layers: list[str] | None = None, optimizers: list[str] | None = None) -> list[PairView]:
    """Every optimizer–layer pairing, optionally restricted to some layers and/or optimizers.

    Reads the pairings of the layers, then those of their optimizers (for the recipes), and the kinds of
    every concept they name: a few bulk queries, the rest is :func:`compile_pairs`.

    Args:
        store: The graph.
        layers: IRIs of layer-like concepts to keep (``None``: all).
        optimizers: IRIs of optimizer concepts to keep (``None``: all).

    Returns:
        Pairs ordered by layer IRI, then optimizer IRI; the layer is always of a :data:`LAYER_KINDS` kind.

    """
    pairings = repository.get_pairings(store, layers)
    kinds = repository.get_kinds(store, None if layers is None else _named(pairings))
    if layers is not None:
        ends = {p.concept for found in pairings.values() for p in found if kinds.get(p.concept) == _OPTIMIZER}
        more = repository.get_pairings(store, ends - pairings.keys())
        pairings.update(more)
        kinds.update(repository.get_kinds(store, _named(more) - kinds.keys()))
    return compile_pairs(pairings, kinds, layers, optimizers)


def _named(pairings: Mapping[str, Sequence[PairingView]]) -> set[str]:
    """The owners of ``pairings`` and the concepts they pair with."""
    return {*pairings, *(p.concept for found in pairings.values() for p in found)}


def compile_pairs(
    pairings: Mapping[str, Sequence[PairingView]],
    kinds: Mapping[str, str],
    layers: Iterable[str] | None = None,
    optimizers: Iterable[str] | None = None,
) -> list[PairView]:
    """The optimizer–layer pairs (with recipes) of ``pairings``, as :func:`list_pairs` returns them.

    Args:
        pairings: Each concept's pairings (:attr:`ConceptView.pairs_with`); a pair's recipe needs those of
            its layer and of its optimizer. There is one pairing per ordered pair of concepts, as the loaders
            write them (``<concept>#pairing-<other>``).
        kinds: Each concept's kind (``"OPTIMIZER"``); a concept without one is neither a pair's end nor a recipe item.
        layers: Layer IRIs to keep (``None``: all).
        optimizers: Optimizer IRIs to keep (``None``: all).

    Returns:
        Pairs ordered by layer IRI, then optimizer IRI; sources by line, document, section.

    """
    wanted = None if optimizers is None else set(optimizers)
    pairs: list[PairView] = []
    for layer in sorted(pairings.keys() if layers is None else pairings.keys() & set(layers)):
        if kinds.get(layer) not in _LAYER_KIND_VALUES:
            continue
        for pairing in sorted(pairings[layer], key=lambda p: p.concept):
            optimizer = pairing.concept
            if kinds.get(optimizer) != _OPTIMIZER or (wanted is not None and optimizer not in wanted):
                continue
            sources = tuple(sorted(pairing.sources, key=lambda s: (s.line is not None, s.line or 0, s.document, *_last(s.section))))
            recipe = _recipe(sources, [*pairings[layer], *pairings.get(optimizer, ())], kinds)
            pairs.append(PairView(layer, optimizer, pairing.note, sources, recipe=recipe))
    return pairs


def _last(value: str | None) -> tuple[bool, str]:
    """A sort key putting ``None`` first, as SPARQL's ``ORDER BY`` puts an unbound value."""
    return (value is not None, value or "")


def _recipe(cited: tuple[SourceView, ...], around: list[PairingView], kinds: Mapping[str, str]) -> tuple[RecipeItemView, ...]:
    """The recipe of a pair citing ``cited``: the non-layer, non-optimizer pairings ``around`` it citing the same lines.

    A recipe item is a concept of a non-layer, non-optimizer kind (a schedule, clipping, a loss, weight
    decay …) paired with the layer or with the optimizer by a pairing that cites the same document
    line as the optimizer–layer pairing itself (e.g. the summary table's Transformer row: AdamW and
    warmup + cosine decay). Items are ordered by concept IRI, each one's notes joined by ``"; "``.
    """
    lines = {(s.document, s.line) for s in cited if s.line is not None}
    found: dict[str, set[tuple[int, tuple[bool, str], tuple[bool, str], str]]] = defaultdict(set)
    for pairing in around:
        if pairing.concept not in kinds or kinds[pairing.concept] in _NOT_RECIPE_KIND_VALUES:
            continue
        for s in pairing.sources:
            if (s.document, s.line) in lines and s.line is not None:
                found[pairing.concept].add((s.line, _last(s.section), _last(pairing.note), s.document))
    items: list[RecipeItemView] = []
    for concept in sorted(found):
        rows = sorted(found[concept])
        notes = dict.fromkeys(note for _, _, (noted, note), _ in rows if noted)
        sources = dict.fromkeys(SourceView(doc, section if has else None, line) for line, (has, section), _, doc in rows)
        items.append(RecipeItemView(concept, "; ".join(notes) or None, tuple(sources)))
    return tuple(items)
