"""Linked data and SPARQL over real HTTP."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

import httpx
import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SKOS

from ontology import repository
from ontology.namespaces import CONCEPT, NNV
from ontology.views import slug_of
from ontology.vocabulary import Vocabulary

RDF_FORMATS = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt", "application/rdf+xml": "xml"}
JSON_ACCEPTS = ["application/json", "*/*", None]  # None: no Accept header
READERS: dict[str, Callable[..., Mapping[str, Any]]] = {
    "concept": repository.get_concepts,
    "paper": repository.get_papers,
    "model": repository.get_models,
}


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


def _samples(vocab: Vocabulary) -> list[tuple[str, str]]:
    """(kind, IRI): the first and last concept of every concept kind, AdamW (hyperparameters, pairings), papers and models."""
    rows = vocab.store.select(
        "SELECT ?k (MIN(STR(?c)) AS ?first) (MAX(STR(?c)) AS ?last) WHERE { ?c a nnv:Concept ; nnv:kind ?k } GROUP BY ?k"
    )
    concepts = {str(r[end]) for r in rows for end in ("first", "last")} | {str(CONCEPT["adamw"])}
    papers, models = vocab.ordered_iris("nnv:Paper", "dcterms:title"), vocab.ordered_iris("nnv:Model", "skos:prefLabel")
    return [
        *(("concept", iri) for iri in sorted(concepts)),
        *(("paper", iri) for iri in (papers[0], papers[-1])),
        *(("model", iri) for iri in (models[0], models[-1])),
    ]


def test_samples_cover_every_concept_kind(vocab: Vocabulary) -> None:
    kinds = {str(r["k"]) for r in vocab.store.select("SELECT DISTINCT ?k WHERE { ?c a nnv:Concept ; nnv:kind ?k }")}
    sampled = {vocab.concept_by_id(slug_of(iri)).kind for kind, iri in _samples(vocab) if kind == "concept"}  # type: ignore[union-attr]
    assert len(kinds) >= 10 and {k.rsplit("kind-", 1)[1] for k in kinds} == sampled


def test_every_format_of_every_kind_of_page(server_url: str, vocab: Vocabulary) -> None:
    with httpx.Client(base_url=server_url, timeout=30) as client:
        for kind, iri in _samples(vocab):
            path = f"/{kind}/{slug_of(iri)}"
            graphs = []
            for media, rdf_format in RDF_FORMATS.items():
                response = client.get(path, headers={"Accept": media})
                assert response.status_code == 200 and response.headers["content-type"].startswith(media), (path, media)
                graph = Graph().parse(data=response.text, format=rdf_format)
                assert (URIRef(iri), RDF.type, None) in graph, (path, media)
                graphs.append(graph)
            assert all(isomorphic(graphs[0], other) for other in graphs[1:]), path
            expected = json.loads(json.dumps({"id": slug_of(iri), **asdict(READERS[kind](vocab.store, [iri])[iri])}))
            for accept in JSON_ACCEPTS:
                response = client.get(path, headers={"Accept": accept} if accept else {})
                assert response.status_code == 200 and response.headers["content-type"] == "application/json", (path, accept)
                assert response.json() == expected and response.headers["link"] == f'<{iri}>; rel="canonical"', (path, accept)
            html = client.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
            assert html.status_code == 200 and html.headers["content-type"].startswith("text/html"), path
            assert [r.headers["location"] for r in html.history] == [f"/#{path}"]


def test_concept_json_holds_its_hyperparameters_pairings_and_sources(server_url: str) -> None:
    body = httpx.get(f"{server_url}/concept/adamw").json()
    assert {"name": "weight_decay", "default": "0.01"}.items() <= next(
        h for h in body["hyperparameters"] if h["name"] == "weight_decay"
    ).items()
    pairing = next(p for p in body["pairs_with"] if p["concept"] == str(CONCEPT["transformer"]))
    assert pairing["note"] and all({"document", "section", "line"} <= source.keys() for source in pairing["sources"])


@pytest.mark.parametrize("kind", ["concept", "model"])
def test_unknown_names_answer_404_with_suggestions(server_url: str, kind: str) -> None:
    slug, expected = {"concept": ("adamww", "AdamW"), "model": ("mistral-7", "Mistral 7B")}[kind]
    response = httpx.get(f"{server_url}/{kind}/{slug}")
    assert response.status_code == 404 and response.json()["detail"] == f"no {kind} '{slug}'"
    assert expected in response.json()["suggestions"]
    assert httpx.get(f"{server_url}/paper/adamww").json()["suggestions"] == []
