"""Cursor pagination: ``PageInfo``, the generic ``Connection`` and page slicing."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Generic, TypeVar

import strawberry

from service.graphql.errors import bad_input
from service.graphql.limits import MAX_FIRST, page_size_message

T = TypeVar("T")


@strawberry.type
class PageInfo:
    """Cursor pagination state."""

    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Connection(Generic[T]):
    """A page of results."""

    total_count: int
    nodes: list[T]
    page_info: PageInfo


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def check_first(first: int | None, default: int) -> int:
    """The page size ``first`` (``default`` when not given), refused outside ``1..MAX_FIRST``."""
    first = default if first is None else first
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(page_size_message(first))
    return first


def paginate(iris: Sequence[str], first: int | None, after: str | None) -> tuple[list[str], PageInfo]:
    """The page of ``iris`` after the cursor ``after``, and its page info."""
    first = check_first(first, 20)
    start = 0
    if after is not None:
        try:
            kind, value = base64.urlsafe_b64decode(after.encode()).decode().split(":", 1)
            start = int(value) + 1 if kind == "offset" else -1
        except (ValueError, UnicodeDecodeError) as exc:
            raise bad_input(f"invalid cursor '{after}'") from exc
        if start < 0:
            raise bad_input(f"invalid cursor '{after}'")
    chunk = list(iris[start : start + first])
    end = start + len(chunk) - 1
    return chunk, PageInfo(has_next_page=start + first < len(iris), end_cursor=_encode(end) if chunk else None)
