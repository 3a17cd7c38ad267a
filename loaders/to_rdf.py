"""Turn validated curated records into RDF triples.

IRIs of the nodes hanging off a concept (sources, errata, hyperparameters, pairings) are
hash IRIs of the concept (``…/concept/adamw#pairing-transformer``), so the same input always
gives the same graph, triple for triple.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from loaders.curated import CuratedData
from loaders.records import ConceptRecord, ModelRecord, PaperRecord, SourceRef
from ontology.namespaces import NNV, PREFIXES, SCHEMA, SCHEME, concept_iri, model_iri, paper_iri


@dataclass
class _PairingInfo:
    notes: list[str] = field(default_factory=list)
    sources: list[SourceRef] = field(default_factory=list)


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound."""
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
    return graph


def add_source(graph: Graph, owner: URIRef, node: URIRef, source: SourceRef) -> None:
    """Attach a ``nnv:SourceReference`` node to ``owner``."""
    graph.add((owner, NNV.source, node))
    graph.add((node, RDF.type, NNV.SourceReference))
    graph.add((node, NNV.document, Literal(source.document)))
    if source.section:
        graph.add((node, NNV.section, Literal(source.section)))
    if source.line:
        graph.add((node, NNV.line, Literal(source.line, datatype=XSD.integer)))


def _concept_core(graph: Graph, record: ConceptRecord) -> URIRef:
    iri = concept_iri(record.id)
    graph.add((iri, RDF.type, NNV.Concept))
    graph.add((iri, RDF.type, SKOS.Concept))
    graph.add((iri, SKOS.inScheme, SCHEME))
    graph.add((iri, SKOS.notation, Literal(record.id)))
    graph.add((iri, SKOS.prefLabel, Literal(record.name)))
    for alt in record.alt_names:
        if alt != record.name:
            graph.add((iri, SKOS.altLabel, Literal(alt)))
    graph.add((iri, SKOS.definition, Literal(" ".join(record.definition.split()))))
    graph.add((iri, NNV.kind, record.kind.iri))
    graph.add((iri, NNV.status, record.status.iri))
    if record.status_note:
        graph.add((iri, NNV.statusNote, Literal(record.status_note)))
    if record.formula:
        graph.add((iri, NNV.formula, Literal(record.formula)))
    for i, item in enumerate(record.when_to_use, 1):
        graph.add((iri, NNV.whenToUse, Literal(f"{i:02d}. {item}")))
    for i, source in enumerate(record.sources, 1):
        add_source(graph, iri, URIRef(f"{iri}#source-{i}"), source)
    for i, hp in enumerate(record.hyperparameters, 1):
        node = URIRef(f"{iri}#hp-{i:02d}")
        graph.add((iri, NNV.hyperparameter, node))
        graph.add((node, RDF.type, NNV.HyperparameterSpec))
        graph.add((node, RDFS.label, Literal(hp.name)))
        if hp.default is not None:
            graph.add((node, NNV.defaultValue, Literal(hp.default)))
        if hp.description:
            graph.add((node, DCTERMS.description, Literal(hp.description)))
    for i, erratum in enumerate(record.errata, 1):
        node = URIRef(f"{iri}#erratum-{i:02d}")
        graph.add((iri, NNV.erratum, node))
        graph.add((node, RDF.type, NNV.Erratum))
        graph.add((node, NNV.claim, Literal(erratum.claim)))
        graph.add((node, NNV.correction, Literal(" ".join(erratum.correction.split()))))
        if erratum.reference:
            graph.add((node, NNV.reference, Literal(erratum.reference)))
        add_source(graph, node, URIRef(f"{node}-source"), erratum.source)
    return iri


def add_paper(graph: Graph, paper: PaperRecord) -> None:
    """Add a paper node with ordered authors (``schema:position``)."""
    iri = paper_iri(paper.id)
    graph.add((iri, RDF.type, NNV.Paper))
    graph.add((iri, RDF.type, SCHEMA.ScholarlyArticle))
    graph.add((iri, SKOS.notation, Literal(paper.id)))
    graph.add((iri, DCTERMS.title, Literal(paper.title)))
    for i, author in enumerate(paper.authors, 1):
        node = URIRef(f"{iri}#author-{i}")
        graph.add((iri, SCHEMA.author, node))
        graph.add((node, RDF.type, SCHEMA.Person))
        graph.add((node, SCHEMA.name, Literal(author)))
        graph.add((node, SCHEMA.position, Literal(i, datatype=XSD.integer)))
    if paper.year:
        graph.add((iri, NNV.year, Literal(paper.year, datatype=XSD.integer)))
    for prop, value in ((NNV.venue, paper.venue), (NNV.arxivId, paper.arxiv_id), (NNV.doi, paper.doi)):
        if value:
            graph.add((iri, prop, Literal(value)))
    url = paper.url or (f"https://arxiv.org/abs/{paper.arxiv_id}" if paper.arxiv_id else None)
    url = url or (f"https://doi.org/{paper.doi}" if paper.doi else None)
    if url:
        graph.add((iri, SCHEMA.url, Literal(url, datatype=XSD.anyURI)))


def add_model(graph: Graph, model: ModelRecord) -> None:
    """Add a model node."""
    iri = model_iri(model.id)
    graph.add((iri, RDF.type, NNV.Model))
    graph.add((iri, RDF.type, PROV.Entity))
    graph.add((iri, SKOS.notation, Literal(model.id)))
    graph.add((iri, SKOS.prefLabel, Literal(model.name)))
    if model.year:
        graph.add((iri, NNV.year, Literal(model.year, datatype=XSD.integer)))
    if model.organization:
        graph.add((iri, NNV.organization, Literal(model.organization)))
    for paper in model.papers:
        graph.add((iri, SCHEMA.subjectOf, paper_iri(paper)))


def add_pairings(graph: Graph, pairings: dict[tuple[str, str], _PairingInfo]) -> None:
    """Add both directions of every pairing, each with a qualified ``nnv:Pairing`` node."""
    for (a, b), info in sorted(pairings.items()):
        for left, right in ((a, b), (b, a)):
            subject, other = concept_iri(left), concept_iri(right)
            node = URIRef(f"{subject}#pairing-{right}")
            graph.add((subject, NNV.pairsWith, other))
            graph.add((subject, NNV.pairing, node))
            graph.add((node, RDF.type, NNV.Pairing))
            graph.add((node, NNV.pairedConcept, other))
            if info.notes:
                graph.add((node, NNV.note, Literal("; ".join(info.notes))))
            for i, source in enumerate(info.sources, 1):
                add_source(graph, node, URIRef(f"{node}-source-{i}"), source)


def collect_pairings(records: list[ConceptRecord]) -> dict[tuple[str, str], _PairingInfo]:
    """Merge pairings stated on either side into one entry per unordered pair."""
    pairings: dict[tuple[str, str], _PairingInfo] = defaultdict(_PairingInfo)
    for record in records:
        for pairing in record.pairs_with:
            if pairing.concept == record.id:
                continue
            key = (min(record.id, pairing.concept), max(record.id, pairing.concept))
            info = pairings[key]
            if pairing.note and pairing.note not in info.notes:
                info.notes.append(pairing.note)
            if pairing.source not in info.sources:
                info.sources.append(pairing.source)
    return pairings


def curated_to_graph(data: CuratedData, graph: Graph | None = None) -> Graph:
    """The whole curated collection as RDF (added to ``graph`` when given; without the ontology)."""
    graph = new_graph() if graph is None else graph
    graph.add((SCHEME, RDF.type, SKOS.ConceptScheme))
    graph.add((SCHEME, SKOS.prefLabel, Literal("nnvocab neural-network vocabulary")))
    records = [data.concepts[k] for k in sorted(data.concepts)]
    for record in records:
        iri = _concept_core(graph, record)
        for other in record.broader:
            graph.add((iri, SKOS.broader, concept_iri(other)))
            graph.add((concept_iri(other), SKOS.narrower, iri))
        for other in record.related:
            if other != record.id:
                graph.add((iri, SKOS.related, concept_iri(other)))
                graph.add((concept_iri(other), SKOS.related, iri))
        for paper in record.papers:
            graph.add((iri, NNV.introducedIn, paper_iri(paper)))
            graph.add((paper_iri(paper), NNV.describes, iri))
        for model in record.models:
            graph.add((model_iri(model), NNV.uses, iri))
            graph.add((iri, NNV.usedBy, model_iri(model)))
    add_pairings(graph, collect_pairings(records))
    for paper_record in data.papers.values():
        add_paper(graph, paper_record)
    for model_record in data.models.values():
        add_model(graph, model_record)
    counters: dict[str, int] = defaultdict(int)
    for merge in data.merges:
        iri = concept_iri(merge.concept)
        for alt in merge.alt_names:
            if alt != data.concepts[merge.concept].name:
                graph.add((iri, SKOS.altLabel, Literal(alt)))
        counters[merge.concept] += 1
        add_source(graph, iri, URIRef(f"{iri}#merged-source-{counters[merge.concept]}"), merge.source)
    return graph
