from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.namespace import SKOS

from loaders.errors import LoaderError
from loaders.merge import IncomingConcept, merge_concepts
from loaders.pwc import parse_pwc
from loaders.records import SourceRef
from loaders.sources import load_file
from ontology.names import NameIndex
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary
from tests.conftest import PWC, PWC_SAMPLE, shared_file

METHOD = {
    "url": "https://paperswithcode.com/method/adamw",
    "name": "AdamW",
    "full_name": "AdamW",
    "description": "**AdamW** decouples weight decay from the gradient update.",
    "paper": {"title": "Decoupled Weight Decay Regularization", "url": "https://paperswithcode.com/paper/decoupled"},
    "introduced_year": 2000,
    "source_url": "https://arxiv.org/abs/1711.05101v3",
    "source_title": "x",
    "code_snippet_url": None,
    "num_papers": 10,
    "collections": [{"collection": "Stochastic Optimization", "area_id": "general", "area": "General"}],
}


def test_parse_fixture(tmp_path: Path) -> None:
    path = tmp_path / "methods.json"
    path.write_text(json.dumps([METHOD, {**METHOD, "name": "Frob", "full_name": "Frobnicated Unit", "introduced_year": 2019}], indent=2))
    first, second = parse_pwc(path)
    assert first.name == "AdamW" and first.definition == "AdamW decouples weight decay from the gradient update."
    assert first.kind.value == "OPTIMIZER" and first.paper is not None and first.paper.year is None  # 2000 = unknown
    assert first.paper.arxiv_id == "1711.05101"
    assert second.name == "Frobnicated Unit" and second.alt_names == ["Frob"] and second.paper and second.paper.year == 2019
    assert first.source.line == 2 and second.source.line is not None and second.source.line > 2


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[\n  {"name": "x",\n  oops\n]')
    with pytest.raises(LoaderError, match=r"bad\.json:3: invalid JSON"):
        parse_pwc(path)
    path.write_text(json.dumps([{"full_name": "no name"}]))
    with pytest.raises(LoaderError, match="method #1: name"):
        parse_pwc(path)


def test_merge_matches_names_and_never_duplicates() -> None:
    index = NameIndex.from_labels([("https://w3id.org/nnvocab/concept/adamw", "AdamW", True)])
    incoming = [
        IncomingConcept("AdamW", SourceRef(document="x", line=1), "Adam with decoupled weight decay, long enough."),
        IncomingConcept("Frob Layer", SourceRef(document="x", line=2), "A layer that frobnicates its inputs thoroughly."),
        IncomingConcept("frob-layer", SourceRef(document="x", line=3), "The same layer again under another spelling."),
        IncomingConcept("Tiny", SourceRef(document="x", line=4), "short"),
    ]
    _graph, report = merge_concepts(index, incoming, {"adamw"})
    assert (report.merged, report.added) == (2, 1)
    assert report.rejected == ["line 4: 'Tiny' is new but has no definition"]


def test_an_abbreviation_alone_merges_only_when_the_names_agree() -> None:
    amp, rnn = "https://w3id.org/nnvocab/concept/amp", "https://w3id.org/nnvocab/concept/bidirectional-rnn"
    index = NameIndex.from_labels(
        [(amp, "Automatic Mixed Precision", True), (amp, "AMP", False), (rnn, "Bidirectional RNN", True), (rnn, "BiLSTM", False)]
    )
    definition = "A long enough definition of the incoming method."
    incoming = [
        IncomingConcept("Adversarial Model Perturbation", SourceRef(document="x", line=1), definition, alt_names=["AMP"]),
        IncomingConcept("Bidirectional LSTM", SourceRef(document="x", line=2), definition, alt_names=["BiLSTM"]),
    ]
    graph, report = merge_concepts(index, incoming, {"amp", "bidirectional-rnn"})
    assert (report.merged, report.added, report.rejected) == (1, 1, [])
    new = {str(s) for s, o in graph.subject_objects(SKOS.prefLabel) if str(o) == "Adversarial Model Perturbation"}
    assert new and amp not in new
    assert {str(o) for o in graph.objects(URIRef(new.pop()), SKOS.altLabel)} == {"AMP"}  # now an ambiguous abbreviation
    assert not list(graph.triples((URIRef(amp), None, None)))


def _builtin_copy(builtin_store: GraphStore) -> Vocabulary:
    store = GraphStore()
    store.load(builtin_store.dump("nt"), "nt")
    return Vocabulary(store)


def _concept_count(vocab: Vocabulary) -> int:
    count: int = vocab.store.select("SELECT (COUNT(?c) AS ?n) WHERE { ?c a nnv:Concept }")[0]["n"]  # type: ignore[assignment]
    return count


def test_shipped_sample_merges_adds_and_rejects(builtin_store: GraphStore) -> None:
    methods = parse_pwc(PWC_SAMPLE)
    assert len(methods) == 58
    adahessian = next(m for m in methods if m.name == "ADAHESSIAN")
    assert adahessian.kind.value == "OPTIMIZER" and adahessian.paper is not None
    assert (adahessian.paper.arxiv_id, adahessian.paper.year) == ("2006.00719", None)  # the export's year 2000 means unknown
    vocab = _builtin_copy(builtin_store)
    before = _concept_count(vocab)
    report = load_file(vocab, PWC_SAMPLE)
    assert (report.merged, report.added, len(report.rejected)) == (21, 28, 9)
    assert _concept_count(vocab) == before + 28
    assert sum("has no definition" in r for r in report.rejected) == 8
    assert [r for r in report.rejected if "matches several concepts" in r] == [
        "line 948: 'Spiking Neural Networks' matches several concepts (https://w3id.org/nnvocab/concept/self-normalizing-network, "
        "https://w3id.org/nnvocab/concept/spiking-neural-network)"
    ]
    adam = vocab.concept("Adam")
    assert adam.id == "adam" and any(s.document == PWC_SAMPLE.name for s in adam.sources)
    srm = vocab.names.resolve("SRM")
    assert srm == vocab.names.resolve("Style-based Recalibration Module") and len(srm) == 1
    assert vocab.names.resolve("Direct Feedback Alignment") == []


def test_shipped_sample_is_a_verbatim_part_of_the_export() -> None:
    export = {method["url"]: method for method in json.loads(shared_file(PWC).read_text(encoding="utf-8"))}
    sample = json.loads(PWC_SAMPLE.read_text(encoding="utf-8"))
    assert [export.get(method["url"]) for method in sample] == sample
    order = list(export)
    assert sorted(sample, key=lambda method: order.index(method["url"])) == sample


def test_real_export_parses_and_merges_into_the_builtin_graph(builtin_store: GraphStore) -> None:
    methods = parse_pwc(shared_file(PWC))
    assert len(methods) == 2194
    assert sum(1 for m in methods if m.paper and m.paper.year) < 0.1 * len(methods)
    vocab = _builtin_copy(builtin_store)
    before = _concept_count(vocab)
    report = load_file(vocab, PWC)
    assert report.merged >= 150 and _concept_count(vocab) == before + report.added
    adam = vocab.concept("Adam")
    assert adam.id == "adam" and any(s.document == "pwc-methods.json" for s in adam.sources)
    assert vocab.names.resolve("Adam") == [str(adam.iri)]
    for other_idea, curated in [
        ("Graph Network-based Simulators", "group-normalization"),
        ("Adversarial Model Perturbation", "mixed-precision-training"),
    ]:
        (iri,) = vocab.names.resolve(other_idea)
        assert not iri.endswith(curated)
