"""The nnvocab namespaces: IRIs, prefixes, source documents and the enumerations of the contract.

``NNV`` is an rdflib ``DefinedNamespace`` with ``_fail = True``: a misspelt term
(``NNV.pairWith``) raises ``AttributeError`` instead of minting a new IRI.
"""

from __future__ import annotations

from enum import Enum

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/nnvocab/"
ONTOLOGY_IRI = BASE + "ontology"
SEED_GUIDE = "000_d850fd30ffeff5b8.txt"
SEED_TAGS = "002_217204371df5581c.txt"
# The built-in graph's source documents by their human titles (their file names are content hashes).
DOCUMENT_TITLES = {SEED_GUIDE: "NN Vocabulary guide", SEED_TAGS: "architecture tag page"}


def document_title(document: str) -> str:
    """The human title of a source document (a file name or address that has none stays as it is)."""
    return DOCUMENT_TITLES.get(document, document)


class NNV(DefinedNamespace):
    """Terms of the nnvocab ontology (``nnv:``); see ``ontology/data/ontology.ttl``."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Concept: URIRef
    Paper: URIRef
    Model: URIRef
    Erratum: URIRef
    SourceReference: URIRef
    Pairing: URIRef
    HyperparameterSpec: URIRef
    SmokeTest: URIRef
    PairingVerification: URIRef
    PairingTrial: URIRef
    ConceptKind: URIRef
    ConceptStatus: URIRef
    # object properties
    pairsWith: URIRef
    pairing: URIRef
    pairedConcept: URIRef
    uses: URIRef
    usedBy: URIRef
    introducedIn: URIRef
    describes: URIRef
    kind: URIRef
    status: URIRef
    erratum: URIRef
    source: URIRef
    hyperparameter: URIRef
    implementation: URIRef
    lastSmokeTest: URIRef
    verification: URIRef
    family: URIRef
    optimizer: URIRef
    # datatype properties
    formula: URIRef
    whenToUse: URIRef
    note: URIRef
    claim: URIRef
    correction: URIRef
    reference: URIRef
    document: URIRef
    section: URIRef
    line: URIRef
    defaultValue: URIRef
    statusNote: URIRef
    arxivId: URIRef
    doi: URIRef
    venue: URIRef
    organization: URIRef
    year: URIRef
    target: URIRef
    origin: URIRef
    defaultArgs: URIRef
    publishedConfig: URIRef
    ok: URIRef
    detail: URIRef
    durationMs: URIRef
    configHash: URIRef
    seed: URIRef
    learningRate: URIRef
    weightDecay: URIRef
    steps: URIRef
    recipeExtra: URIRef
    protocolVersion: URIRef
    phase: URIRef
    metrics: URIRef
    finalMetric: URIRef
    # individuals
    Established: URIRef
    Speculative: URIRef


MLS = Namespace("http://www.w3.org/ns/mls#")
SCHEMA = Namespace("https://schema.org/")
CONCEPT = Namespace(BASE + "concept/")
PAPER = Namespace(BASE + "paper/")
MODEL = Namespace(BASE + "model/")
SCHEME = URIRef(BASE + "scheme")

PREFIXES: dict[str, str] = {
    "nnv": str(NNV._NS),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "mls": str(MLS),
    "schema": str(SCHEMA),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "concept": str(CONCEPT),
    "paper": str(PAPER),
    "model": str(MODEL),
}


class ConceptKind(str, Enum):
    """What a concept is; the values match the GraphQL contract's ``ConceptKind``."""

    LAYER = "LAYER"
    OPTIMIZER = "OPTIMIZER"
    ACTIVATION = "ACTIVATION"
    LOSS = "LOSS"
    NORMALIZATION = "NORMALIZATION"
    REGULARIZATION = "REGULARIZATION"
    ATTENTION = "ATTENTION"
    ARCHITECTURE = "ARCHITECTURE"
    SCHEDULER = "SCHEDULER"
    INITIALIZATION = "INITIALIZATION"
    EMBEDDING = "EMBEDDING"
    TRAINING_TECHNIQUE = "TRAINING_TECHNIQUE"
    METRIC = "METRIC"
    OTHER = "OTHER"

    @property
    def iri(self) -> URIRef:
        """The individual ``nnv:kind-<value>`` standing for this kind."""
        return URIRef(f"{NNV._NS}kind-{self.value}")


class ConceptStatus(str, Enum):
    """Whether a concept is published ML or speculative/vendor content."""

    ESTABLISHED = "ESTABLISHED"
    SPECULATIVE = "SPECULATIVE"

    @property
    def iri(self) -> URIRef:
        """``nnv:Established`` or ``nnv:Speculative``."""
        return NNV.Established if self is ConceptStatus.ESTABLISHED else NNV.Speculative


def concept_iri(slug: str) -> URIRef:
    """The IRI of the concept with this slug."""
    return CONCEPT[slug]


def paper_iri(slug: str) -> URIRef:
    """The IRI of the paper with this slug."""
    return PAPER[slug]


def model_iri(slug: str) -> URIRef:
    """The IRI of the model with this slug."""
    return MODEL[slug]
