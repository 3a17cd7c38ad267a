"""Optimizer–layer pairs: the layer slot holds only layer-like concepts, schedules and extras are the recipe."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

import pytest

from ontology import repository
from ontology.namespaces import CONCEPT, ConceptKind
from ontology.pairs import LAYER_KINDS, PairView, RecipeItemView, list_pairs, list_pairs_with_families
from ontology.store import Rows, TripleStore
from ontology.views import SourceView, slug_of
from ontology.vocabulary import Vocabulary
from service.graphql.context import Context
from service.graphql.schema import create_schema

_LAYER_KIND_TERMS = ", ".join(f"<{kind.iri}>" for kind in LAYER_KINDS)
_NOT_RECIPE_TERMS = ", ".join(f"<{kind.iri}>" for kind in (*LAYER_KINDS, ConceptKind.OPTIMIZER))


def _sources_by_key(rows: Rows, *key_vars: str) -> dict[tuple[str, ...], list[SourceView]]:
    sources: dict[tuple[str, ...], list[SourceView]] = defaultdict(list)
    for row in rows:
        found = sources[tuple(str(row[var]) for var in key_vars)]
        if row.get("doc"):
            line, section = row.get("line"), row.get("section")
            source = SourceView(str(row["doc"]), str(section) if section else None, int(line) if line else None)
            if source not in found:
                found.append(source)
    return sources


def sparql_pairs(store: TripleStore) -> list[PairView]:
    """The oracle: every pair and its recipe as two SPARQL joins compute them (what list_pairs did before it compiled them)."""
    rows = store.select(
        "SELECT ?l ?o ?note ?doc ?section ?line WHERE { ?l nnv:pairing ?p . ?p nnv:pairedConcept ?o . "
        f"?o nnv:kind nnv:kind-OPTIMIZER . ?l nnv:kind ?lk FILTER(?lk IN ({_LAYER_KIND_TERMS})) OPTIONAL {{ ?p nnv:note ?note }} "
        "OPTIONAL { ?p nnv:source ?s . ?s nnv:document ?doc OPTIONAL { ?s nnv:section ?section } "
        "OPTIONAL { ?s nnv:line ?line } } } ORDER BY ?l ?o ?line ?doc ?section"
    )
    notes = {(str(row["l"]), str(row["o"])): None if row.get("note") is None else str(row["note"]) for row in rows}
    recipe_rows = store.select(
        "SELECT DISTINCT ?l ?o ?x ?note ?doc ?section ?line WHERE { "
        "?l nnv:pairing ?p . ?p nnv:pairedConcept ?o ; nnv:source ?ps . ?ps nnv:document ?doc ; nnv:line ?line . "
        "?o nnv:kind nnv:kind-OPTIMIZER . "
        "{ ?l nnv:pairing ?q } UNION { ?o nnv:pairing ?q } "
        "?q nnv:pairedConcept ?x ; nnv:source ?qs . ?qs nnv:document ?doc ; nnv:line ?line . "
        f"?x nnv:kind ?xk FILTER(?xk NOT IN ({_NOT_RECIPE_TERMS})) "
        "OPTIONAL { ?q nnv:note ?note } OPTIONAL { ?qs nnv:section ?section } } ORDER BY ?l ?o ?x ?line ?section ?note ?doc"
    )
    item_notes: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for row in recipe_rows:
        key = (str(row["l"]), str(row["o"]), str(row["x"]))
        if row.get("note") is not None and str(row["note"]) not in item_notes[key]:
            item_notes[key].append(str(row["note"]))
    recipes: dict[tuple[str, ...], list[RecipeItemView]] = defaultdict(list)
    for (layer, optimizer, concept), found in _sources_by_key(recipe_rows, "l", "o", "x").items():
        note = "; ".join(item_notes[(layer, optimizer, concept)]) or None
        recipes[(layer, optimizer)].append(RecipeItemView(concept, note, tuple(found)))
    sources = _sources_by_key(rows, "l", "o")
    return [
        PairView(layer, optimizer, note, tuple(sources[(layer, optimizer)]), recipe=tuple(recipes.get((layer, optimizer), ())))
        for (layer, optimizer), note in notes.items()
    ]


def test_pairs_equal_the_sparql_oracle(vocab: Vocabulary) -> None:
    oracle = sparql_pairs(vocab.store)
    assert list_pairs(vocab.store) == oracle
    assert sum(len(p.recipe) for p in oracle) >= 5 and any(p.recipe and p.recipe[0].note for p in oracle)


@pytest.mark.parametrize(
    ("layers", "optimizers"), [(["transformer", "linear"], None), (None, ["adamw", "lion"]), (["transformer"], ["adamw"]), (["adam"], None)]
)
def test_restricted_pairs_equal_the_oracle_restricted(vocab: Vocabulary, layers: list[str] | None, optimizers: list[str] | None) -> None:
    layer_iris = None if layers is None else [str(CONCEPT[s]) for s in layers]
    optimizer_iris = None if optimizers is None else [str(CONCEPT[s]) for s in optimizers]
    expected = [
        p
        for p in sparql_pairs(vocab.store)
        if (layer_iris is None or p.layer in layer_iris) and (optimizer_iris is None or p.optimizer in optimizer_iris)
    ]
    assert list_pairs(vocab.store, layer_iris, optimizer_iris) == expected
    assert expected or layers == ["adam"]  # an optimizer is no layer: nothing


def _recipe(vocab: Vocabulary, layer: str, optimizer: str) -> dict[str, list[int | None]]:
    (pair,) = list_pairs(vocab.store, [str(CONCEPT[layer])], [str(CONCEPT[optimizer])])
    return {slug_of(item.concept): sorted({s.line for s in item.sources}) for item in pair.recipe}  # type: ignore[type-var]


def test_no_scheduler_optimizer_or_technique_in_a_layer_slot(vocab: Vocabulary) -> None:
    pairs = list_pairs(vocab.store)
    recipe = {item.concept for p in pairs for item in p.recipe}
    views = repository.get_concepts(vocab.store, sorted({p.layer for p in pairs} | {p.optimizer for p in pairs} | recipe))
    layer_kinds = {kind.value for kind in LAYER_KINDS}
    assert {views[p.optimizer].kind for p in pairs} == {"OPTIMIZER"}
    assert {p.layer for p in pairs if views[p.layer].kind not in layer_kinds} == set()
    assert {views[iri].kind for iri in recipe} == {"SCHEDULER", "REGULARIZATION", "TRAINING_TECHNIQUE", "LOSS", "OTHER"}
    assert len(pairs) >= 25  # every table row with an optimizer, plus the entries' own claims


def test_lion_pairs_only_with_the_transformer_and_its_schedule_is_the_recipe(vocab: Vocabulary) -> None:
    pairs = list_pairs(vocab.store, None, [str(CONCEPT["lion"])])
    assert [slug_of(p.layer) for p in pairs] == ["transformer"]
    assert _recipe(vocab, "transformer", "lion") == {"warmup-cosine-schedule": [5969]}
    assert {s.line for s in pairs[0].sources} == {5969}


def test_recipes_of_the_table_rows(vocab: Vocabulary) -> None:
    assert _recipe(vocab, "linear", "adamw") == {"weight-decay": [5967]}
    assert _recipe(vocab, "recurrent-neural-network", "rmsprop") == {"gradient-clipping": [5970]}
    assert _recipe(vocab, "mixture-of-experts", "adamw") == {"load-balancing-loss": [5974]}
    assert _recipe(vocab, "embedding", "adagrad") == {"sparse": [5973]}
    assert _recipe(vocab, "graph-neural-network", "adam") == {}  # its note names no concept of the graph


def test_an_inferred_pair_carries_the_family_recipe(vocab: Vocabulary) -> None:
    pairs = list_pairs_with_families(vocab.store, str(CONCEPT["multi-head-attention"]))
    adamw = next(p for p in pairs if slug_of(p.optimizer) == "adamw")
    assert adamw.via == str(CONCEPT["transformer"])
    assert [slug_of(item.concept) for item in adamw.recipe] == ["warmup-cosine-schedule"]


def test_compatible_pairs_over_graphql_keeps_schedules_out_of_the_layer_slot(vocab: Vocabulary) -> None:
    schema = create_schema()

    async def run(query: str) -> Any:
        result = await schema.execute(query, context_value=Context(vocab=vocab))
        assert result.errors is None, result.errors
        return result.data

    lion = asyncio.run(run('{ compatiblePairs(optimizer: "Lion") { layer { id kind } optimizer { id } } }'))
    assert lion["compatiblePairs"] == [{"layer": {"id": "transformer", "kind": "ARCHITECTURE"}, "optimizer": {"id": "lion"}}]
    every = asyncio.run(run("{ compatiblePairs { layer { kind } optimizer { kind } } }"))["compatiblePairs"]
    assert {p["layer"]["kind"] for p in every} <= {kind.value for kind in LAYER_KINDS}
    assert {p["optimizer"]["kind"] for p in every} == {"OPTIMIZER"}
