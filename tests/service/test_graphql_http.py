"""The contract's Query fields over real HTTP."""

from __future__ import annotations

from itertools import pairwise

import httpx


def test_gqa_by_alias_with_paper_and_models(gql) -> None:  # type: ignore[no-untyped-def]
    body = gql('{ concept(name: "gqa") { name altNames papers { authors year } models { name } } }')
    concept = body["data"]["concept"]
    assert concept["name"] == "Grouped-Query Attention"
    assert "GQA" in concept["altNames"]
    assert {"authors": concept["papers"][0]["authors"], "year": 2023} == concept["papers"][0]
    assert concept["papers"][0]["authors"][0] == "Joshua Ainslie"
    assert "Mistral 7B" in {m["name"] for m in concept["models"]}


def test_compatible_pairs_for_transformer(gql) -> None:  # type: ignore[no-untyped-def]
    body = gql('{ compatiblePairs(layer: "Transformer") { optimizer { name } layer { id } note sources { line } } }')
    pairs = body["data"]["compatiblePairs"]
    names = {p["optimizer"]["name"] for p in pairs}
    assert {"AdamW", "Lion", "Sophia"} <= names
    assert all(p["layer"]["id"] == "transformer" for p in pairs)
    assert all(p["note"] for p in pairs if p["optimizer"]["name"] in ("AdamW", "Lion", "Sophia"))


def test_unknown_name_is_not_found_with_suggestions(gql) -> None:  # type: ignore[no-untyped-def]
    body = gql('{ concept(name: "layernrom") { name } }')
    error = body["errors"][0]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "Layer Normalization" in error["extensions"]["suggestions"]
    assert len(error["extensions"]["suggestions"]) <= 5


def test_pairs_with_is_symmetric_over_graphql(gql) -> None:  # type: ignore[no-untyped-def]
    body = gql('{ concept(id: "adamw") { pairsWith { concept { id pairsWith { concept { id } } } } } }')
    for pairing in body["data"]["concept"]["pairsWith"]:
        assert "adamw" in {p["concept"]["id"] for p in pairing["concept"]["pairsWith"]}


def test_paging_is_exact_and_cursors_are_opaque(gql) -> None:  # type: ignore[no-untyped-def]
    first = gql("{ concepts(kind: OPTIMIZER, first: 5) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }")["data"][
        "concepts"
    ]
    assert first["totalCount"] >= 15 and len(first["nodes"]) == 5 and first["pageInfo"]["hasNextPage"]
    seen = [n["id"] for n in first["nodes"]]
    cursor = first["pageInfo"]["endCursor"]
    while cursor:
        page = gql(
            "query($c: String) { concepts(kind: OPTIMIZER, first: 5, after: $c) { nodes { id } pageInfo { hasNextPage endCursor } } }",
            {"c": cursor},
        )
        seen += [n["id"] for n in page["data"]["concepts"]["nodes"]]
        cursor = page["data"]["concepts"]["pageInfo"]["endCursor"] if page["data"]["concepts"]["pageInfo"]["hasNextPage"] else None
    assert len(seen) == len(set(seen)) == first["totalCount"]
    assert "adamw" in seen
    bad = gql("{ concepts(first: 101) { totalCount } }")
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert gql('{ concepts(after: "%%%") { totalCount } }')["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_search_tolerates_typos(gql) -> None:  # type: ignore[no-untyped-def]
    hits = gql('{ search(text: "layernrom", first: 5) { score node { id ... on Concept { name } } } }')["data"]["search"]
    assert "layer-normalization" in [h["node"]["id"] for h in hits]
    hits = gql('{ search(text: "Attention Is All You Need") { node { __typename id } } }')["data"]["search"]
    assert {"__typename": "Paper", "id": "vaswani2017-transformer"} in [h["node"] for h in hits]


def test_neighbors_and_path(gql) -> None:  # type: ignore[no-untyped-def]
    sub = gql(
        '{ neighbors(id: "grouped-query-attention", predicates: ["nnv:introducedIn"]) { nodes { id } edges { subject predicate object } } }'
    )
    edges = sub["data"]["neighbors"]["edges"]
    assert {"subject": "grouped-query-attention", "predicate": "nnv:introducedIn", "object": "ainslie2023-gqa"} in edges
    path = gql('{ path(from: "grouped-query-attention", to: "adamw") { subject predicate object } }')["data"]["path"]
    assert path[0]["subject"] == "grouped-query-attention" and path[-1]["object"] == "adamw"
    assert all(a["object"] == b["subject"] for a, b in pairwise(path))


def test_node_model_paper_stats(gql) -> None:  # type: ignore[no-untyped-def]
    body = gql(
        '{ node(id: "adamw") { id ... on Concept { kind } } paper(id: "ainslie2023-gqa") { title concepts { id } } '
        'model(name: "Mistral 7B") { organization concepts { id } } stats { concepts papers models pairings triples } }'
    )
    data = body["data"]
    assert data["node"] == {"id": "adamw", "kind": "OPTIMIZER"}
    assert "grouped-query-attention" in {c["id"] for c in data["paper"]["concepts"]}
    assert "grouped-query-attention" in {c["id"] for c in data["model"]["concepts"]}
    assert data["stats"]["concepts"] >= 330


def test_limits_refuse_and_server_keeps_serving(graphql_url: str, gql) -> None:  # type: ignore[no-untyped-def]
    deep = '{ concept(id: "adamw") { ' + "related { " * 9 + "id" + " }" * 9 + " } }"
    assert gql(deep)["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    aliases = "{ " + " ".join(f"a{i}: stats {{ triples }}" for i in range(20)) + " }"
    assert gql(aliases)["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    huge = "{ concepts(first: 100) { nodes { related { related { related { id } } } } } }"
    assert gql(huge)["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
    assert "errors" in gql(cycle)
    assert httpx.get(f"{graphql_url}/healthz").json() == {"status": "ok"}


def test_graphiql_page_is_offline(server_url: str) -> None:
    page = httpx.get(f"{server_url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "/static/vendor/graphiql.min.js" in page.text
    assert "cdn" not in page.text.lower() and "unpkg" not in page.text.lower()
    assert httpx.get(f"{server_url}/static/vendor/graphiql.min.js").status_code == 200


def test_several_operations_need_an_operation_name(gql) -> None:  # type: ignore[no-untyped-def]
    document = "query Concepts { stats { concepts } } query Papers { stats { papers } }"
    refused = gql(document)
    assert refused["data"] is None and refused["errors"] == [
        {"message": "operationName is required when a document has several operations", "extensions": {"code": "BAD_USER_INPUT"}}
    ]
    assert gql("query Only { stats { papers } }")["data"]["stats"]["papers"] > 0  # one operation needs no name


def test_the_named_operation_runs(graphql_url: str) -> None:
    document = "query Concepts { stats { concepts } } query Papers { stats { papers } }"
    body = httpx.post(f"{graphql_url}/graphql", json={"query": document, "operationName": "Papers"}, timeout=30).json()
    assert list(body["data"]["stats"]) == ["papers"] and "errors" not in body
