"""The file formats ``nnvocab load`` accepts (a light module: the CLI lists them at start-up)."""

from __future__ import annotations

from ontology.serialise import RdfFormatName

RDF_FORMATS: dict[str, RdfFormatName] = {
    "ttl": "ttl",
    "turtle": "ttl",
    "nt": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
    "xml": "xml",
    "rdf": "xml",
    "owl": "xml",
    "n3": "n3",
    "trig": "trig",
    "nq": "nq",
}
FORMATS = ("guide", "tags", "pwc", *sorted(set(RDF_FORMATS)))
