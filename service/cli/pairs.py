"""CLI output of ``pairs`` (a table that reads at any width, or complete JSON) and its JSON."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from implementations.pairing.evidence import EvidenceReport
from implementations.pairing.protocol import PairEvidence
from ontology.namespaces import document_title
from ontology.pairs import PairView, RecipeItemView
from ontology.views import SourceView, slug_of
from ontology.vocabulary import Vocabulary
from service.pairing_evidence import evidence_json, get_measured

NOTE_SEPARATOR = "; "  # how the loader joins the notes of one pairing stated in several places
_STOP_WORDS = frozenset(
    ("a", "an", "and", "are", "as", "at", "be", "by", "for", "in", "is", "it", "its", "of", "on", "or", "the", "then", "to", "with")
)
WIDE_COLUMNS = 100  # from this console width on, sources get a column of their own
SAME_NOTE_SHARE = 0.6  # a note whose content words are this much in an earlier note of the pair says nothing new
VERDICT_STYLES = {"supported": "green", "contradicted": "red", "inconclusive": "yellow"}


def _content_words(note: str) -> set[str]:
    words = (word.removesuffix("'s") for word in re.findall(r"[a-z0-9][a-z0-9'\-]*", note.lower()))
    return {word[:-1] if len(word) > 3 and word.endswith("s") else word for word in words if word not in _STOP_WORDS}


def note_parts(note: str | None) -> list[str]:
    """The notes that the loader joined into one pairing's ``nnv:note``."""
    return note.split(NOTE_SEPARATOR) if note else []


def distinct_notes(notes: Iterable[str]) -> list[str]:
    """``notes`` without those that repeat an earlier one (mostly the same content words), in order."""
    kept: list[tuple[str, set[str]]] = []
    for note in notes:
        words = _content_words(note)
        if note and not any(len(words & seen) >= SAME_NOTE_SHARE * len(words) for _, seen in kept):
            kept.append((note, words))
    return [note for note, _ in kept]


def distinct_sources(sources: Iterable[SourceView]) -> list[SourceView]:
    """One source per document line (the one naming a section when there is one), ordered by document and line."""
    best: dict[tuple[str, int | None], SourceView] = {}
    for source in sources:
        key = (source.document, source.line)
        if key not in best or (source.section and not best[key].section):
            best[key] = source
    return sorted(best.values(), key=lambda source: (document_title(source.document), source.line or 0))


def describe_sources(sources: Iterable[SourceView]) -> str:
    """Sources for reading: one line per document, its title then each line number with its section."""
    by_title: dict[str, list[str]] = {}
    for source in distinct_sources(sources):
        place = f"line {source.line}" if source.line else ""
        place += f" ({source.section})" if source.section and place else source.section or ""
        by_title.setdefault(document_title(source.document), []).append(place)
    return "\n".join(f"{title}, {'; '.join(filter(None, places))}" if any(places) else title for title, places in by_title.items())


def _source_json(source: SourceView) -> dict[str, Any]:
    return {"document": source.document, "title": document_title(source.document), "section": source.section, "line": source.line}


def _recipe_json(item: RecipeItemView) -> dict[str, Any]:
    return {"concept": slug_of(item.concept), "note": item.note, "sources": [_source_json(s) for s in item.sources]}


def pair_evidence(evidence: EvidenceReport, pair: PairView) -> PairEvidence | None:
    """The measured evidence of the claim behind ``pair`` (its family's, for a pair inferred via a family)."""
    return get_measured(evidence, slug_of(pair.via or pair.layer), slug_of(pair.optimizer))


def pairs_json(found: list[PairView], evidence: EvidenceReport) -> list[dict[str, Any]]:
    """Every pair with every note, every source (file name and title), its recipe and its evidence (``None``: no runs)."""
    return [
        {
            "layer": slug_of(p.layer),
            "optimizer": slug_of(p.optimizer),
            "note": p.note,
            "notes": note_parts(p.note),
            "sources": [_source_json(s) for s in p.sources],
            "inferred_via": slug_of(p.via) if p.via else None,
            "recipe": [_recipe_json(item) for item in p.recipe],
            "evidence": evidence_json(e) if (e := pair_evidence(evidence, p)) else None,
        }
        for p in found
    ]


def _verdict_text(e: PairEvidence | None) -> Text:
    if e is None:
        return Text("no runs", style="dim")
    verdict = e.verdict.value if e.verdict else "unclaimed"
    return Text(verdict, style=VERDICT_STYLES.get(verdict, ""))


def print_pairs(console: Console, vocab: Vocabulary, found: list[PairView], evidence: EvidenceReport) -> None:
    """A table of pairs that wraps at word boundaries at any width: the verdict, notes and sources said once each.

    Below ``WIDE_COLUMNS`` the sources go under the notes instead of in a column of their own.
    """
    wide = console.width >= WIDE_COLUMNS
    table = Table(title=f"{len(found)} pairing(s)", box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("layer → optimizer", min_width=12, max_width=26 if wide else 18, overflow="fold")
    table.add_column("verdict", min_width=7, max_width=12, overflow="fold")
    table.add_column("note" if wide else "note and source", min_width=24, overflow="fold")
    if wide:
        table.add_column("source", min_width=18, max_width=32, overflow="fold")
    for p in found:
        pairing = Text(f"{vocab.label(p.layer)} → ")
        pairing.append(vocab.label(p.optimizer), style="bold")
        if p.via:
            pairing.append(f"\n(via {vocab.label(p.via)})", style="dim")
        notes = distinct_notes(note_parts(p.note))
        note = Text("\n".join(f"• {part}" for part in notes) if len(notes) > 1 else "".join(notes))
        if p.recipe:
            note.append("\nrecipe: " + ", ".join(vocab.label(item.concept) for item in p.recipe), style="cyan")
        sources = describe_sources(p.sources)
        if not wide:
            note.append(f"\nsource: {sources}", style="dim")
        table.add_row(pairing, _verdict_text(pair_evidence(evidence, p)), note, *([sources] if wide else []))
    console.print(table)
