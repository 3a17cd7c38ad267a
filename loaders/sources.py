"""Load a user's file of any supported format into a vocabulary, all or nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from loaders.errors import LoaderError
from loaders.formats import FORMATS, RDF_FORMATS
from loaders.guide import parse_guide
from loaders.merge import IncomingConcept, MergeReport, merge_concepts
from loaders.pwc import parse_pwc
from loaders.records import SourceRef
from loaders.tagpage import parse_tagpage
from ontology.store import Progress, StoreError
from ontology.views import slug_of
from ontology.vocabulary import Vocabulary


def _guide(path: Path) -> list[IncomingConcept]:
    document = parse_guide(path)
    out = []
    for entry in document.entries:
        match = re.match(r"^(.*?)\s*\(([^)]+)\)\s*$", entry.title)
        alt = [entry.title, match.group(2)] if match else []
        out.append(
            IncomingConcept(
                name=match.group(1) if match else entry.title,
                alt_names=alt,
                definition=entry.fields.get("What it does", ""),
                source=SourceRef(document=path.name, section=entry.section, line=entry.line),
            )
        )
    return out


def _tags(path: Path) -> list[IncomingConcept]:
    page = parse_tagpage(path)
    return [IncomingConcept(name=t.title, definition=t.description, source=SourceRef(document=path.name, line=t.line)) for t in page.topics]


PARSERS: dict[str, Callable[[Path], list[IncomingConcept]]] = {"guide": _guide, "tags": _tags, "pwc": parse_pwc}


def guess_format(path: Path) -> str:
    """The format name for a file, from its suffix (``.txt`` → guide, ``.json`` → pwc, …)."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in RDF_FORMATS:
        return suffix
    if suffix == "json":
        return "pwc"
    if suffix == "txt":
        head = path.read_text(encoding="utf-8", errors="replace")[:200]
        return "tags" if head.startswith("Tag: ") else "guide"
    raise LoaderError(f"cannot guess the format from '.{suffix}'; pass --format ({', '.join(FORMATS)})", path=str(path))


def _load_rdf(vocab: Vocabulary, path: Path, fmt: str, progress: Progress | None) -> MergeReport:
    """Stream an RDF file into the store (bounded memory; all or nothing, see ``TripleStore.load``)."""
    try:
        with path.open("rb") as handle:
            added = vocab.store.load(handle, RDF_FORMATS[fmt], progress=progress, name=path.name)
    except StoreError as exc:
        raise LoaderError(str(exc), path=str(path), line=exc.line) from exc
    except OSError as exc:
        raise LoaderError(f"cannot read the file: {exc.strerror}", path=str(path)) from exc
    return MergeReport(added=0, triples=added)


def load_file(vocab: Vocabulary, path: Path, fmt: str | None = None, progress: Progress | None = None) -> MergeReport:
    """Add a file to the store in one atomic step (RDF streams; other formats are parsed first).

    Args:
        vocab: The vocabulary to load into.
        path: The file.
        fmt: Its format (guessed from the suffix when ``None``).
        progress: Called with (phase, bytes read, triples) while an RDF file streams in.

    Raises:
        LoaderError: Unknown format or malformed input (with file and line); nothing is loaded.

    """
    fmt = (fmt or guess_format(path)).lower()
    if fmt in RDF_FORMATS:
        report = _load_rdf(vocab, path, fmt, progress)
    elif fmt in PARSERS:
        incoming = PARSERS[fmt](path)
        slugs = {slug_of(iri) for iri in vocab.names.preferred}
        graph, report = merge_concepts(vocab.names, incoming, slugs)
        vocab.store.load_graph(graph)
    else:
        raise LoaderError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}", path=str(path))
    vocab.invalidate()
    return report
