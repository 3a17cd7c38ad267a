"""Validation is remembered per document shape and per schema: each app's limits stay its own."""

from __future__ import annotations

from fastapi.testclient import TestClient

from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.settings import Settings

DEEP = '{ concept(id: "%s") { related { related { related { id } } } } }'


def test_a_shape_valid_under_loose_limits_is_judged_again_under_strict_ones(vocab: Vocabulary) -> None:
    loose = create_app(Settings(max_depth=8, rate_limit_per_minute=100_000), vocab=vocab)
    strict = create_app(Settings(max_depth=3, rate_limit_per_minute=100_000), vocab=vocab)
    with TestClient(loose) as loose_client, TestClient(strict) as strict_client:
        for _ in range(2):  # the second time the loose app answers from its remembered shape
            assert "errors" not in loose_client.post("/graphql", json={"query": DEEP % "adamw"}).json()
        for concept in ("adamw", "adam"):  # the same text, then the same shape
            errors = strict_client.post("/graphql", json={"query": DEEP % concept}).json()["errors"]
            assert [e["extensions"]["code"] for e in errors] == ["QUERY_TOO_COMPLEX"]
