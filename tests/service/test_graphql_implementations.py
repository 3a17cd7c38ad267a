"""Implementations over GraphQL: query, mutations, stored smoke runs, and abuse that must not hurt."""

from __future__ import annotations

import time

import httpx


def test_smoke_test_mutation_runs_and_is_stored(gql) -> None:  # type: ignore[no-untyped-def]
    result = gql('mutation { smokeTest(term: "SwiGLU") { term ok checks { name ok detail } durationMs error } }')["data"]["smokeTest"]
    assert result["term"] == "swiglu" and result["ok"] is True
    assert {"forward", "backward", "oracle"} <= {c["name"] for c in result["checks"]}
    stored = gql('{ concept(name: "swiglu") { implementation { target origin lastSmokeTest { ok checks { name } } } } }')
    implementation = stored["data"]["concept"]["implementation"]
    assert implementation["origin"] == "REFERENCE" and implementation["target"].startswith("implementations.")
    assert implementation["lastSmokeTest"]["ok"] is True


def test_parameter_cap_and_hostile_args(graphql_url: str, gql) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    capped = gql('mutation { smokeTest(term: "Linear", args: {in_features: 100000000, out_features: 100000}) { ok error } }')
    assert time.perf_counter() - start < 1.5
    assert capped["data"]["smokeTest"]["ok"] is False and "parameters" in capped["data"]["smokeTest"]["error"]
    hostile = gql('mutation { smokeTest(term: "Linear", args: {__class__: "os.system"}) { ok } }')
    assert hostile["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    not_json_object = gql('mutation { instantiate(term: "Linear", args: [1, 2]) { ok } }')
    assert not_json_object["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    unknown = gql('mutation { instantiate(term: "layernrom") { ok } }')
    assert unknown["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    several = gql('mutation { instantiate(term: "SNN") { ok } }')["errors"][0]["extensions"]
    assert several["code"] == "AMBIGUOUS" and several["candidates"] == ["self-normalizing-network", "spiking-neural-network"]
    assert httpx.get(f"{graphql_url}/healthz").json() == {"status": "ok"}


def test_instantiate_and_implementations_query(gql) -> None:  # type: ignore[no-untyped-def]
    made = gql(
        'mutation { instantiate(term: "gqa", args: {embed_dim: 32, num_heads: 8, num_kv_heads: 2}) { ok className parameterCount repr } }'
    )["data"]["instantiate"]
    assert made["ok"] and made["className"] == "GroupedQueryAttention" and made["parameterCount"] > 0
    optimizers = gql("{ implementations(kind: OPTIMIZER) { id target origin concept { kind } } }")["data"]["implementations"]
    assert {"adamw", "sgd"} <= {i["id"] for i in optimizers}
    assert all(i["concept"]["kind"] == "OPTIMIZER" for i in optimizers)
    stats = gql("{ stats { implementations } }")["data"]["stats"]
    assert stats["implementations"] >= 100


def test_refused_oversized_instantiate_has_no_extra_error(gql) -> None:  # type: ignore[no-untyped-def]
    # 50000 x 50000 weights and 50000 biases: over 2^31, which a GraphQL Int cannot hold
    linear = 'instantiate(term: "Linear", args: {in_features: 50000, out_features: 50000})'
    body = gql(f"mutation {{ {linear} {{ ok parameterCount parameterCountBig error }} }}")
    assert "errors" not in body
    refused = body["data"]["instantiate"]
    assert refused["ok"] is False and "parameters exceed" in refused["error"]
    assert refused["parameterCount"] is None and refused["parameterCountBig"] == str(50000 * 50000 + 50000)
    small = gql('mutation { instantiate(term: "Linear", args: {in_features: 4, out_features: 3}) { ok parameterCount parameterCountBig } }')
    assert small["data"]["instantiate"] == {"ok": True, "parameterCount": 15, "parameterCountBig": "15"}
