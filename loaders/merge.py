"""Merge incoming concepts into a graph by normalised name and alias.

An incoming concept whose name or any alias already names exactly one concept is *merged*
(new aliases and its source are added); one that names several is *rejected* as ambiguous;
otherwise it is *added* as a new concept. A match through an alias alone must be confirmed by
the name (see :func:`_matches`): a shared abbreviation is not a shared idea. Nothing is written here: the caller loads the
returned graph in one atomic step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from loaders.records import PaperRecord, SourceRef
from loaders.to_rdf import add_paper, add_source, new_graph
from ontology.names import NameIndex
from ontology.namespaces import NNV, SCHEME, ConceptKind, ConceptStatus, concept_iri, paper_iri

MIN_DEFINITION = 20
SAME_IDEA = 70  # token-set similarity (0–100) of a name to a label, for a match found by an alias only


@dataclass
class IncomingConcept:
    """A concept as a source format describes it, before merging."""

    name: str
    source: SourceRef
    definition: str = ""
    alt_names: list[str] = field(default_factory=list)
    kind: ConceptKind = ConceptKind.OTHER
    paper: PaperRecord | None = None


@dataclass
class MergeReport:
    """What a merge did."""

    merged: int = 0
    added: int = 0
    rejected: list[str] = field(default_factory=list)
    triples: int = 0


def slugify(name: str) -> str:
    """A concept slug from a name: ``"Layer Norm (LN)"`` → ``layer-norm``."""
    base = re.sub(r"\s*\([^)]*\)", "", name)
    return re.sub(r"[^a-z0-9]+", "-", base.casefold()).strip("-")[:80] or "concept"


def _unique_slug(name: str, taken: set[str]) -> str:
    slug = slugify(name)
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _close(name: str, labels: list[str]) -> bool:
    """Whether ``name`` reads like one of ``labels`` (token-set similarity, case-insensitive)."""
    return any(fuzz.token_set_ratio(name.casefold(), label.casefold()) >= SAME_IDEA for label in labels)


def _matches(item: IncomingConcept, index: NameIndex, local: NameIndex) -> list[str]:
    """The concepts ``item`` merges into (sorted IRIs).

    A concept found by the item's name always counts. One found only by an alias (usually an
    abbreviation) counts when the item's name reads like one of that concept's labels: "AMP" for
    "Adversarial Model Perturbation" is an abbreviation shared with Automatic Mixed Precision, not
    the same idea, so the item is added as a concept of its own.
    """

    def labels(iri: str) -> list[str]:
        return index.labels_of(iri) or local.labels_of(iri)

    def found(name: str) -> list[str]:
        return index.resolve(name) or local.resolve(name)

    by_name = set(found(item.name))
    by_alias = {iri for alt in item.alt_names for iri in found(alt)} - by_name
    return sorted(by_name | {iri for iri in by_alias if _close(item.name, labels(iri))})


def merge_concepts(index: NameIndex, incoming: list[IncomingConcept], existing_slugs: set[str]) -> tuple[Graph, MergeReport]:
    """Triples that merge ``incoming`` into the graph described by ``index``.

    Args:
        index: Names of the concepts already in the graph.
        incoming: Parsed concepts, in source order.
        existing_slugs: Slugs already used (new slugs avoid them).

    """
    graph = new_graph()
    report = MergeReport()
    taken = set(existing_slugs)
    local = NameIndex()
    counter: dict[str, int] = {}
    for item in incoming:
        names = [item.name, *item.alt_names]
        hits = _matches(item, index, local)
        if len(hits) > 1:
            report.rejected.append(f"line {item.source.line}: '{item.name}' matches several concepts ({', '.join(hits)})")
            continue
        if hits:
            iri = URIRef(hits[0])
            report.merged += 1
        elif len(" ".join(item.definition.split())) < MIN_DEFINITION:
            report.rejected.append(f"line {item.source.line}: '{item.name}' is new but has no definition")
            continue
        else:
            iri = concept_iri(_unique_slug(item.name, taken))
            report.added += 1
            graph.add((iri, RDF.type, NNV.Concept))
            graph.add((iri, RDF.type, SKOS.Concept))
            graph.add((iri, SKOS.inScheme, SCHEME))
            graph.add((iri, SKOS.prefLabel, Literal(item.name)))
            graph.add((iri, SKOS.definition, Literal(" ".join(item.definition.split()))))
            graph.add((iri, NNV.kind, item.kind.iri))
            graph.add((iri, NNV.status, ConceptStatus.ESTABLISHED.iri))
        for alt in names:
            is_pref_label = alt == item.name and not hits
            if not is_pref_label and str(iri) not in index.resolve(alt) + local.resolve(alt):
                graph.add((iri, SKOS.altLabel, Literal(alt)))
        for label in names:
            local.add(str(iri), label, preferred=label == item.name)
        counter[str(iri)] = counter.get(str(iri), 0) + 1
        document = re.sub(r"[^A-Za-z0-9]+", "-", item.source.document)
        add_source(graph, iri, URIRef(f"{iri}#{document}-{item.source.line or 0}-{counter[str(iri)]}"), item.source)
        if item.paper:
            add_paper(graph, item.paper)
            graph.add((iri, NNV.introducedIn, paper_iri(item.paper.id)))
            graph.add((paper_iri(item.paper.id), NNV.describes, iri))
    report.triples = len(graph)
    return graph, report
