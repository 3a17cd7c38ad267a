"""CLI commands for anatomy: ``inspect``, ``advise``, ``check-models`` (each builds networks in the sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from implementations import AmbiguousImplementationError, ImplementationError, UnknownImplementationError
from implementations.anatomy.check_models import render_markdown, reports_json, summary
from service.cli._common import ArgOpt, console, fail, parse_args
from service.cli.implementations import wait_for_sandbox, warming_sandbox
from service.context import open_vocabulary
from service.runs import run_advise, run_check_models, run_inspect
from service.settings import Settings

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable JSON output")]
REPORT_NAME = "model-claims.md"


def _sandboxed(term: str, args: dict[str, Any], run: Any) -> dict[str, Any]:
    """``run()``'s result once the sandbox is up; a refused term or a failed job exits 1."""
    wait_for_sandbox(warming_sandbox(term, args))
    try:
        result: dict[str, Any] = run()
    except (UnknownImplementationError, AmbiguousImplementationError, ImplementationError) as exc:
        raise fail(str(exc)) from exc
    if not result.get("ok"):
        raise fail(str(result.get("error")))
    return result


def inspect(name: str, arg: ArgOpt = None, as_json: JsonOpt = False) -> None:
    """What a network is made of: graph concepts found in its modules and config, with counts and parameter shares."""
    args = parse_args(arg)
    result = _sandboxed(name, args, lambda: run_inspect(name, args))
    anatomy = result["anatomy"]
    if as_json:
        console.print_json(data={"term": result["term"], **anatomy})
        return
    table = Table(
        "concept", "count", "parameters", "share", "examples", "evidence", title=f"{result['term']}: {anatomy['parameters']:,} parameters"
    )
    for f in anatomy["findings"]:
        table.add_row(
            f["concept"], str(f["count"]), f"{f['parameters']:,}", f"{f['share']:.1%}", ", ".join(f["examples"]), ", ".join(f["evidence"])
        )
    console.print(table)
    if anatomy["unmapped"]:
        console.print(f"unmapped leaf classes: {', '.join(anatomy['unmapped'])}")


def advise(name: str, arg: ArgOpt = None, as_json: JsonOpt = False) -> None:
    """How to train a network: optimizers its components' pairings recommend, extras, parameter groups, evidence."""
    args = parse_args(arg)
    vocab = open_vocabulary(Settings())
    result = _sandboxed(name, args, lambda: run_advise(vocab, name, args))
    if as_json:
        result.pop("ok")
        result["anatomy"] = {
            "concepts": [f["concept"] for f in result["anatomy"]["findings"]],
            "parameters": result["anatomy"]["parameters"],
        }
        console.print_json(data=result)
        return
    table = Table("optimizer", "score", "recommended for", "settings", "verified", title=f"optimizers for {result['term']}")
    for o in result["optimizers"]:
        verified = "—" if o["verification"] is None else ("yes" if o["verification"].get("ok") else "no")
        settings = ", ".join(f"{k}={v:g}" for k, v in o["settings"].items())
        table.add_row(o["optimizer"], f"{o['score']:.2f}", ", ".join(o["recommended_for"]), settings, verified)
    console.print(table)
    if result["optimizers"]:
        best = result["optimizers"][0]
        console.print(f"[bold]{best['optimizer']}[/bold]: " + " / ".join(best["notes"]))
        console.print("sources: " + "; ".join(best["sources"]))
    for extra in result["extras"]:
        console.print(f"extra: [bold]{extra['concept']}[/bold] — {extra['note'] or ''}")
    for group in result["param_groups"]:
        console.print(
            f"group {group['name']}: weight_decay={group['weight_decay']:g}, {group['tensors']} tensors, "
            f"{group['parameters']:,} parameters ({group['reason']})"
        )


def check_models(
    report: Annotated[Path | None, typer.Option("--report", help=f"write {REPORT_NAME} into this folder")] = None,
    model: Annotated[list[str] | None, typer.Option("--model", help="only these model ids")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare every "model uses concept" edge with what inspecting the model finds; exit 1 on a contradiction."""
    sandbox = warming_sandbox()
    vocab = open_vocabulary(Settings())
    wait_for_sandbox(sandbox)
    reports = run_check_models(vocab, model)
    counts = summary(reports)
    if report is not None:
        report.mkdir(parents=True, exist_ok=True)
        (report / REPORT_NAME).write_text(render_markdown(reports), encoding="utf-8")
    if as_json:
        console.print_json(data=reports_json(reports))
    else:
        table = Table("model", "architecture", "confirmed", "contradicted", "explained", "not checkable", title="model claims")
        for r in reports:
            c = r.counts()
            table.add_row(r.model, r.architecture or "—", *(str(c[v]) for v in ("confirmed", "contradicted", "explained", "not checkable")))
        console.print(table)
        console.print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    if counts["contradicted"]:
        raise typer.Exit(1)
