"""CLI commands for implementations: ``instantiate``, ``smoke``, ``coverage``."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from implementations import ImplementationError, UnknownImplementationError, list_implementations
from implementations.registry.coverage import coverage_report
from implementations.sandbox.sandbox import Sandbox, SandboxStartError, checked_spec, default_sandbox
from service.context import open_vocabulary
from service.runs import run_instantiate, run_smoke
from service.settings import Settings

console = Console()
errors = Console(stderr=True, soft_wrap=True)
SANDBOX_STARTING = "starting the sandbox (about 4 s: torch is imported once per command)…"
ArgOpt = Annotated[list[str] | None, typer.Option("--arg", help="constructor argument key=value (value parsed as JSON)")]


def _parse_args(pairs: list[str] | None) -> dict[str, Any]:
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


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def warming_sandbox(term: str | None = None, args: dict[str, Any] | None = None) -> Sandbox:
    """The default sandbox, warming up in the background (call it early), once ``term`` and ``args`` are accepted.

    Raises:
        typer.Exit: ``term`` is unknown or ``args`` are not accepted.

    """
    if term is not None:
        try:
            checked_spec(term, args)
        except (UnknownImplementationError, ImplementationError) as exc:
            raise _fail(str(exc)) from exc
    return default_sandbox()


def wait_for_sandbox(sandbox: Sandbox) -> None:
    """Wait until ``sandbox`` runs, saying so on standard error (a spinner at a terminal) while it starts.

    Raises:
        typer.Exit: The sandbox did not start.

    """
    if sandbox.zygote_pid() is not None:
        return
    try:
        if errors.is_terminal:
            with errors.status(SANDBOX_STARTING):
                sandbox.start()
        else:
            errors.print(SANDBOX_STARTING, highlight=False)
            sandbox.start()
    except SandboxStartError as exc:
        raise _fail(str(exc)) from exc


def instantiate(name: str, arg: ArgOpt = None) -> None:
    """Build an implementation in the sandbox and print its class, parameter count and repr."""
    args = _parse_args(arg)
    wait_for_sandbox(warming_sandbox(name, args))
    try:
        result = run_instantiate(name, args)
    except (UnknownImplementationError, ImplementationError) as exc:
        raise _fail(str(exc)) from exc
    if not result.get("ok"):
        raise _fail(str(result.get("error")))
    console.print(f"[bold]{result['class_name']}[/bold]  ({result['target']})")
    if result.get("parameter_count") is not None:
        console.print(f"parameters: {result['parameter_count']:,}")
    console.print(result.get("repr", ""))


def smoke(
    name: Annotated[str | None, typer.Argument(help="a term; omit with --all")] = None,
    all_: Annotated[bool, typer.Option("--all", help="smoke-test every registration")] = False,
    arg: ArgOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Smoke-test implementations in the sandbox; exit 1 if any fails."""
    if bool(name) == all_:
        raise _fail("give a term or --all")
    args = None if all_ else _parse_args(arg)
    sandbox = warming_sandbox(name, args)  # it warms up while the graph opens
    vocab = open_vocabulary(Settings())
    terms = list_implementations() if all_ else [name or ""]
    wait_for_sandbox(sandbox)
    results: list[dict[str, Any]] = []
    start = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=errors, disable=len(terms) == 1
    ) as progress:
        task = progress.add_task("smoke tests", total=len(terms))
        for term in terms:
            progress.update(task, description=f"smoke {term}")
            try:
                results.append(run_smoke(vocab, term, args))
            except (UnknownImplementationError, ImplementationError) as exc:
                raise _fail(str(exc)) from exc
            progress.advance(task)
    vocab.store.flush()
    failed = [r for r in results if not r.get("ok")]
    if as_json:
        console.print_json(data=results)
    else:
        table = Table("term", "ok", "checks", "ms", "error", title=f"{len(results)} smoke test(s) in {time.perf_counter() - start:.1f}s")
        for r in results:
            checks = ", ".join(f"{c['name']}{'' if c['ok'] else '✗'}" for c in r.get("checks", []))
            table.add_row(
                r["term"],
                "[green]yes[/green]" if r.get("ok") else "[red]NO[/red]",
                checks,
                f"{r.get('duration_ms', 0):.0f}",
                str(r.get("error") or ""),
            )
        console.print(table)
    if failed:
        raise typer.Exit(1)


def coverage(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every concept without an implementation, with the reason; exit 1 on an unexplained gap."""
    rows = coverage_report()
    gaps = [r for r in rows if r.target is None]
    unexplained = [r for r in gaps if r.reason is None]
    if as_json:
        console.print_json(data=[r.__dict__ for r in gaps])
    else:
        table = Table("concept", "kind", "status", "reason", title=f"{len(rows) - len(gaps)} of {len(rows)} concepts implemented")
        for r in gaps:
            table.add_row(r.concept, r.kind, r.status, r.reason or "[red]UNEXPLAINED[/red]")
        console.print(table)
    if unexplained:
        raise typer.Exit(1)
