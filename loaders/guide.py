"""Parser for the vocabulary-guide text format (seed ``000_*.txt``).

The guide is a plain-text dump of a web page. An *entry* is a short title line,
surrounded by blank lines, whose body starts with one of the labelled fields
(``What it does:``, ``Theory:`` …) or with a code block (a line ``python``).
A title line followed directly by another title line is a *section heading*.
Two further entry forms exist: the worked examples (``Example N: Title``) and the
quick-glossary lines (``Term: definition``).

The parser only reads structure; it keeps the source's sentences in the records
so a user's own guide-format file can be loaded, while the built-in graph uses
curated definitions written for this project.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from loaders.errors import LoaderError, read_source_text

EntryForm = Literal["entry", "glossary", "example"]

FIELD_LABELS = (
    "What it does",
    "What they are",
    "The math",
    "When to use",
    "Use cases",
    "Hyperparameters",
    "Pairs with",
    "Models using it",
    "Related terms",
    "Papers",
    "Theory",
    "Barriers",
    "Potential",
    "Status",
    "Real-world deployment",
    "Achieved",
    "Blocked innovations",
    "Impact",
    "Workarounds",
    "Note",
)
_BODY_STARTS = ("python", "What it does:", "What they are:", "Theory:", "Blocked innovations:")
FIELD_RE = re.compile(r"(?:(?<=\s)|^)(" + "|".join(re.escape(label) for label in FIELD_LABELS) + r"):")
_EXAMPLE_RE = re.compile(r"^Example (\d+): (.+)$")
_GLOSSARY_RE = re.compile(r"^([A-Z][^:]{0,60}): (.+)$")
_GLOSSARY_START = "Quick Glossary of Key Terms"
_GLOSSARY_END = "Table of Contents"
_MAX_TITLE = 100


class GuideEntry(BaseModel):
    """One entry of a vocabulary guide, as it stands in the text."""

    title: str = Field(min_length=1)
    line: int = Field(ge=1, description="1-based line of the title")
    section: str | None = None
    form: EntryForm = "entry"
    fields: dict[str, str] = Field(default_factory=dict)
    code: list[str] = Field(default_factory=list)


class GuideDocument(BaseModel):
    """All entries of one guide file, in document order."""

    document: str
    entries: list[GuideEntry]

    def by_section(self) -> dict[str, int]:
        """Count entries per section heading (``None`` → ``"(none)"``)."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            key = entry.section or "(none)"
            counts[key] = counts.get(key, 0) + 1
        return counts


def _is_title(lines: list[str], i: int) -> bool:
    text = lines[i].strip()
    if not text or len(text) > _MAX_TITLE or text.startswith(("•", "#", "┌", "│", "└")):
        return False
    if text.endswith((":", ".", ",")) or text.startswith("Example:") or FIELD_RE.match(text):
        return False
    before = lines[i - 1].strip() if i > 0 else ""
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    return not before and not after


def _is_intro(lines: list[str], i: int) -> bool:
    """A heading's introductory paragraph: long prose directly followed by an entry title."""
    text = lines[i].strip()
    nxt = _next_nonblank(lines, i)
    return len(text) > _MAX_TITLE and not FIELD_RE.match(text) and nxt < len(lines) and _is_title(lines, nxt)


def _next_nonblank(lines: list[str], i: int) -> int:
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    return j


def _split_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    matches = list(FIELD_RE.finditer(text))
    for k, match in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        value = " ".join(text[match.end() : end].split())
        label = match.group(1)
        fields[label] = f"{fields[label]} {value}".strip() if label in fields else value
    return fields


def _body(lines: list[str], start: int, stop: int) -> tuple[dict[str, str], list[str]]:
    prose: list[str] = []
    code: list[str] = []
    in_code = False
    for raw in lines[start:stop]:
        text = raw.rstrip()
        if text.strip() == "python":
            in_code = True
            continue
        if in_code and (not text or raw.startswith((" ", "#")) or not FIELD_RE.match(text.strip())):
            if FIELD_RE.match(text.strip()):
                in_code = False
            else:
                code.append(text)
                continue
        in_code = False
        prose.append(text.strip())
    return _split_fields(" ".join(prose)), code


def _glossary(lines: list[str]) -> Iterator[GuideEntry]:
    try:
        start = next(i for i, text in enumerate(lines) if text.strip() == _GLOSSARY_START)
        stop = next(i for i in range(start, len(lines)) if lines[i].strip() == _GLOSSARY_END)
    except StopIteration:
        return
    for i in range(start + 1, stop):
        match = _GLOSSARY_RE.match(lines[i].strip())
        if match:
            yield GuideEntry(
                title=match.group(1).strip(),
                line=i + 1,
                section=_GLOSSARY_START,
                form="glossary",
                fields={"What it does": match.group(2).strip()},
            )


def parse_guide_text(text: str, document: str = "<string>") -> GuideDocument:
    """Parse guide-format text into entries.

    Args:
        text: The whole document.
        document: A name for error messages and provenance.

    Returns:
        The entries in document order (glossary entries where they stand).

    Raises:
        LoaderError: If the text holds no entry at all.

    """
    lines = text.split("\n")
    starts: list[tuple[int, EntryForm, str]] = []
    section: str | None = None
    sections: dict[int, str | None] = {}
    for i in range(len(lines)):
        example = _EXAMPLE_RE.match(lines[i].strip())
        if example and _is_title(lines, i):
            starts.append((i, "example", example.group(2).strip()))
            sections[i] = "Visual Architecture Examples"
            continue
        if not _is_title(lines, i):
            continue
        nxt = _next_nonblank(lines, i)
        following = lines[nxt].strip() if nxt < len(lines) else ""
        if following.startswith(_BODY_STARTS):
            starts.append((i, "entry", lines[i].strip()))
            sections[i] = section
        elif nxt < len(lines) and (_is_title(lines, nxt) or _is_intro(lines, nxt)):
            section = lines[i].strip()
    entries: list[GuideEntry] = []
    boundaries = [i for i, _, _ in starts] + [len(lines)]
    for (i, form, title), stop in zip(starts, boundaries[1:], strict=True):
        fields, code = _body(lines, i + 1, stop)
        entries.append(GuideEntry(title=title, line=i + 1, section=sections[i], form=form, fields=fields, code=code))
    entries.extend(_glossary(lines))
    if not entries:
        raise LoaderError(f"{document}: no guide entries found (expected title lines followed by 'What it does:')")
    entries.sort(key=lambda entry: entry.line)
    return GuideDocument(document=document, entries=entries)


def parse_guide(path: str | Path) -> GuideDocument:
    """Parse a guide-format file; see :func:`parse_guide_text`."""
    path = Path(path)
    return parse_guide_text(read_source_text(path, "guide file"), document=path.name)
