"""The command ``verify-pairings``: train optimizer–layer pairs and store the runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from implementations import Family, list_implementations
from implementations.pairing.verify import claimed_pairs, list_tasks
from implementations.sandbox.sandbox import verify_in_sandbox
from ontology.vocabulary import AmbiguousNameError, UnknownNameError
from service.cli._common import console, errors
from service.cli.implementations import wait_for_sandbox, warming_sandbox
from service.context import open_vocabulary
from service.pairing_report import write_report
from service.settings import Settings
from service.verifications import VerificationError, record_verification, task_family


def _claimed() -> set[tuple[str, str]]:
    return {(layer, optimizer) for layer, entries in claimed_pairs().items() for optimizer in entries}


def verify_pairings(
    layer: Annotated[str | None, typer.Option(help="only this layer (its family's task)")] = None,
    optimizer: Annotated[str | None, typer.Option(help="only this optimizer")] = None,
    all_: Annotated[bool, typer.Option("--all", help="the whole matrix of layer families × registered optimizers")] = False,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    report: Annotated[Path | None, typer.Option(help="folder for pairing-heatmap.png and pairing-report.md")] = None,
) -> None:
    """Verify optimizer–layer pairings by real training runs (in the sandbox); results are stored in the graph."""
    settings = Settings()
    vocab = open_vocabulary(settings)
    claimed = _claimed()
    try:
        families = [task_family(vocab, vocab.resolve_concept(layer))] if layer else sorted(list_tasks())
        optimizers = [vocab.resolve_concept(optimizer).rsplit("/", 1)[-1]] if optimizer else None
    except (UnknownNameError, AmbiguousNameError, VerificationError) as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    sandbox = warming_sandbox()
    every_optimizer = list_implementations(family=Family.OPTIMIZER)
    jobs = [
        (family, opt) for family in families for opt in (optimizers or every_optimizer) if all_ or optimizers or (family, opt) in claimed
    ]
    results: list[dict[str, Any]] = []
    wait_for_sandbox(sandbox)
    start = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=errors) as progress:
        task = progress.add_task("verifying", total=len(jobs))
        for family, opt in jobs:
            progress.update(task, description=f"{family} × {opt}")
            result = verify_in_sandbox(family, opt, seed=seed)
            result.setdefault("layer", family)
            result.setdefault("optimizer", opt)
            if "initial_loss" in result:
                record_verification(vocab.store, result, settings.keep_runs)
            results.append(result)
            progress.advance(task)
    vocab.store.flush()
    table = Table(
        "layer family",
        "optimizer",
        "claimed",
        "ok",
        "loss ratio",
        "SGD ratio",
        "ms",
        title=f"{len(results)} run(s) in {time.perf_counter() - start:.1f}s",
    )
    for r in results:
        ratio, baseline = r.get("loss_ratio"), r.get("baseline_loss_ratio")
        table.add_row(
            r["layer"],
            r["optimizer"],
            "yes" if (r["layer"], r["optimizer"]) in claimed else "",
            "[green]yes[/green]" if r.get("ok") else "[red]no[/red]",
            f"{ratio:.3g}" if ratio is not None else str(r.get("error")),
            f"{baseline:.3g}" if baseline is not None else "",
            f"{r.get('duration_ms', 0):.0f}",
        )
    console.print(table)
    if report:
        paths = write_report(results, claimed, report)
        console.print(f"report: {paths['markdown']} and {paths['heatmap']}")
