"""The command ``verify-pairings``: run the pairing protocol's sweep on Ray and store every trial.

``--all`` sweeps every candidate of every family; ``--layer`` sweeps every candidate of that layer's
family (its verdicts need them all); otherwise each family's claimed optimizers and the SGD baseline
run. ``--optimizer`` keeps one candidate. Trials already stored are skipped, so rerunning after a
kill, or after a ``--budget`` cut, continues the sweep.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from implementations.pairing.families import FAMILY_SPECS
from implementations.pairing.protocol import Phase, TrialResult
from implementations.pairing.sweep import (
    BACKENDS,
    PlanError,
    SweepOutcome,
    SweepPlan,
    load_trial_function,
    run_sweep,
    select_pairs,
)
from implementations.pairing.sweep.progress import SweepProgress
from ontology.pairs import families_of
from ontology.views import slug_of
from ontology.vocabulary import AmbiguousNameError, UnknownNameError, Vocabulary
from service.cli._common import console, errors, fail
from service.context import open_vocabulary
from service.settings import Settings
from service.sweeps import DEFAULT_RUNS_FILE, list_trials, load_runs_file, record_trial


def _family_of(vocab: Vocabulary, name: str) -> str:
    layer = vocab.resolve_concept(name)
    for candidate in [layer, *families_of(vocab.store, layer)]:
        if slug_of(candidate) in FAMILY_SPECS:
            return slug_of(candidate)
    raise PlanError(f"no task family for '{vocab.label(layer)}'; families: {', '.join(FAMILY_SPECS)}")


def _candidate(vocab: Vocabulary, name: str) -> str:
    slug = slug_of(vocab.resolve_concept(name))
    candidates = sorted({c for spec in FAMILY_SPECS.values() for c in spec.candidates})
    if slug not in candidates:
        raise PlanError(
            f"'{vocab.label(vocab.resolve_concept(name))}' is not a candidate of the protocol; candidates: {', '.join(candidates)}"
        )
    return slug


def _summary(outcome: SweepOutcome, wall_s: float) -> dict[str, object]:
    return {
        "backend": outcome.backend,
        "run": outcome.run,
        "skipped": outcome.skipped,
        "failed": outcome.failed,
        "left": outcome.left,
        "untuned": [f"{family} × {optimizer}" for family, optimizer in outcome.untuned],
        "trials_seconds": round(outcome.seconds, 3),
        "wall_seconds": round(wall_s, 3),
        "trials_per_second": round(outcome.rate, 4),
    }


def verify_pairings(
    all_: Annotated[bool, typer.Option("--all", help="every candidate optimizer of every family")] = False,
    layer: Annotated[str | None, typer.Option(help="only this layer's family (all its candidates)")] = None,
    optimizer: Annotated[str | None, typer.Option(help="only this optimizer or training method")] = None,
    budget: Annotated[int | None, typer.Option(min=1, help="at most this many new trials now (rerun to continue)")] = None,
    seeds: Annotated[int, typer.Option(min=1, help="seed runs at each pair's best configuration")] = 5,
    tune_budget: Annotated[int, typer.Option(min=1, help="configurations tuned per family × optimizer (the same for all)")] = 8,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (default: RAY_ADDRESS, else a local runtime)")] = None,
    backend: Annotated[str, typer.Option(help=f"where trials run: {', '.join(BACKENDS)}")] = "ray",
    cpus: Annotated[int | None, typer.Option(min=1, help="CPUs of the local runtime or pool (default: all)")] = None,
    runs_file: Annotated[Path, typer.Option(help="N-Triples file every finished trial is appended to")] = DEFAULT_RUNS_FILE,
    report: Annotated[Path | None, typer.Option(help="folder for the pairing report (Markdown, pictures, summary)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress bar")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable JSON summary")] = False,
) -> None:
    """Run the pairing protocol (tune, seeds, ablations) as a resumable sweep; every trial is stored as it finishes."""
    if backend not in BACKENDS:
        raise fail(f"unknown backend '{backend}'; choose {', '.join(BACKENDS)}")
    wall = time.perf_counter()
    vocab = open_vocabulary(Settings())
    try:
        families = [_family_of(vocab, layer)] if layer else None
        optimizers = [_candidate(vocab, optimizer)] if optimizer else None
        pairs = select_pairs(families, optimizers, every_candidate=all_ or layer is not None)
    except (UnknownNameError, AmbiguousNameError, PlanError) as exc:
        raise fail(str(exc)) from exc
    from implementations.pairing.trial import default_steps

    plan = SweepPlan(pairs, {family: default_steps(family) for family in pairs}, tune_budget=tune_budget, seeds=seeds)
    load_runs_file(vocab.store, runs_file)
    stored = list_trials(vocab.store)
    progress = SweepProgress(enabled=not (quiet or as_json) and errors.is_terminal)

    def store(result: TrialResult, phase: Phase) -> None:
        record_trial(vocab.store, result, phase, runs_file=runs_file)

    try:
        outcome = run_sweep(
            plan,
            stored,
            store,
            trial_fn=load_trial_function(),
            budget=budget,
            backend=backend,
            cpus=cpus,
            address=address,
            progress=progress,
        )
    except KeyboardInterrupt as exc:
        raise fail(f"interrupted: {len(list_trials(vocab.store)) - len(stored)} new trial(s) are stored; rerun to continue", 130) from exc
    summary = _summary(outcome, time.perf_counter() - wall)
    if report:
        summary["report"] = {kind: str(path) for kind, path in _write_report(vocab, report, outcome.seconds).items()}
    if as_json:
        console.print_json(data=summary)
        return
    console.print(
        f"{outcome.run} new trial(s) on {outcome.backend} ({outcome.failed} failed), {outcome.skipped} already stored, "
        f"{outcome.left} left; {outcome.seconds:.1f}s, {outcome.rate:.2f} trials/s; appended to {runs_file}",
        highlight=False,
    )
    if outcome.left:
        console.print(f"budget reached: rerun to run the {outcome.left} trial(s) left", highlight=False)
    if outcome.untuned:
        untuned = ", ".join(f"{family} × {optimizer}" for family, optimizer in outcome.untuned)
        errors.print(f"[yellow]warning:[/yellow] every tuning run failed for {untuned}", highlight=False)
    if report:
        console.print(f"report: {summary['report']}", highlight=False)


def _write_report(vocab: Vocabulary, directory: Path, wall_time_s: float) -> dict[str, Path]:
    from implementations.pairing.evidence import summarise
    from service.pairing_report import write_report

    results = list_trials(vocab.store)
    return write_report(summarise(results), results, directory, wall_time_s=wall_time_s)
