"""Errors raised by the loaders."""

from __future__ import annotations

from pathlib import Path


class LoaderError(ValueError):
    """A source file could not be loaded; the message names the file and line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


def read_source_text(path: Path, what: str) -> str:
    """A UTF-8 source file's text.

    Raises:
        LoaderError: The file cannot be read, or holds bytes that are not UTF-8 (with their line).

    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LoaderError(f"cannot read {what}: {exc.strerror}", path=str(path)) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoaderError(f"{what} is not UTF-8 text: {exc.reason} (byte 0x{raw[exc.start]:02x})", path=str(path), line=line) from exc
