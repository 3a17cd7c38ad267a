"""One trial of the pairing protocol: train a family's task with one optimizer and measure it on validation.

:func:`run_trial` is what the sweep runs (thousands of times, one CPU each): it builds the task of
``config.family`` (:mod:`implementations.pairing.tasks`), the optimizer ``config.optimizer`` from the
registry (SGD with momentum 0.9; a spiking family's training method steps with the optimizer its
task names), applies the recipe extras, and validates at step 0, every :func:`eval_every` steps
and at the end. Runs are single-threaded with deterministic algorithms and a private RNG seeded by
``config.seed``, so the same config gives a bit-identical result. Nothing is raised: a non-finite
loss ends the run with ``error="diverged: …"`` (the curve so far is kept) and any other failure
becomes ``error``.

Recipe extras: ``warmup-cosine`` (registered ``warmup-cosine-schedule``, 10% linear warmup, cosine
to 0.1× the lr), ``grad-clip`` (global norm 1.0), ``decay-split`` (no weight decay on biases, norm
weights and embedding tables), ``load-balancing`` (Switch auxiliary loss × 0.01, mixture of
experts) and ``batch-norm`` (convolution). This module does not import torch at import time.
"""

from __future__ import annotations

import contextlib
import functools
import math
import time
from typing import TYPE_CHECKING, Any

from implementations.pairing.protocol import EvalPoint, TrialConfig, TrialResult
from implementations.pairing.tasks import get_task
from implementations.registry.factory import create, get_implementation

if TYPE_CHECKING:
    from torch import Tensor
    from torch.optim import Optimizer

    from implementations.pairing.tasks._common import Problem

CLIP_NORM = 1.0
AUX_WEIGHT = 0.01  # Switch Transformer's α
WARMUP_FRACTION = 0.1
MIN_LR_FRACTION = 0.1
_OPTIMIZER_ARGS: dict[str, dict[str, Any]] = {"sgd": {"momentum": 0.9}}


class TrialConfigError(ValueError):
    """A configuration the task cannot run (unknown extra, weight decay the optimizer lacks)."""


def default_steps(family: str) -> int:
    """The default number of optimizer steps of ``family``'s task."""
    return get_task(family).steps


def eval_every(family: str) -> int:
    """Optimizer steps between two validations of ``family``'s task."""
    return get_task(family).eval_every


def _optimizer(config: TrialConfig, problem: Problem, slug: str) -> Optimizer:
    from implementations.pairing.tasks._common import param_groups

    spec = get_implementation(slug)
    args: dict[str, Any] = {"lr": float(config.lr), **_OPTIMIZER_ARGS.get(slug, {})}
    if "weight_decay" in spec.arg_types:
        args["weight_decay"] = float(config.weight_decay)
    elif config.weight_decay:
        raise TrialConfigError(f"{slug} has no weight decay (got {config.weight_decay:g})")
    args |= {"seed": config.seed} if "seed" in spec.arg_types else {}
    optimizer: Optimizer = create(slug, params=param_groups(problem.model, "decay-split" in config.extras), **args)
    return optimizer


def _objective(problem: Problem, optimizer: Optimizer, step: int, config: TrialConfig, hessian: bool) -> Tensor:
    """The closure of one step: zero the gradients, forward, (aux loss), backward, (clip)."""
    import torch

    from implementations.pairing.tasks._common import clip_gradients

    optimizer.zero_grad(set_to_none=True)
    loss = problem.batch_loss(step)
    total = loss + AUX_WEIGHT * problem.aux_loss() if problem.aux_loss is not None else loss
    torch.autograd.backward(total, create_graph=hessian)
    if "grad-clip" in config.extras:
        clip_gradients([p for g in optimizer.param_groups for p in g["params"]], CLIP_NORM, hessian)
    return loss.detach()


def _train(config: TrialConfig, curve: list[EvalPoint]) -> str | None:
    """Build, train and validate into ``curve``; the divergence message, if any."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    task = get_task(config.family)
    unknown = next((e for e in config.extras if e not in {"warmup-cosine", "grad-clip", "decay-split"} | task.extras), None)
    if unknown is not None:
        raise TrialConfigError(f"extra '{unknown}' does not apply to {config.family}")
    problem = task.build(config)
    optimizer = _optimizer(config, problem, task.methods.get(config.optimizer, config.optimizer))
    schedule = None
    if "warmup-cosine" in config.extras:
        warmup = max(1, int(WARMUP_FRACTION * config.steps))
        total = max(config.steps, warmup + 1)
        schedule = create(
            "warmup-cosine-schedule", optimizer=optimizer, warmup_steps=warmup, total_steps=total, min_lr=MIN_LR_FRACTION * config.lr
        )
    # Sophia estimates the Hessian every ``update_period`` steps: only those need a double backward.
    period = getattr(optimizer, "update_period", 1) if getattr(optimizer, "needs_hessian", False) else 0
    every = task.eval_every

    def validate(step: int) -> str | None:
        loss, metric = problem.evaluate()
        curve.append(EvalPoint(step, loss, metric))
        return (
            None
            if math.isfinite(loss) and math.isfinite(metric)
            else f"diverged: non-finite validation loss at step {step} (lr={config.lr:g})"
        )

    if (error := validate(0)) is not None:
        return error
    # Double backward (Sophia's Hessian-vector products) needs the math attention kernel on CPU.
    with sdpa_kernel([SDPBackend.MATH]) if period else contextlib.nullcontext():
        for step in range(config.steps):
            hessian = bool(period) and step % period == 0
            loss = float(optimizer.step(functools.partial(_objective, problem, optimizer, step, config, hessian)))  # type: ignore[arg-type]
            if not math.isfinite(loss):
                optimizer.zero_grad(set_to_none=True)
                return f"diverged: non-finite training loss {loss} at step {step} (lr={config.lr:g})"
            if schedule is not None:
                schedule.step()
            due = (step + 1) % every == 0 or step + 1 == config.steps
            if due and (error := validate(step + 1)) is not None:
                return error
    optimizer.zero_grad(set_to_none=True)  # drops create_graph reference cycles
    return None


def run_trial(config: TrialConfig) -> TrialResult:
    """Train and validate one configuration; failures come back in ``error``, never raised.

    Args:
        config: Family, optimizer (or the spiking family's training method), lr, weight decay, seed,
            steps and extras.

    Returns:
        The validation curve (step 0, every :func:`eval_every` steps, the last step), the family's
        metric and its direction, the wall time and ``error`` (``None``, ``"diverged: …"`` or the
        exception's type and message).

    """
    from implementations.pairing.tasks._common import isolated  # torch loads here, not on import

    start = time.perf_counter()
    curve: list[EvalPoint] = []
    metric, higher_is_better = "", True
    try:
        task = get_task(config.family)
        metric, higher_is_better = task.metric, task.higher_is_better
        with isolated(config.seed):
            error = _train(config, curve)
    except Exception as exc:  # a failing run is a result, not a crash
        error = f"{type(exc).__name__}: {exc}"
    return TrialResult(
        config=config,
        metric=metric,
        higher_is_better=higher_is_better,
        curve=tuple(curve),
        duration_s=time.perf_counter() - start,
        error=error,
    )
