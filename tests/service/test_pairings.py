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


def test_compatible_pairs_carry_the_committed_evidence_and_order_by_it(gql) -> None:  # type: ignore[no-untyped-def]
    """The built-in graph holds the committed protocol run: each Transformer claim has its verdict and numbers."""
    query = (
        'query($order: EvidenceOrder!) { compatiblePairs(layer: "Transformer", orderBy: $order) '
        "{ optimizer { id } evidence { verdict metric median ciLow ciHigh runs protocol reason } } }"
    )
    by_claim = gql(query, {"order": "CLAIM"})["data"]["compatiblePairs"]
    evidence = {row["optimizer"]["id"]: row["evidence"] for row in by_claim}
    assert {"adamw", "lion", "sophia"} <= set(evidence)
    for optimizer in ("adamw", "lion", "sophia"):
        found = evidence[optimizer]
        assert found["runs"] == 5 and found["protocol"] == "nnv-pairing-2" and found["metric"] == "bits-per-char"
        assert found["ciLow"] <= found["median"] <= found["ciHigh"] and str(found["median"])[:4] in found["reason"]
    assert (evidence["adamw"]["verdict"], evidence["sophia"]["verdict"]) == ("INCONCLUSIVE", "CONTRADICTED")
    by_evidence = gql(query, {"order": "EVIDENCE"})["data"]["compatiblePairs"]
    assert sorted(map(str, by_evidence)) == sorted(map(str, by_claim))  # the same pairs, reordered
    order = [row["optimizer"]["id"] for row in by_evidence]
    assert order.index("adamw") < order.index("lion") < order.index("sophia")  # 3.67 < 3.75 < 3.86 bits per char
