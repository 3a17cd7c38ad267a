"""RDF serialisation of a pyoxigraph store with the project's prefixes.

Turtle, TriG, N3 and RDF/XML are written by Oxigraph with the prefixes of
:data:`ontology.namespaces.PREFIXES`; Oxigraph's JSON-LD is expanded, so it is compacted here
(one node object per subject under an ``@context`` of the prefixes). N-Triples and N-Quads have no
prefixes by definition.
"""

from __future__ import annotations

from typing import Any
from typing import Literal as TypingLiteral

import orjson
import pyoxigraph as ox

from ontology.namespaces import PREFIXES

RdfFormatName = TypingLiteral["ttl", "nt", "jsonld", "xml", "nq", "trig", "n3"]

FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "n3": ox.RdfFormat.N3,
}
_PREFIX_MAP = dict(PREFIXES)
_NAMESPACES = sorted(((iri, prefix) for prefix, iri in PREFIXES.items()), key=lambda item: -len(item[0]))  # longest first
_DATASET_FORMATS = ("nq", "trig")  # the whole dataset; other formats hold the default graph
_PREFIXED_FORMATS = ("ttl", "trig", "n3", "xml")  # oxigraph writes these with prefixes; JSON-LD gets an @context here


def _curie(iri: str) -> str:
    """``iri`` as a compact IRI with the project's prefixes (``nnv:note``), or as it is."""
    for namespace, prefix in _NAMESPACES:
        if iri.startswith(namespace) and not iri.startswith("//", len(namespace)):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _compact_object(value: dict[str, str]) -> dict[str, str]:
    if "@id" in value:
        return {"@id": _curie(value["@id"])}
    return {**value, "@type": _curie(value["@type"])} if "@type" in value else value


def _compact_json_ld(expanded: bytes) -> bytes:
    """Oxigraph's expanded JSON-LD as one node object per subject, its IRIs compacted under an ``@context`` of the prefixes."""
    nodes: dict[str, dict[str, list[Any]]] = {}
    for part in orjson.loads(expanded):
        node = nodes.setdefault(part["@id"], {})
        for key, values in part.items():
            if key != "@id":
                node.setdefault(_curie(key), []).extend(_compact_object(value) for value in values)
    graph = [
        {"@id": _curie(iri), **{key: values[0] if len(values) == 1 else values for key, values in node.items()}}
        for iri, node in nodes.items()
    ]
    return orjson.dumps({"@context": PREFIXES, "@graph": graph}, option=orjson.OPT_INDENT_2)


def serialise(store: ox.Store, fmt: RdfFormatName) -> bytes:
    """``store``'s default graph (the dataset in N-Quads and TriG) in ``fmt``, with the project's prefixes where the format has them."""
    data = store.dump(
        format=FORMATS[fmt],
        from_graph=None if fmt in _DATASET_FORMATS else ox.DefaultGraph(),
        prefixes=_PREFIX_MAP if fmt in _PREFIXED_FORMATS else None,
    )
    return _compact_json_ld(bytes(data or b"")) if fmt == "jsonld" else bytes(data or b"")
