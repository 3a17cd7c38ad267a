"""The sweep: tune → seed → ablation, each phase computed from the results before it, resumable.

Configurations already stored (by config hash) are skipped, so a rerun after a kill continues where
the last durable result left off; ``budget`` caps the new trials of one invocation.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from implementations.pairing.protocol import Phase, TrialConfig, TrialResult
from implementations.pairing.sweep.plan import Pair, SweepPlan
from implementations.pairing.sweep.progress import SweepProgress
from implementations.pairing.sweep.runner import Backend, TrialFn, open_backend

BestFn = Callable[[Sequence[TrialResult]], TrialConfig]
PhaseHook = Callable[[TrialResult, Phase], None]


@dataclass
class SweepOutcome:
    """What one invocation did.

    Attributes:
        backend: Where the trials ran (``ray``, or ``process`` after a fallback, or ``sequential``).
        run: New trials run.
        skipped: Trials of the plan found already stored.
        failed: New trials that failed (diverged or raised inside the task).
        left: Trials of the plan still to run after a ``budget`` cut (0 when complete).
        untuned: Pairs whose tuning runs all failed (no seed runs or ablations for them).
        seconds: Wall time of the trials (without the backend's start-up).

    """

    backend: Backend
    run: int = 0
    skipped: int = 0
    failed: int = 0
    left: int = 0
    untuned: list[Pair] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """New trials per second of wall time."""
        return self.run / self.seconds if self.seconds > 0 else 0.0


def _select_best(results: Sequence[TrialResult]) -> TrialConfig:
    from implementations.pairing.evidence import select_best

    return select_best(results)


def _best_configs(plan: SweepPlan, known: dict[str, TrialResult], best_fn: BestFn, untuned: list[Pair]) -> dict[Pair, TrialConfig]:
    best: dict[Pair, TrialConfig] = {}
    for pair in plan.pair_list():
        try:
            best[pair] = best_fn([known[c.config_hash()] for c in plan.tuning(pair)])
        except ValueError:  # EvidenceError: every tuning run failed
            untuned.append(pair)
    return best


def _phase_configs(plan: SweepPlan, phase: Phase, best: dict[Pair, TrialConfig]) -> list[TrialConfig]:
    if phase is Phase.TUNE:
        configs = [c for pair in plan.pair_list() for c in plan.tuning(pair)]
    elif phase is Phase.SEED:
        configs = [c for config in best.values() for c in plan.seed_runs(config)]
    else:
        configs = [c for config in best.values() for c in plan.ablations(config)]
    return list({c.config_hash(): c for c in configs}.values())


def run_sweep(
    plan: SweepPlan,
    stored: Iterable[TrialResult],
    on_result: PhaseHook,
    *,
    trial_fn: TrialFn,
    budget: int | None = None,
    backend: Backend = "ray",
    cpus: int | None = None,
    address: str | None = None,
    progress: SweepProgress | None = None,
    best_fn: BestFn = _select_best,
) -> SweepOutcome:
    """Run the plan's missing trials, phase by phase; ``on_result(result, phase)`` stores each as it finishes.

    Args:
        plan: The protocol for the selected pairs.
        stored: Results stored before (their configs are not rerun).
        on_result: Called in this process for every new result, as soon as it arrives.
        trial_fn: ``TrialConfig → TrialResult`` (never raises); importable by worker processes.
        budget: At most this many new trials (``None``: no limit).
        backend: ``ray`` (falls back to ``process``), ``process`` or ``sequential``.
        cpus: Workers of a local runtime or pool (default: the machine's CPUs).
        address: A Ray cluster's address (default: ``RAY_ADDRESS``, else a local runtime).
        progress: The progress bar (default: none).
        best_fn: The best tuning configuration of one pair (``implementations.pairing.evidence.select_best``).

    """
    known = {r.config.config_hash(): r for r in stored}
    initially = set(known)
    bar = progress or SweepProgress(enabled=False)
    with open_backend(backend, address=address, cpus=cpus) as runner, bar:
        outcome = SweepOutcome(runner.backend)
        start = time.perf_counter()
        best: dict[Pair, TrialConfig] = {}
        done: set[str] = set()
        for phase in Phase:
            configs = _phase_configs(plan, phase, best)
            done |= {c.config_hash() for c in configs} & initially
            pending = [c for c in configs if c.config_hash() not in known]
            room = len(pending) if budget is None else max(budget - outcome.run, 0)
            batch = pending[:room]

            def hook(result: TrialResult, phase: Phase = phase) -> None:
                known[result.config.config_hash()] = result
                on_result(result, phase)
                outcome.run += 1
                outcome.failed += result.error is not None
                bar.advance()

            if batch:
                bar.start_phase(phase.value, len(batch))
                runner.run(batch, trial_fn, hook)
            if len(batch) < len(pending):
                planned = sum(plan.trials_of(pair, tuned=pair not in outcome.untuned) for pair in plan.pair_list())
                outcome.left = planned - len(done) - outcome.run
                break
            if phase is Phase.TUNE:
                best = _best_configs(plan, known, best_fn, outcome.untuned)
        outcome.skipped = len(done)
        outcome.seconds = time.perf_counter() - start
    return outcome
