"""What text each node contributes to search: read from the store in a few whole-graph queries.

A concept brings its name, aliases, definition, the words of its formula, its when-to-use items
and the titles of the papers that introduced it; a paper its title; a model its label.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ontology.store import TripleStore

_NUMBERED = re.compile(r"^\s*\d+\.\s*")  # "02. Sequences short enough…" → "Sequences short enough…"
_FORMULA_WORD = re.compile(r"[A-Za-z]{3,}")  # "ReLU(W_s ∗ x)" → "ReLU"; symbols and indices carry no words
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # "LayerNorm" → "Layer Norm"


@dataclass(frozen=True)
class NodeDocument:
    """The searchable text of one concept, paper or model."""

    iri: str
    kind: str
    """``"concept"``, ``"paper"`` or ``"model"``."""
    name: str
    aliases: tuple[str, ...] = ()
    definition: str = ""
    when_to_use: tuple[str, ...] = ()
    formula_words: str = ""
    paper_titles: tuple[str, ...] = ()

    @property
    def semantic_texts(self) -> tuple[str, str]:
        """The two texts embedded for this node: all it says (name, definition, when-to-use items), and its definition.

        A question close to the definition alone would otherwise be diluted by the when-to-use
        items; the closer of the two counts. A node without a definition has its whole text twice.
        """
        whole = " ".join(part for part in (f"{self.name}.", self.definition, " ".join(self.when_to_use)) if part).strip()
        return whole, self.definition or whole


def split_words(name: str) -> str:
    """``"LayerNorm"`` → ``"LayerNorm Layer Norm"``: a name's camel-case parts become words too."""
    parts = _CAMEL.sub(" ", name)
    return name if parts == name else f"{name} {parts}"


def _strings(store: TripleStore, sparql: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for row in store.select(sparql):
        out[str(row["x"])].append(str(row["v"]))
    return {k: sorted(set(v)) for k, v in out.items()}


def list_documents(store: TripleStore) -> list[NodeDocument]:
    """Every concept's, paper's and model's document, ordered by IRI (one pass per field, no per-node query)."""
    names = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Concept ; skos:prefLabel ?v }")
    aliases = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Concept ; skos:altLabel ?v }")
    definitions = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Concept ; skos:definition ?v }")
    usage = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Concept ; nnv:whenToUse ?v }")
    formulas = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Concept ; nnv:formula ?v }")
    titles = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Concept ; nnv:introducedIn ?p . ?p dcterms:title ?v }")
    docs = [
        NodeDocument(
            iri=iri,
            kind="concept",
            name=label[0],
            aliases=tuple(aliases.get(iri, ())),
            definition=" ".join(definitions.get(iri, ())),
            when_to_use=tuple(_NUMBERED.sub("", item) for item in usage.get(iri, ())),  # sorted by their numbers
            formula_words=" ".join(w for f in formulas.get(iri, ()) for w in _FORMULA_WORD.findall(f)),
            paper_titles=tuple(titles.get(iri, ())),
        )
        for iri, label in names.items()
    ]
    papers = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Paper ; dcterms:title ?v }")
    models = _strings(store, "SELECT ?x ?v WHERE { ?x a nnv:Model ; skos:prefLabel ?v }")
    docs += [NodeDocument(iri=iri, kind="paper", name=label[0]) for iri, label in papers.items()]
    docs += [NodeDocument(iri=iri, kind="model", name=label[0]) for iri, label in models.items()]
    return sorted(docs, key=lambda d: d.iri)
