"""The built-in graph: complete, valid, and faithful to the sources and the curation notes."""

from __future__ import annotations

import re

import pytest

from loaders.guide import parse_guide
from loaders.tagpage import parse_tagpage
from ontology import repository
from ontology.namespaces import CONCEPT, MODEL
from ontology.pairs import list_pairs
from ontology.validation import validate_store
from ontology.vocabulary import Vocabulary
from tests.conftest import ERRATA, SEED_GUIDE, SEED_TAGS, shared_file

ESTABLISHED_IN_SPECULATIVE_SECTION = {4770, 4812, 5996, 6004}  # real fields named in the vendor sections


def _concepts_with_source_line(vocab: Vocabulary, iris: list[str], document: str, line: int) -> list[str]:
    views = repository.get_concepts(vocab.store, iris)
    return [iri for iri, view in views.items() if any(s.document == document and s.line == line for s in view.sources)]


def test_shacl_zero_violations(builtin_store) -> None:  # type: ignore[no-untyped-def]
    report = validate_store(builtin_store)
    assert report.messages == []
    assert report.conforms


def test_every_concept_has_kind_status_definition_source(vocab: Vocabulary) -> None:
    missing = vocab.store.select(
        "SELECT ?c WHERE { ?c a nnv:Concept . FILTER NOT EXISTS { ?c nnv:kind ?k ; nnv:status ?s ; skos:definition ?d ; nnv:source ?src } }"
    )
    assert missing == []


def test_every_guide_entry_resolves_by_title_to_a_concept_citing_its_line(vocab: Vocabulary) -> None:
    doc = parse_guide(shared_file(SEED_GUIDE))
    unresolved = [e.title for e in doc.entries if not vocab.names.resolve(e.title)]
    assert unresolved == []
    unsourced = [
        f"{e.line} {e.title}"
        for e in doc.entries
        if not _concepts_with_source_line(vocab, vocab.names.resolve(e.title), doc.document, e.line)
    ]
    assert unsourced == []


def test_every_tag_page_topic_resolves_and_is_cited(vocab: Vocabulary) -> None:
    page = parse_tagpage(shared_file(SEED_TAGS))
    missing = [
        f"{t.line} {t.title}"
        for t in page.topics
        if not _concepts_with_source_line(vocab, vocab.names.resolve(t.title), page.document, t.line)
    ]
    assert missing == []


@pytest.mark.parametrize("name", ["grouped query attention", "GQA", "gqa", "Grouped-Query Attention (GQA)"])
def test_gqa_resolves_with_paper_and_models(vocab: Vocabulary, name: str) -> None:
    view = vocab.concept(name)
    assert view.id == "grouped-query-attention"
    papers = repository.get_papers(vocab.store, view.papers).values()
    assert any(p.authors[0] == "Joshua Ainslie" and p.year == 2023 and p.arxiv_id == "2305.13245" for p in papers)
    assert str(MODEL["mistral-7b"]) in view.models


def test_transformer_pairs_with_adamw_lion_sophia(vocab: Vocabulary) -> None:
    transformer = vocab.resolve_concept("Transformer")
    pairs = {p.optimizer: p for p in list_pairs(vocab.store, [transformer])}
    for slug in ("adamw", "lion", "sophia"):
        pair = pairs[str(CONCEPT[slug])]
        assert pair.note
        assert any(s.line == 5969 for s in pair.sources)


def test_summary_table_rows_are_pairings(vocab: Vocabulary) -> None:
    table = {
        "linear": ["adam", "adamw", "sgd"],
        "convolution": ["sgd", "adamw"],
        "recurrent-neural-network": ["adam", "rmsprop"],
        "graph-neural-network": ["adam", "adamw"],
        "embedding": ["adamw", "adagrad"],
        "mixture-of-experts": ["adamw"],
    }
    for layer, optimizers in table.items():
        found = {p.optimizer for p in list_pairs(vocab.store, [str(CONCEPT[layer])])}
        assert {str(CONCEPT[o]) for o in optimizers} <= found, layer


def test_pairings_are_symmetric(vocab: Vocabulary) -> None:
    assert not vocab.store.run("ASK { ?a nnv:pairsWith ?b FILTER NOT EXISTS { ?b nnv:pairsWith ?a } }")
    assert not vocab.store.run(
        "ASK { ?a nnv:pairing ?p . ?p nnv:pairedConcept ?b FILTER NOT EXISTS { ?b nnv:pairing ?q . ?q nnv:pairedConcept ?a } }"
    )


def test_snn_is_ambiguous_between_two_concepts(vocab: Vocabulary) -> None:
    found = vocab.names.resolve("SNN")
    assert str(CONCEPT["spiking-neural-network"]) in found
    assert str(CONCEPT["self-normalizing-network"]) in found


def _errata_items() -> list[tuple[int, list[int]]]:
    text = shared_file(ERRATA).read_text(encoding="utf-8")
    items = []
    for match in re.finditer(r"^(\d+)\. \*\*(.+?)\*\*", text, flags=re.M):
        lines = [int(n) for n in re.findall(r"L(\d+)", match.group(2))]
        items.append((int(match.group(1)), lines))
    return items


def test_every_numbered_erratum_is_in_the_graph(vocab: Vocabulary) -> None:
    rows = vocab.store.select("SELECT ?line WHERE { ?c nnv:erratum ?e . ?e nnv:source ?s . ?s nnv:line ?line }")
    erratum_lines = {int(r["line"]) for r in rows}  # type: ignore[arg-type]
    items = _errata_items()
    assert len(items) == 55
    missing = [n for n, lines in items if not any(lo - 3 <= got <= lo + 25 for lo in lines for got in erratum_lines)]
    assert missing == []


def test_speculative_entries_are_marked(vocab: Vocabulary) -> None:
    text = shared_file(ERRATA).read_text(encoding="utf-8").split("## Entries to mark as speculative")[1].split("## Cross-seed")[0]
    entry_lines = {e.line: e.title for e in parse_guide(shared_file(SEED_GUIDE)).entries}
    listed = {int(n) for n in re.findall(r"\(L(\d+)\)", text)} | {4803, 4821, 4830, 4839, 4848, 4857}
    wanted = sorted(line for line in listed if line in entry_lines and line not in ESTABLISHED_IN_SPECULATIVE_SECTION)
    assert len(wanted) >= 25
    for line in wanted:
        iris = _concepts_with_source_line(vocab, vocab.names.resolve(entry_lines[line]), shared_file(SEED_GUIDE).name, line)
        statuses = {v.status for v in repository.get_concepts(vocab.store, iris).values()}
        assert statuses == {"SPECULATIVE"}, f"L{line} {entry_lines[line]}"


@pytest.mark.parametrize(
    ("concept", "wrong_model"),
    [
        ("gated-linear-unit", "gpt-2"),
        ("gated-linear-unit", "gpt-3"),
        ("multi-query-attention", "gpt-j"),
        ("sinusoidal-positional-encoding", "t5"),
        ("prefix-lm", "palm"),
        ("silu", "mobilenet-v3"),
        ("rmsprop", "alphago"),
        ("gelu", "t5"),
    ],
)
def test_corrected_facts_not_wrong_ones(vocab: Vocabulary, concept: str, wrong_model: str) -> None:
    view = vocab.concept_by_id(concept)
    assert view is not None
    assert str(MODEL[wrong_model]) not in view.models
    assert view.errata, f"{concept} should carry the erratum"


def test_corrected_citations(vocab: Vocabulary) -> None:
    lars = vocab.concept_by_id("lars")
    assert lars is not None
    papers = repository.get_papers(vocab.store, lars.papers).values()
    assert any(p.authors[0].endswith("You") and p.year == 2017 and p.arxiv_id == "1708.03888" for p in papers)
    sophia = vocab.concept_by_id("sophia")
    assert sophia is not None
    assert any(p.arxiv_id == "2305.14342" for p in repository.get_papers(vocab.store, sophia.papers).values())


def test_counts(builtin_store) -> None:  # type: ignore[no-untyped-def]
    stats = repository.get_stats(builtin_store)
    print(f"\nbuilt-in graph: {stats}")
    assert stats.concepts >= 330
    assert stats.papers >= 100
    assert stats.models >= 40
    assert stats.pairings >= 100
    assert stats.errata >= 55
