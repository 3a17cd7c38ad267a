from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from ontology.namespaces import PREFIXES
from ontology.remote_store import RemoteStore
from ontology.serialise import FORMATS, RdfFormatName
from ontology.store import GraphStore
from service.cli import app
from service.cli.implementations import SANDBOX_STARTING

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NNV_STORE_PATH", raising=False)
    monkeypatch.delenv("NNV_STORE", raising=False)


def test_concept_by_name_alias_and_case_gives_the_same_card() -> None:
    outputs = [runner.invoke(app, ["concept", name, "--json"]) for name in ("grouped query attention", "GQA", "gqa")]
    assert all(r.exit_code == 0 for r in outputs), outputs[0].output
    cards = [json.loads(r.output) for r in outputs]
    assert cards[0] == cards[1] == cards[2]
    assert cards[0]["name"] == "Grouped-Query Attention"
    text = runner.invoke(app, ["concept", "gqa"]).output
    assert "Ainslie" in text and "2023" in text and "Mistral 7B" in text


def test_unknown_concept_suggests_and_exits_1() -> None:
    result = runner.invoke(app, ["concept", "layernrom"])
    assert result.exit_code == 1
    assert "did you mean" in result.output and "Layer Normalization" in result.output
    assert "Traceback" not in result.output


def test_pairs_for_transformer() -> None:
    result = runner.invoke(app, ["pairs", "--layer", "Transformer", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    optimizers = {row["optimizer"] for row in rows}
    assert {"adamw", "lion", "sophia"} <= optimizers
    assert all(row["note"] for row in rows if row["optimizer"] in ("adamw", "lion", "sophia"))


def test_stats_query_export_validate() -> None:
    stats = json.loads(runner.invoke(app, ["stats", "--json"]).output)
    assert stats["concepts"] >= 330
    rows = json.loads(runner.invoke(app, ["query", "SELECT ?l WHERE { concept:adamw skos:prefLabel ?l }", "--json"]).output)
    assert rows == [{"l": "AdamW"}]
    assert runner.invoke(app, ["query", "SELEKT"]).exit_code == 1
    exported = runner.invoke(app, ["export", "--format", "nt"])
    assert exported.exit_code == 0 and "<https://w3id.org/nnvocab/concept/adamw>" in exported.output
    validated = runner.invoke(app, ["validate"])
    assert validated.exit_code == 0 and "0 violations" in validated.output


def test_load_into_on_disk_store_and_bad_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNV_STORE_PATH", str(tmp_path / "db"))
    built = runner.invoke(app, ["build"])
    assert built.exit_code == 0 and "semantic search vectors ready" in built.output  # computed at build time
    before = json.loads(runner.invoke(app, ["stats", "--json"]).output)["triples"]
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:broken ex:p\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(bad)])
    assert result.exit_code == 1 and "bad.ttl" in result.output
    assert json.loads(runner.invoke(app, ["stats", "--json"]).output)["triples"] == before
    good = tmp_path / "good.txt"
    good.write_text("Tag: demo\n1 topic(s)\n- Frobnicated AttentionFrobnicated attention mixes heads by frobnication.\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(good)])
    assert result.exit_code == 0 and "added 1" in result.output
    card = runner.invoke(app, ["concept", "frobnicated attention", "--json"])
    assert json.loads(card.output)["sources"][0]["document"] == "good.txt"


def test_instantiate_smoke_and_coverage_commands() -> None:
    made = runner.invoke(app, ["instantiate", "gqa", "--arg", "embed_dim=32", "--arg", "num_heads=8", "--arg", "num_kv_heads=2"])
    assert made.exit_code == 0, made.output
    assert "GroupedQueryAttention" in made.output and "parameters:" in made.output
    bad = runner.invoke(app, ["instantiate", "linear", "--arg", "colour=red"])
    assert bad.exit_code == 1 and "accepted" in bad.output
    smoked = runner.invoke(app, ["smoke", "rmsnorm", "--json"])
    assert smoked.exit_code == 0 and json.loads(smoked.stdout)[0]["ok"] is True
    coverage = runner.invoke(app, ["coverage", "--json"])
    assert coverage.exit_code == 0
    assert all(row["reason"] for row in json.loads(coverage.output))


def test_smoke_says_on_stderr_that_the_sandbox_starts_and_keeps_json_on_stdout() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NNV_STORE", "NNV_STORE_PATH")}
    command = [sys.executable, "-m", "service", "smoke"]
    done = subprocess.run([*command, "relu", "--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert [(r["term"], r["ok"]) for r in json.loads(done.stdout)] == [("relu", True)]
    assert done.stderr.strip() == SANDBOX_STARTING
    unknown = subprocess.run([*command, "layernrom"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert unknown.returncode == 1 and "did you mean" in unknown.stderr and SANDBOX_STARTING not in unknown.stderr


def triples(data: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    """The default graph's triples in ``data``."""
    return {quad.triple for quad in ox.parse(data, fmt) if quad.graph_name == ox.DefaultGraph()}


@pytest.mark.parametrize(
    ("fmt", "syntax"), [("ttl", ox.RdfFormat.TURTLE), ("jsonld", ox.RdfFormat.JSON_LD), ("nt", ox.RdfFormat.N_TRIPLES)]
)
def test_export_uses_the_prefixes_and_round_trips(fmt: str, syntax: ox.RdfFormat, builtin_store: GraphStore) -> None:
    exported = runner.invoke(app, ["export", "--format", fmt])
    assert exported.exit_code == 0, exported.output
    data = exported.stdout_bytes
    if fmt == "ttl":
        declared = dict(re.findall(rb"^@prefix (\w+): <([^>]+)> \.$", data, re.MULTILINE))
        assert declared[b"nnv"] == PREFIXES["nnv"].encode() and declared[b"concept"] == PREFIXES["concept"].encode()
        assert b"concept:adamw " in data and b"<https://w3id.org/nnvocab/concept/adamw>" not in data
    elif fmt == "jsonld":
        document = json.loads(data)
        assert document["@context"] == PREFIXES
        adamw = next(node for node in document["@graph"] if node["@id"] == "concept:adamw")
        assert adamw["skos:prefLabel"] == {"@value": "AdamW"} and {"@id": "nnv:Concept"} in adamw["rdf:type"]
    else:
        assert b"@prefix" not in data and b"<https://w3id.org/nnvocab/concept/adamw>" in data
    assert triples(data, syntax) == triples(builtin_store.dump("nt"), ox.RdfFormat.N_TRIPLES)


SMALL_GRAPH = f"""
@prefix nnv: <{PREFIXES["nnv"]}> . @prefix concept: <{PREFIXES["concept"]}> . @prefix xsd: <{PREFIXES["xsd"]}> .
concept:a a nnv:Concept ; nnv:note "x"@en, "7"^^xsd:integer ; nnv:source [ nnv:document "d.txt" ; nnv:line 3 ] .
<http://example.org/other> nnv:pairing concept:a .
"""


@pytest.mark.parametrize("backend", ["embedded", "oxigraph-server"])
def test_both_stores_dump_with_prefixes_isomorphic_to_their_graph(backend: str, request: pytest.FixtureRequest) -> None:
    store = GraphStore() if backend == "embedded" else RemoteStore(request.getfixturevalue("oxigraph_url"))
    store.load(SMALL_GRAPH.encode(), "ttl", replace=backend != "embedded")
    try:
        original = Graph().parse(data=SMALL_GRAPH, format="turtle")
        formats: tuple[RdfFormatName, ...] = ("ttl", "jsonld", "trig", "xml", "nt")
        for fmt in formats:
            data = store.dump(fmt)
            assert (b"@prefix nnv:" in data) == (fmt in ("ttl", "trig")), fmt
            as_nt = ox.serialize(triples(data, FORMATS[fmt]), format=ox.RdfFormat.N_TRIPLES)
            assert isomorphic(Graph().parse(data=as_nt, format="nt"), original), fmt
        assert json.loads(store.dump("jsonld"))["@context"] == PREFIXES
    finally:
        if isinstance(store, RemoteStore):
            store.update("CLEAR ALL")
            store.close()
