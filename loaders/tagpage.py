"""Parser for the tag-page format (seed ``002_*.txt``).

The page starts ``Tag: <tag>`` and ``<N> topic(s)``, then one topic per line:
``- <Title><Description>`` with no separator between title and description. The boundary is
the first place where a lower-case letter, digit or bracket meets a capital that starts the
description: a sentence opener ("A", "The", …), a citation ("Kipf & Welling's …") or the
title's own first word repeated ("ReLUReLU outputs …").
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from loaders.errors import LoaderError, read_source_text

_HEADER = re.compile(r"^Tag: (?P<tag>.+)$")
_COUNT = re.compile(r"^(?P<n>\d+) topic\(s\)$")
_BOUNDARY = re.compile(r"(?<=[a-z0-9)\]+A-Z])(?=[A-Z“\"][\w’'\- ]|[A-Z]{2,}[ \-]|[A-Z]-)")
_OPENERS = (
    "A ",
    "An ",
    "The ",
    "In ",
    "This ",
    "Fixed ",
    "Since ",
    "Two ",
    "Single ",
    "Train ",
    "Predecessor ",
    "Transformer variants",
    "OpenAI",
    "Meta",
    "Speculative decoding",
    "NAS ",
    "Deep Sets",
)
_CITATION = re.compile(r"^[A-Z][a-z][\w\-]*( et al\.| & [A-Z][\w\-]+|'s)")


class Topic(BaseModel):
    """One topic of a tag page."""

    title: str = Field(min_length=1)
    description: str
    line: int = Field(ge=1)


class TagPage(BaseModel):
    """A parsed tag page."""

    document: str
    tag: str
    topics: list[Topic]


def _first_word(title: str) -> str:
    return re.split(r"[\s(/&\-]", title, maxsplit=1)[0].casefold()


def split_topic(text: str) -> tuple[str, str] | None:
    """Split ``<Title><Description>``; ``None`` when no boundary is found."""
    for i in range(2, min(len(text) // 2, 80)):
        if text[i:].startswith(text[:i] + " ") and " " not in text[:i]:
            return text[:i], text[i:].strip()
    for match in _BOUNDARY.finditer(text):
        i = match.start()
        if i < 2:
            continue
        title, rest = text[:i], text[i:]
        plain = rest.lstrip('“"')
        token = plain.split(" ", 1)[0]
        repeated = len(token) >= 3 and re.search(rf"(?<![\w-]){re.escape(token)}(?![\w-])", title) is not None
        if plain.casefold().startswith(_first_word(title)) or rest.startswith(_OPENERS) or _CITATION.match(rest) or repeated:
            return title.strip(), rest.strip()
    return None


def parse_tagpage_text(text: str, document: str = "<string>") -> TagPage:
    """Parse a tag page.

    Raises:
        LoaderError: With the line of a malformed header or topic.

    """
    lines = text.split("\n")
    header = _HEADER.match(lines[0].strip()) if lines else None
    if not header:
        raise LoaderError("expected 'Tag: <name>' on the first line", path=document, line=1)
    topics: list[Topic] = []
    declared: int | None = None
    for number, raw in enumerate(lines[1:], start=2):
        line = raw.strip()
        if not line:
            continue
        if count := _COUNT.match(line):
            declared = int(count.group("n"))
            continue
        if not line.startswith("- "):
            raise LoaderError(f"expected a topic line starting with '- ', got {line[:40]!r}", path=document, line=number)
        parts = split_topic(line[2:])
        if parts is None:
            raise LoaderError(f"cannot tell the title from the description in {line[:60]!r}", path=document, line=number)
        topics.append(Topic(title=parts[0], description=parts[1], line=number))
    if declared is not None and declared != len(topics):
        raise LoaderError(f"header says {declared} topics but {len(topics)} were found", path=document, line=2)
    return TagPage(document=document, tag=header.group("tag").strip(), topics=topics)


def parse_tagpage(path: str | Path) -> TagPage:
    """Parse a tag-page file; see :func:`parse_tagpage_text`."""
    path = Path(path)
    return parse_tagpage_text(read_source_text(path, "tag page"), document=path.name)
