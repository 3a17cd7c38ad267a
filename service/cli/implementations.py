"""CLI commands for implementations: ``instantiate``, ``smoke``, ``coverage``."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from implementations import AmbiguousImplementationError, ImplementationError, UnknownImplementationError, list_implementations
from implementations.architectures.models import Instantiation, instantiation
from implementations.registry.coverage import coverage_report
from implementations.sandbox.sandbox import Sandbox, SandboxStartError, checked_spec, default_sandbox
from implementations.sandbox.sandbox import instantiate as sandbox_instantiate
from service.cli._common import ArgOpt, console, errors, fail, parse_args
from service.context import open_vocabulary
from service.runs import run_instantiate, run_smoke
from service.settings import Settings

SANDBOX_STARTING = "starting the sandbox (about 4 s: torch is imported once per command)…"


def warming_sandbox(term: str | None = None, args: dict[str, Any] | None = None) -> Sandbox:
    """The default sandbox, warming up in the background (call it early), once ``term`` and ``args`` are accepted.

    Raises:
        typer.Exit: ``term`` is unknown or ``args`` are not accepted.

    """
    if term is not None:
        try:
            checked_spec(term, args)
        except (UnknownImplementationError, AmbiguousImplementationError, ImplementationError) as exc:
            raise fail(str(exc)) from exc
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
        raise fail(str(exc)) from exc


def _print_instantiated(result: dict[str, Any], plan: Instantiation, *, full: bool, meta: bool) -> None:
    if plan.model is not None:
        config = plan.model
        size = "published" if full else "scaled-down"
        console.print(f"model [bold]{config.model}[/bold] as {config.architecture}, {size} configuration  ({config.source})")
        if config.note:
            console.print(config.note, highlight=False)
    console.print(f"[bold]{result['class_name']}[/bold]  ({result['target']}){'  on the meta device (no weights)' if meta else ''}")
    if result.get("parameter_count") is not None:
        published = plan.model.parameters if plan.model is not None else None
        console.print(f"parameters: {result['parameter_count']:,}" + (f" (published: {published:,})" if published else ""))
    console.print(result.get("repr", ""), highlight=False)


def instantiate(
    name: Annotated[str, typer.Argument(help="a term, or a model (id or name) to build at its scaled-down size")],
    arg: ArgOpt = None,
    full: Annotated[
        bool, typer.Option("--full", help="the published configuration of the model (a term: the model it stands for)")
    ] = False,
    meta: Annotated[bool, typer.Option("--meta", help="build on the meta device: shapes without weights, so any size counts")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Build an implementation, or a model of the graph, in the sandbox and print its class, parameter count and repr.

    A model name builds its architecture at a scaled-down size of the same structure; ``--full`` builds the
    published size (refused above the sandbox's parameter cap unless ``--meta``).
    """
    try:
        plan = instantiation(name, parse_args(arg), full=full)
    except (UnknownImplementationError, AmbiguousImplementationError, ImplementationError) as exc:
        raise fail(str(exc)) from exc
    wait_for_sandbox(warming_sandbox(plan.term, plan.args))
    try:
        result = sandbox_instantiate(plan.term, plan.args, meta=True) if meta else run_instantiate(plan.term, plan.args)
    except (UnknownImplementationError, AmbiguousImplementationError, ImplementationError) as exc:
        raise fail(str(exc)) from exc
    if not result.get("ok"):
        raise fail(str(result.get("error")))
    if as_json:
        model = plan.model.as_dict() if plan.model is not None else None
        console.print_json(data={**result, "device": "meta" if meta else "cpu", "args": plan.args, "model": model})
    else:
        _print_instantiated(result, plan, full=full, meta=meta)


def smoke(
    name: Annotated[str | None, typer.Argument(help="a term; omit with --all")] = None,
    all_: Annotated[bool, typer.Option("--all", help="smoke-test every registration")] = False,
    arg: ArgOpt = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Smoke-test implementations in the sandbox; exit 1 if any fails."""
    if bool(name) == all_:
        raise fail("give a term or --all")
    args = None if all_ else parse_args(arg)
    sandbox = warming_sandbox(name, args)  # it warms up while the graph opens
    settings = Settings()
    vocab = open_vocabulary(settings)
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
                results.append(run_smoke(vocab, term, args, keep_runs=settings.keep_runs))
            except (UnknownImplementationError, AmbiguousImplementationError, ImplementationError) as exc:
                raise fail(str(exc)) from exc
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
