"""Ideas, methods and papers that the vocabulary guide names only in passing, and what they resolve to.

Candidates are taken from every line of the guide (definitions, notes, fields, worked examples):

* ``"Title" (Authors, Year)`` — a paper, mostly in ``Papers:`` fields;
* ``Author et al., Year`` citations without a title;
* the items of ``Related terms:`` and ``Pairs with:`` fields;
* capitalised multi-word terms (``Tree of Thought``, ``Mixture of Experts``) and acronyms or
  camel-case names (``GQA``, ``LoRA``, ``ResNet``).

Each candidate is looked up as a concept (the name index), a paper (its title, or authors and
year) and a model. Run ``python -m loaders.mentions [GUIDE] [--unresolved]`` to print the table
used to triage them by hand; the checked result is ``tests/data/passing_mentions.yaml``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from loaders.builtin import load_builtin
from loaders.errors import LoaderError, read_source_text
from loaders.guide import FIELD_RE  # the guide parser's field-label pattern
from ontology import repository
from ontology.names import NameIndex, normalise
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

_QUOTED_PAPER = re.compile(r"[\"“]([^\"”]{4,200})[\"”]\s*\(([^()]*?\b(?:19|20)\d{2}\b[^()]*)\)")
_CITATION = re.compile(r"\b([A-Z][A-Za-z'\-]+)(?: et al\.?| (?:&|and) [A-Z][A-Za-z'\-]+)?,? ((?:19|20)\d{2})\b")
_ACRONYM = re.compile(r"(?<![\w.])(?=[A-Za-z0-9\-]*[A-Z][a-z0-9\-]*[A-Z])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![\w(])")
_CONNECTOR = r"(?:of|for|and|with|in|the|to|on|as)"
_CAPITALISED = re.compile(rf"\b[A-Z][a-zA-Z']+(?:(?:-| {_CONNECTOR} | )[A-Z][a-zA-Z'\-]*)+")
_LEADING = re.compile(r"^(?:The|This|These|That|Each|Every|A|An|Use|When|Why|How|What|For|In|With|Step|Key|Final|All|Any|No|Not|If)\s+")
_LIST_FIELDS = ("Related terms", "Pairs with")
_PAREN = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class Mention:
    """A term named in the guide, where it first stands and how it was found."""

    term: str
    line: int
    how: str
    citation: str | None = None


@dataclass(frozen=True)
class Resolution:
    """What a mention resolves to in the graph: concept, paper and model IRIs (any may be empty)."""

    concepts: tuple[str, ...]
    papers: tuple[str, ...]
    models: tuple[str, ...]

    @property
    def resolved(self) -> bool:
        """True when the mention names a concept or a paper."""
        return bool(self.concepts or self.papers)


def _field_items(text: str) -> Iterator[str]:
    """The comma- or semicolon-separated items of the list fields on one line."""
    matches = list(FIELD_RE.finditer(text))
    for k, match in enumerate(matches):
        if match.group(1) in _LIST_FIELDS:
            end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
            for item in re.split(r"[,;]| and ", _PAREN.sub("", text[match.end() : end])):
                item = item.strip(" .")
                if 2 < len(item) < 60:
                    yield item


def _citation(text: str) -> str | None:
    match = _CITATION.search(text)
    return f"{match.group(1)} {match.group(2)}" if match else None


def _line_mentions(text: str) -> Iterator[tuple[str, str, str | None]]:
    for match in _QUOTED_PAPER.finditer(text):
        yield match.group(1).strip(), "paper", _citation(match.group(2))
    for match in _CITATION.finditer(text):
        yield f"{match.group(1)} {match.group(2)}", "citation", None
    for item in _field_items(text):
        yield item, "field", None
    for match in _CAPITALISED.finditer(text):
        term = _LEADING.sub("", match.group(0)).strip(" -'")
        if " " in term or "-" in term:
            yield term, "capitalised", None
    for match in _ACRONYM.finditer(text):
        yield match.group(0), "acronym", None


def extract_mentions(text: str) -> list[Mention]:
    """Every candidate mention of the guide text, once per normalised term, at its first line."""
    seen: dict[str, Mention] = {}
    for number, line in enumerate(text.split("\n"), start=1):
        for term, how, citation in _line_mentions(line):
            key = normalise(term)
            if len(key) > 1 and key not in seen:
                seen[key] = Mention(term, number, how, citation)
    return list(seen.values())


class PaperIndex:
    """Papers of a graph by title (whole or its first words) and by first author's surname and year."""

    def __init__(self, vocab: Vocabulary) -> None:
        """Read every paper of ``vocab``'s store."""
        iris = [str(r["p"]) for r in vocab.store.select("SELECT ?p WHERE { ?p a nnv:Paper }")]
        self.papers = repository.get_papers(vocab.store, iris)
        self.titles = NameIndex.from_labels((iri, view.title, True) for iri, view in self.papers.items())

    def cited(self, citation: str) -> list[str]:
        """IRIs of the papers that ``Surname YEAR`` cites (first author's surname)."""
        surname, _, year = citation.rpartition(" ")
        key = normalise(surname)
        return sorted(
            iri for iri, view in self.papers.items() if str(view.year) == year and view.authors and normalise(view.authors[0]).endswith(key)
        )

    def titled(self, title: str, citation: str | None = None) -> list[str]:
        """IRIs of the papers whose title is or starts with ``title``; else those ``citation`` cites."""
        key = normalise(title)
        found = self.titles.resolve(title) or [iri for iri, view in self.papers.items() if normalise(view.title).startswith(key)]
        return sorted(found) if found or citation is None else self.cited(citation)


def resolve_mention(vocab: Vocabulary, papers: PaperIndex, mention: Mention) -> Resolution:
    """Look a mention up: a quoted title or a citation as a paper, any other term as a concept or a model."""
    if mention.how == "paper":
        return Resolution((), tuple(papers.titled(mention.term, mention.citation)), ())
    if mention.how == "citation":
        return Resolution((), tuple(papers.cited(mention.term)), ())
    return Resolution(tuple(vocab.names.resolve(mention.term)), (), tuple(vocab.model_names.resolve(mention.term)))


def names_in(text: str, index: NameIndex, longest: int = 5) -> set[str]:
    """IRIs of the concepts that a run of up to ``longest`` words of ``text`` names (longest match first)."""
    words = re.findall(r"[\w+][\w+'\-]*", text)
    found: set[str] = set()
    start = 0
    while start < len(words):
        for size in range(min(longest, len(words) - start), 0, -1):
            if iris := index.resolve(" ".join(words[start : start + size])):
                found.update(iris)
                start += size
                break
        else:
            start += 1
    return found


def builtin_vocabulary() -> Vocabulary:
    """The built-in graph in a fresh in-memory store."""
    store = GraphStore()
    load_builtin(store)
    return Vocabulary(store)


def _short(iris: tuple[str, ...]) -> str:
    return ",".join(iri.rsplit("/", 1)[-1] for iri in iris)


def main(argv: list[str] | None = None) -> int:
    """Print one tab-separated row per candidate: line, how found, term, concept, paper, model."""
    args = sys.argv[1:] if argv is None else argv
    only_unresolved = "--unresolved" in args
    paths = [a for a in args if not a.startswith("--")]
    guide = Path(paths[0]) if paths else Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_d850fd30ffeff5b8.txt"
    try:
        text = read_source_text(guide, "guide")
    except LoaderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    vocab = builtin_vocabulary()
    papers = PaperIndex(vocab)
    mentions = extract_mentions(text)
    resolved = 0
    for mention in mentions:
        found = resolve_mention(vocab, papers, mention)
        resolved += found.resolved
        if not (only_unresolved and (found.resolved or found.models)):
            cells = (str(mention.line), mention.how, mention.term, _short(found.concepts), _short(found.papers), _short(found.models))
            print("\t".join(cells))
    print(f"{len(mentions)} candidates, {resolved} resolve to a concept or paper", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
