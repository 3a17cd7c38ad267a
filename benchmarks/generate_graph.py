"""Deterministic synthetic nnvocab graphs with the built-in graph's shape, streamed as N-Triples.

Run: ``.venv/bin/python benchmarks/generate_graph.py --triples 100000 --out /tmp/g100k.nt [--seed 7]``.
Prints a JSON summary: the counts and the probe names the benchmarks query (aliases that resolve
to one concept, a layer with optimizer pairings, the two ends of a broader-chain path, a misspelt
label for search).

The shape follows the built-in graph (``nnvocab stats``: 411 concepts, 334 papers, 129 models,
181 pairings, 134 errata, 126 implementations in ~30k triples): the ontology's own triples, then
one block per concept with its labels, kind and status, definition, formula, when-to-use items,
sources, hyperparameters, errata, ``skos:broader``/``narrower``, symmetric ``skos:related`` and
qualified ``nnv:pairsWith`` pairings, plus papers (ordered authors), models and implementations
attached in the same proportions. Links go to the previous ``WINDOW`` concepts only, so degrees
stay the same at 10k and at 1M triples, and memory stays bounded: nothing but the window is kept.
Generation stops at the first concept boundary at or past the target (overshoot: one block).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from ontology.namespaces import BASE, CONCEPT, MODEL, PAPER, PREFIXES, SCHEME, ConceptKind
from ontology.resources import ONTOLOGY_TTL

WINDOW = 400
TRIPLES_PER_CONCEPT = 74  # measured on the built-in graph: 30,416 triples / 411 concepts
_NNV, _SKOS, _DCT, _SCHEMA = PREFIXES["nnv"], PREFIXES["skos"], PREFIXES["dcterms"], PREFIXES["schema"]
_RDF_TYPE = f"<{PREFIXES['rdf']}type>"
_XSD_INT = f"<{PREFIXES['xsd']}integer>"
_XSD_URI = f"<{PREFIXES['xsd']}anyURI>"

# Kind counts of the built-in graph; optimizers are placed every OPTIMIZER_EVERY concepts instead.
KIND_WEIGHTS = {
    "ARCHITECTURE": 122,
    "LAYER": 64,
    "OTHER": 55,
    "TRAINING_TECHNIQUE": 42,
    "ATTENTION": 25,
    "LOSS": 23,
    "EMBEDDING": 19,
    "ACTIVATION": 17,
    "REGULARIZATION": 13,
    "NORMALIZATION": 7,
    "SCHEDULER": 6,
    "INITIALIZATION": 3,
}
OPTIMIZER_EVERY = 27  # 15 of 411
NOUNS = {
    "ARCHITECTURE": ["Network", "Transformer", "Autoencoder", "ResNet", "U-Net", "Mixer", "Graph Network"],
    "LAYER": ["Convolution", "Dense Layer", "Pooling", "Recurrent Unit", "Linear Layer", "Gated Unit"],
    "OTHER": ["Technique", "Method", "Framework", "Protocol"],
    "TRAINING_TECHNIQUE": ["Distillation", "Fine-Tuning", "Curriculum", "Pretraining", "Augmentation"],
    "ATTENTION": ["Attention", "Self-Attention", "Cross-Attention"],
    "LOSS": ["Loss", "Contrastive Loss", "Margin Loss"],
    "EMBEDDING": ["Embedding", "Position Encoding"],
    "ACTIVATION": ["Activation", "Unit", "Gate"],
    "REGULARIZATION": ["Dropout", "Weight Penalty", "Noise Injection"],
    "NORMALIZATION": ["Normalization", "Norm"],
    "SCHEDULER": ["Schedule", "Warmup", "Decay"],
    "INITIALIZATION": ["Initialization", "Init"],
    "OPTIMIZER": ["Adam", "Momentum", "RMSProp", "Adagrad", "Lion", "Shampoo", "Optimizer"],
}
_TEXTS = {
    "ADJECTIVES": (
        "Sparse Gated Dilated Residual Grouped Causal Adaptive Local Global Rotary Cross Deep Spectral "
        "Stochastic Quantized Hierarchical Depthwise Shifted Mixed Latent Masked Dynamic Conditional Relative "
        "Fused"
    ),
    "WORDS": (
        "the a layer model weights gradient training tokens sequence input output hidden state attention "
        "scale normalises learns features parameters each step update batch channel spatial kernel memory "
        "compute efficient stable convergence variance mean residual block network loss objective regularises "
        "sparse dense projection head query key value position embedding rank low-rank large small fast slow "
        "improves reduces keeps across per with without from into over between while which that and or of to "
        "in"
    ),
    "SURNAMES": "Smith Chen Kumar Garcia Müller Rossi Tanaka Kim Novak Silva Ivanova Dubois Okafor Larsen Haddad",
    "GIVEN": "Ana Wei Priya Luis Jonas Giulia Yuki Min Petr Joana Olga Claire Chidi Freja Omar",
}
ADJECTIVES, WORDS, SURNAMES, GIVEN = (_TEXTS[k].split() for k in ("ADJECTIVES", "WORDS", "SURNAMES", "GIVEN"))
VENUES = ["NeurIPS", "ICML", "ICLR", "CVPR", "ACL", "EMNLP", "AAAI", "JMLR"]
ORGS = ["Google", "Meta", "OpenAI", "DeepMind", "Microsoft", "Anthropic", "Mistral", "Alibaba"]


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _int(value: int) -> str:
    return f'"{value}"^^{_XSD_INT}'


def _typo(label: str) -> str:
    """``label`` with its first pair of different adjacent letters (after the first) swapped."""
    i = next((i for i in range(1, len(label) - 1) if label[i] != label[i + 1] and label[i : i + 2].isalpha()), 0)
    return label[:i] + label[i + 1] + label[i] + label[i + 2 :] if i else label


def _p(curie: str) -> str:
    prefix, local = curie.split(":", 1)
    return f"<{PREFIXES[prefix]}{local}>"


@dataclass
class GraphInfo:
    """What was generated, and names the benchmarks can query (all guaranteed to find rows)."""

    path: str
    target: int
    seed: int
    triples: int = 0
    concepts: int = 0
    papers: int = 0
    models: int = 0
    pairings: int = 0
    aliases: list[str] = field(default_factory=list)
    layer: str = ""  # a non-optimizer concept's label with a direct optimizer pairing
    node_id: str = ""  # that concept's slug (neighbourhoods)
    path_from: str = ""  # slug of a concept with a broader chain of depth >= 2 ...
    path_to: str = ""  # ... and the slug of its farthest ancestor
    search_text: str = ""  # a concept label with two letters swapped

    def save(self, path: Path) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> GraphInfo:
        """Read what :meth:`save` wrote."""
        return cls(**json.loads(path.read_text(encoding="utf-8")))


@dataclass
class _Concept:
    index: int
    slug: str
    kind: str
    label: str
    depth: int = 0  # length of its broader chain
    root: str = ""  # slug of its farthest ancestor


class _Writer:
    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.count = 0
        self._buffer: list[str] = []

    def add(self, s: str, p: str, o: str) -> None:
        self._buffer.append(f"{s} {p} {o} .\n")
        self.count += 1
        if len(self._buffer) >= 10_000:
            self.flush()

    def flush(self) -> None:
        self.out.write("".join(self._buffer))
        self._buffer.clear()


class _Generator:
    """One pass over the concepts; ``rng`` drives every choice, so a seed fixes the graph."""

    def __init__(self, writer: _Writer, info: GraphInfo) -> None:
        self.w = writer
        self.info = info
        self.rng = random.Random(info.seed)
        self.window: deque[_Concept] = deque(maxlen=WINDOW)
        self.optimizers: deque[_Concept] = deque(maxlen=15)
        self.expected = max(1, info.target // TRIPLES_PER_CONCEPT)
        self.alias_every = max(1, self.expected // 50)
        self._kinds = list(KIND_WEIGHTS)
        self._weights = list(KIND_WEIGHTS.values())

    def text(self, words: int) -> str:
        chosen = self.rng.choices(WORDS, k=words)
        return " ".join(chosen).capitalize() + "."

    def source(self, owner: str, node: str) -> None:
        w = self.w
        w.add(owner, _p("nnv:source"), node)
        w.add(node, _RDF_TYPE, _p("nnv:SourceReference"))
        w.add(node, _p("nnv:document"), _lit(f"{self.rng.randrange(3):03d}_synthetic.txt"))
        if self.rng.random() < 0.99:
            w.add(node, _p("nnv:line"), _int(self.rng.randrange(1, 20_000)))
        if self.rng.random() < 0.48:
            w.add(node, _p("nnv:section"), _lit(self.text(3)))

    def run(self) -> None:
        for triple in ox.parse(path=str(ONTOLOGY_TTL), format=ox.RdfFormat.TURTLE):
            self.w.add(str(triple.subject), str(triple.predicate), str(triple.object))
        self.w.add(_iri(SCHEME), _RDF_TYPE, _p("skos:ConceptScheme"))
        self.w.add(_iri(SCHEME), _p("skos:prefLabel"), _lit("nnvocab synthetic vocabulary"))
        index = 0
        while self.w.count < self.info.target:
            self.concept(index)
            index += 1
        self.info.concepts = index

    def new_concept(self, i: int) -> _Concept:
        kind = "OPTIMIZER" if i % OPTIMIZER_EVERY == 0 else self.rng.choices(self._kinds, self._weights)[0]
        adjective, noun = self.rng.choice(ADJECTIVES), self.rng.choice(NOUNS[kind])
        label = f"{adjective} {noun} {i}"
        slug = label.lower().replace(" ", "-")
        return _Concept(i, slug, kind, label)

    def concept(self, i: int) -> None:
        c = self.new_concept(i)
        s, w, rng = _iri(str(CONCEPT[c.slug])), self.w, self.rng
        w.add(s, _RDF_TYPE, _p("nnv:Concept"))
        w.add(s, _RDF_TYPE, _p("skos:Concept"))
        w.add(s, _p("skos:inScheme"), _iri(SCHEME))
        w.add(s, _p("skos:notation"), _lit(c.slug))
        w.add(s, _p("skos:prefLabel"), _lit(c.label))
        acronym = "".join(part[0] for part in c.label.replace("-", " ").split()[:-1]).upper()
        variants = [f"{acronym}-{i}", f"{acronym}{i} ({c.label})", c.label.replace(" ", ""), f"{c.label.rsplit(' ', 1)[0]} no. {i}"]
        for alias in variants[: rng.choice((1, 2, 2, 3, 3, 4))]:
            w.add(s, _p("skos:altLabel"), _lit(alias))
        if i % self.alias_every == 0 and len(self.info.aliases) < 50:
            self.info.aliases.append(variants[0])
        w.add(s, _p("skos:definition"), _lit(self.text(65)))
        w.add(s, _p("nnv:kind"), _iri(str(ConceptKind(c.kind).iri)))
        speculative = rng.random() < 0.066
        w.add(s, _p("nnv:status"), _p("nnv:Speculative" if speculative else "nnv:Established"))
        if speculative or rng.random() < 0.012:
            w.add(s, _p("nnv:statusNote"), _lit(self.text(12)))
        if rng.random() < 0.73:
            w.add(s, _p("nnv:formula"), _lit(f"y = f(W·x + b) · σ(g_{i}) / √d"))
        if rng.random() < 0.77:
            for n in range(1, rng.randint(1, 4) + 1):
                w.add(s, _p("nnv:whenToUse"), _lit(f"{n:02d}. {self.text(12)}"))
        for n in range(1, rng.choice((1, 1, 1, 1, 2)) + 1):
            self.source(s, _iri(f"{CONCEPT[c.slug]}#source-{n}"))
        if rng.random() < 0.55:
            for n in range(1, rng.randint(1, 5) + 1):
                node = _iri(f"{CONCEPT[c.slug]}#hp-{n:02d}")
                w.add(s, _p("nnv:hyperparameter"), node)
                w.add(node, _RDF_TYPE, _p("nnv:HyperparameterSpec"))
                w.add(node, _p("rdfs:label"), _lit(rng.choice(WORDS) + "_" + rng.choice(WORDS)))
                if rng.random() < 0.82:
                    w.add(node, _p("nnv:defaultValue"), _lit(f"{rng.random():.3g}"))
                if rng.random() < 0.83:
                    w.add(node, _p("dcterms:description"), _lit(self.text(8)))
        if rng.random() < 0.21:
            self.errata(s, c, rng.choice((1, 1, 2, 2)))
        self.links(c, s)
        self.attachments(c, s)
        self.window.append(c)
        if c.kind == "OPTIMIZER":
            self.optimizers.append(c)

    def errata(self, s: str, c: _Concept, count: int) -> None:
        w = self.w
        for n in range(1, count + 1):
            node = _iri(f"{CONCEPT[c.slug]}#erratum-{n:02d}")
            w.add(s, _p("nnv:erratum"), node)
            w.add(node, _RDF_TYPE, _p("nnv:Erratum"))
            w.add(node, _p("nnv:claim"), _lit(self.text(12)))
            w.add(node, _p("nnv:correction"), _lit(self.text(33)))
            if self.rng.random() < 0.95:
                w.add(node, _p("nnv:reference"), _lit(self.text(8)))
            self.source(node, _iri(f"{CONCEPT[c.slug]}#erratum-{n:02d}-source"))

    def links(self, c: _Concept, s: str) -> None:
        w, rng, earlier = self.w, self.rng, list(self.window)
        middle = c.index >= self.expected // 2  # probes come from the middle of the graph, and are forced there if missing
        want_path = middle and not self.info.path_from
        if earlier and (rng.random() < 0.5 or want_path):
            deep = [e for e in earlier if e.depth >= 1] if want_path else []
            parent = rng.choice(deep or earlier)
            w.add(s, _p("skos:broader"), _iri(str(CONCEPT[parent.slug])))
            w.add(_iri(str(CONCEPT[parent.slug])), _p("skos:narrower"), s)
            c.depth, c.root = parent.depth + 1, parent.root or parent.slug
        for other in rng.sample(earlier, min(len(earlier), rng.choice((1, 2, 2, 3, 3, 4, 4, 5)))):
            w.add(s, _p("skos:related"), _iri(str(CONCEPT[other.slug])))
            w.add(_iri(str(CONCEPT[other.slug])), _p("skos:related"), s)
        want_layer = middle and not self.info.layer and c.kind != "OPTIMIZER" and bool(self.optimizers)
        if earlier and (rng.random() < 0.44 or want_layer):
            optimizer = want_layer or (self.optimizers and c.kind != "OPTIMIZER" and rng.random() < 0.3)
            other = rng.choice(list(self.optimizers)) if optimizer else rng.choice(earlier)
            self.pairing(c, other)
            if want_layer:
                self.info.layer, self.info.node_id = c.label, c.slug
                self.info.search_text = _typo(c.label)
        if want_path and c.depth >= 2:
            self.info.path_from, self.info.path_to = c.slug, c.root

    def pairing(self, a: _Concept, b: _Concept) -> None:
        w, note = self.w, self.text(14)
        sources = self.rng.choice((1, 2, 2, 3))
        for left, right in ((a, b), (b, a)):
            subject, other = _iri(str(CONCEPT[left.slug])), _iri(str(CONCEPT[right.slug]))
            node = f"{CONCEPT[left.slug]}#pairing-{right.slug}"
            w.add(subject, _p("nnv:pairsWith"), other)
            w.add(subject, _p("nnv:pairing"), _iri(node))
            w.add(_iri(node), _RDF_TYPE, _p("nnv:Pairing"))
            w.add(_iri(node), _p("nnv:pairedConcept"), other)
            w.add(_iri(node), _p("nnv:note"), _lit(note))
            for n in range(1, sources + 1):
                self.source(_iri(node), _iri(f"{node}-source-{n}"))
        self.info.pairings += 1

    def attachments(self, c: _Concept, s: str) -> None:
        w, rng, i = self.w, self.rng, c.index
        if rng.random() < 0.81:
            self.paper(c, s)
        elif self.info.papers and rng.random() < 0.5:
            paper = _iri(str(PAPER[f"paper-{self.info.papers - 1}"]))
            w.add(s, _p("nnv:introducedIn"), paper)
            w.add(paper, _p("nnv:describes"), s)
        if rng.random() < 0.31:
            model = _iri(str(MODEL[f"model-{i}"]))
            w.add(model, _RDF_TYPE, _p("nnv:Model"))
            w.add(model, _RDF_TYPE, _p("prov:Entity"))
            w.add(model, _p("skos:notation"), _lit(f"model-{i}"))
            w.add(model, _p("skos:prefLabel"), _lit(f"{rng.choice(ADJECTIVES)}Net-{i}"))
            w.add(model, _p("nnv:year"), _int(rng.randint(2012, 2025)))
            if rng.random() < 0.98:
                w.add(model, _p("nnv:organization"), _lit(rng.choice(ORGS)))
            for used in [c, *rng.sample(list(self.window), min(len(self.window), rng.randint(0, 4)))]:
                w.add(model, _p("nnv:uses"), _iri(str(CONCEPT[used.slug])))
                w.add(_iri(str(CONCEPT[used.slug])), _p("nnv:usedBy"), model)
            self.info.models += 1
        if rng.random() < 0.31:
            impl = _iri(f"{BASE}implementation/{c.slug}")
            target = f"torch.nn.{c.label.replace(' ', '').replace('-', '')}"
            w.add(s, _p("nnv:implementation"), impl)
            w.add(impl, _p("mls:implements"), s)
            w.add(impl, _RDF_TYPE, _p("mls:Implementation"))
            w.add(impl, _p("rdfs:label"), _lit(target))
            w.add(impl, _p("nnv:target"), _lit(target))
            w.add(impl, _p("nnv:origin"), _lit("BUILTIN"))
            w.add(impl, _p("nnv:defaultArgs"), _lit('{"dim": 64}'))

    def paper(self, c: _Concept, s: str) -> None:
        w, rng, n = self.w, self.rng, self.info.papers
        paper = _iri(str(PAPER[f"paper-{n}"]))
        w.add(paper, _RDF_TYPE, _p("nnv:Paper"))
        w.add(paper, _RDF_TYPE, _p("schema:ScholarlyArticle"))
        w.add(paper, _p("skos:notation"), _lit(f"paper-{n}"))
        w.add(paper, _p("dcterms:title"), _lit(self.text(8)))
        for k in range(1, rng.randint(1, 8) + 1):
            author = _iri(f"{PAPER[f'paper-{n}']}#author-{k}")
            w.add(paper, _p("schema:author"), author)
            w.add(author, _RDF_TYPE, _p("schema:Person"))
            w.add(author, _p("schema:name"), _lit(f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}"))
            w.add(author, _p("schema:position"), _int(k))
        w.add(paper, _p("nnv:year"), _int(rng.randint(1986, 2025)))
        if rng.random() < 0.84:
            w.add(paper, _p("nnv:venue"), _lit(f"{rng.choice(VENUES)} {rng.randint(2012, 2025)}"))
        arxiv = f"{rng.randint(1500, 2512)}.{rng.randint(10000, 99999)}"
        if rng.random() < 0.82:
            w.add(paper, _p("nnv:arxivId"), _lit(arxiv))
        if rng.random() < 0.16:
            w.add(paper, _p("nnv:doi"), _lit(f"10.5555/synthetic.{n}"))
        if rng.random() < 0.96:
            w.add(paper, _p("schema:url"), f'"https://arxiv.org/abs/{arxiv}"^^{_XSD_URI}')
        w.add(s, _p("nnv:introducedIn"), paper)
        w.add(paper, _p("nnv:describes"), s)
        self.info.papers += 1


def generate(out: Path, triples: int, seed: int = 7) -> GraphInfo:
    """Write a synthetic graph of about ``triples`` triples to ``out`` (N-Triples) and describe it."""
    info = GraphInfo(path=str(out), target=triples, seed=seed)
    with out.open("w", encoding="utf-8") as handle:
        writer = _Writer(handle)
        _Generator(writer, info).run()
        writer.flush()
    info.triples = writer.count
    return info


def cached(folder: Path, triples: int, seed: int = 7) -> GraphInfo:
    """:func:`generate` into ``folder`` once; later calls reuse the file and its JSON summary."""
    out, meta = folder / f"synthetic-{triples}-{seed}.nt", folder / f"synthetic-{triples}-{seed}.json"
    if out.is_file() and meta.is_file():
        return GraphInfo.load(meta)
    info = generate(out, triples, seed)
    info.save(meta)
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    info = generate(args.out, args.triples, args.seed)
    print(json.dumps(asdict(info), indent=1))


if __name__ == "__main__":
    main()
