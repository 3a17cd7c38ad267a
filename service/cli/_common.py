"""What every group of commands shares: the consoles, the error exit and ``--arg key=value`` parsing."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

console = Console()
errors = Console(stderr=True, soft_wrap=True)
ArgOpt = Annotated[list[str] | None, typer.Option("--arg", help="constructor argument key=value (value parsed as JSON)")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


def parse_args(pairs: list[str] | None) -> dict[str, Any]:
    """``["dim=64", "act=gelu"]`` → ``{"dim": 64, "act": "gelu"}`` (each value parsed as JSON, else kept as text)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected key=value, got '{pair}'", param_hint="--arg")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out
