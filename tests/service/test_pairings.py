"""Pairing claims, inferred family pairs, stored verifications over GraphQL, the report and the CLI."""

from __future__ import annotations


def test_inferred_pairs_for_a_narrower_layer(gql) -> None:  # type: ignore[no-untyped-def]
    pairs = gql('{ compatiblePairs(layer: "multi-head attention") { optimizer { id } inferred via { id } } }')["data"]["compatiblePairs"]
    adamw = next(p for p in pairs if p["optimizer"]["id"] == "adamw")
    assert adamw["inferred"] is True and adamw["via"]["id"] == "transformer"
    direct = gql('{ compatiblePairs(layer: "Transformer") { optimizer { id } inferred via { id } } }')["data"]["compatiblePairs"]
    assert all(p["inferred"] is False and p["via"] is None for p in direct)


def test_verify_pairing_is_stored_and_shown_on_the_pair(gql) -> None:  # type: ignore[no-untyped-def]
    run = gql(
        'mutation { verifyPairing(layer: "Transformer", optimizer: "AdamW", seed: 0) '
        "{ ok layer optimizer steps initialLoss finalLoss lossRatio baselineOptimizer baselineLossRatio seed extras } }"
    )
    result = run["data"]["verifyPairing"]
    assert result["ok"] is True and result["layer"] == "transformer" and result["optimizer"] == "adamw"
    assert result["finalLoss"] <= result["initialLoss"] / 1.5 and result["baselineOptimizer"] == "sgd"
    assert any("warmup" in extra for extra in result["extras"])
    shown = gql('{ compatiblePairs(layer: "Transformer", optimizer: "AdamW") { verification { ok lossRatio seed } } }')
    assert shown["data"]["compatiblePairs"][0]["verification"] == {"ok": True, "lossRatio": result["lossRatio"], "seed": 0}
    on_concept = gql('{ concept(id: "transformer") { pairsWith { concept { id } verification { ok } } } }')
    assert {"concept": {"id": "adamw"}, "verification": {"ok": True}} in on_concept["data"]["concept"]["pairsWith"]


def test_verify_pairing_errors(gql) -> None:  # type: ignore[no-untyped-def]
    assert gql('mutation { verifyPairing(layer: "layernrom", optimizer: "adam") { ok } }')["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    not_optimizer = gql('mutation { verifyPairing(layer: "Transformer", optimizer: "ReLU") { ok } }')
    assert not_optimizer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
