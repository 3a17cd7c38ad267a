"""Linked data and SPARQL over real HTTP."""

from __future__ import annotations

import csv
import io

import httpx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ontology.vocab import CONCEPT, NNV


def test_concept_as_turtle_parses_and_has_label_and_pairings(server_url: str) -> None:
    response = httpx.get(f"{server_url}/concept/adamw", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    assert (CONCEPT["adamw"], SKOS.prefLabel, Literal("AdamW")) in graph
    assert (CONCEPT["adamw"], NNV.pairsWith, CONCEPT["transformer"]) in graph
    assert any(graph.objects(URIRef(f"{CONCEPT['adamw']}#pairing-transformer"), NNV.note))


def test_content_negotiation_formats(server_url: str) -> None:
    jsonld = httpx.get(f"{server_url}/concept/adamw", headers={"Accept": "application/ld+json"})
    assert len(Graph().parse(data=jsonld.text, format="json-ld")) > 10
    nt = httpx.get(f"{server_url}/paper/ainslie2023-gqa", headers={"Accept": "application/n-triples"})
    assert "Ainslie" in nt.text
    default = httpx.get(f"{server_url}/model/mistral-7b").json()
    assert default["name"] == "Mistral 7B"
    html = httpx.get(f"{server_url}/concept/adamw", headers={"Accept": "text/html"}, follow_redirects=False)
    assert html.status_code == 303 and html.headers["location"] == "/#/concept/adamw"
    assert httpx.get(f"{server_url}/concept/no-such-thing").status_code == 404


def test_export(server_url: str) -> None:
    nt = httpx.get(f"{server_url}/export", params={"format": "nt"})
    assert nt.status_code == 200 and len(nt.text.splitlines()) > 10_000
    assert httpx.get(f"{server_url}/export", params={"format": "pdf"}).status_code == 400


def test_sparql_protocol(server_url: str) -> None:
    query = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?l WHERE { <https://w3id.org/nnvocab/concept/adamw> skos:prefLabel ?l }"
    )
    as_json = httpx.get(f"{server_url}/sparql", params={"query": query}).json()
    assert as_json["results"]["bindings"][0]["l"]["value"] == "AdamW"
    as_csv = httpx.post(f"{server_url}/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert list(csv.reader(io.StringIO(as_csv.text))) == [["l"], ["AdamW"]]
    raw = httpx.post(
        f"{server_url}/sparql", content=query, headers={"Content-Type": "application/sparql-query", "Accept": "text/tab-separated-values"}
    )
    assert "AdamW" in raw.text
    xml = httpx.get(f"{server_url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+xml"})
    assert "<boolean>true</boolean>" in xml.text
    construct = httpx.get(
        f"{server_url}/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"}, headers={"Accept": "text/turtle"}
    )
    assert len(Graph().parse(data=construct.text, format="turtle")) == 3


def test_health_and_readiness(server_url: str) -> None:
    assert httpx.get(f"{server_url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server_url}/readyz").json()
    assert ready["status"] == "ready" and ready["triples"] > 10_000
