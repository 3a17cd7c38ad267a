"""Optimizer–layer pairs: the layer slot holds only layer-like concepts, schedules and extras are the recipe."""

from __future__ import annotations

import asyncio
from typing import Any

from ontology import repository
from ontology.namespaces import CONCEPT
from ontology.pairs import LAYER_KINDS, list_pairs, list_pairs_with_families
from ontology.views import slug_of
from ontology.vocabulary import Vocabulary
from service.graphql.context import Context
from service.graphql.schema import create_schema


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
