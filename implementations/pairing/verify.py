"""Check one optimizer–layer pairing ("Layer → Optimizer") with one trial of the pairing protocol.

:func:`verify_pairing` runs :func:`implementations.pairing.trial.run_trial` once — the family's
realistic task (:mod:`implementations.pairing.tasks`), one seed, the claimed recipe extras — and
once more for the SGD + momentum baseline at its default rate, and reports the validation curve.
A run is ``ok`` when it finished with finite values and its validation metric closed at least
:data:`IMPROVEMENT` (20%) of the gap between its step-0 value and the metric's ideal (1 for
accuracies and hit rates, 0 bits per character): e.g. digits accuracy 0.1 → ≥ 0.28, or 7.2
bits per character → ≤ 5.8. The sweep (:mod:`implementations.pairing.sweep`) tunes and seeds;
this is the quick single check behind the ``verifyPairing`` mutation and the sandbox.

Default learning rates (:data:`DEFAULT_LEARNING_RATES`) are per optimizer, the same on every
family: each optimizer's usual starting rate (Adam-type 3e-3, SGD 0.1, Lion 3e-4 — Chen et al.
2023 advise 3–10× below AdamW —, Adagrad 0.03, Adadelta 1.0, LARS 1.0 with its trust
coefficient 0.001). Weight decay is the optimizer's registered default (AdamW 0.01, else 0).

Importing this module does not import torch (the graph side and the CLI read :func:`claimed_pairs`
and :func:`list_tasks`); torch and the tasks load when a run starts.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from implementations.pairing.families import BASELINE, FAMILIES, FAMILY_SPECS, OPTIMIZERS
from implementations.pairing.protocol import TrialConfig, TrialResult
from implementations.registry.factory import (
    AmbiguousImplementationError,
    UnknownImplementationError,
    concept_names,
    get_implementation,
)

IMPROVEMENT = 0.2  # fraction of the step-0 gap to the metric's ideal that an ok run closes
DEFAULT_LEARNING_RATES: dict[str, float] = {
    "sgd": 0.1,
    "adam": 3e-3,
    "adamw": 3e-3,
    "rmsprop": 1e-3,
    "adagrad": 0.03,
    "adadelta": 1.0,
    "adafactor": 0.01,
    "lion": 3e-4,
    "sophia": 3e-3,
    "lamb": 0.01,
    "lars": 1.0,
    "adan": 3e-3,
    "novograd": 0.01,
    "surrogate-gradient": 3e-3,  # Adam inside
    "stdp": 3e-3,  # the readout's Adam (the STDP rate is fixed by the task)
}

# Layer slugs (and short names the graph does not know) → family; graph names such as "GNN" resolve anyway.
_ALIASES = {
    alias: family
    for family, aliases in {
        "linear": ("dense", "mlp"),
        "convolution": ("conv", "conv2d", "cnn"),
        "transformer": ("transformer-block", "transformer-encoder"),
        "recurrent-neural-network": ("lstm", "gru", "rnn"),
        "embedding": ("token-embedding",),
        "graph-neural-network": ("gnn", "gcn"),
        "mixture-of-experts": ("moe",),
        "spiking-neural-network": ("snn", "lif", "leaky-integrate-and-fire"),
    }.items()
    for alias in aliases
}


def claimed_pairs() -> dict[str, dict[str, str]]:
    """The claimed pairings as data: family → {optimizer or method: the note the sources attach}."""
    return {family: dict.fromkeys(spec.claimed, spec.note) for family, spec in FAMILY_SPECS.items()}


def list_tasks() -> list[str]:
    """The layer families that have a benchmark task (concept slugs)."""
    return list(FAMILIES)


def resolve_family(layer: str) -> str:
    """The task family of ``layer`` (a family slug, a layer slug such as ``lstm``, or a graph name).

    Raises:
        ValueError: No task covers the layer.

    """
    key = layer.strip().lower().replace("_", "-").replace(" ", "-")
    for candidate in [key, _ALIASES.get(key, ""), *concept_names().resolve(layer)]:
        if candidate in FAMILIES:
            return candidate
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    raise ValueError(f"no pairing task for '{layer}' (tasks: {', '.join(FAMILIES)})")


def resolve_optimizer(optimizer: str, family: str | None = None) -> str:
    """The registered slug of ``optimizer`` (any name or alias the registry accepts).

    Args:
        optimizer: The optimizer or training method.
        family: When given, the optimizer must be one of the family's candidates (a spiking
            network's are its training methods and the baseline); otherwise one of :data:`OPTIMIZERS`.

    Raises:
        ValueError: Unknown term, or not a candidate.

    """
    try:
        slug = get_implementation(optimizer).concept
    except (UnknownImplementationError, AmbiguousImplementationError) as exc:
        raise ValueError(str(exc)) from exc
    candidates = FAMILY_SPECS[family].candidates if family is not None else OPTIMIZERS
    if slug not in candidates:
        where = f"of {family}" if family is not None else "of the pairing matrix"
        raise ValueError(f"'{optimizer}' is not an optimizer {where} ({', '.join(candidates)})")
    return slug


def default_lr(optimizer: str) -> float:
    """The family-independent default learning rate of ``optimizer`` (see :data:`DEFAULT_LEARNING_RATES`)."""
    return DEFAULT_LEARNING_RATES[optimizer]


def default_weight_decay(optimizer: str) -> float:
    """The optimizer's registered default weight decay (0 when it has none)."""
    return float(get_implementation(optimizer).defaults.get("weight_decay", 0.0))


def improved(result: TrialResult) -> bool:
    """Whether the final validation metric closed :data:`IMPROVEMENT` of the step-0 gap to the ideal (1 or 0)."""
    if result.error is not None or not result.curve:
        return False
    ideal = 1.0 if result.higher_is_better else 0.0
    start, final = result.curve[0].val_metric, result.final_val_metric
    return math.isfinite(final) and abs(ideal - final) <= (1 - IMPROVEMENT) * abs(ideal - start)


def _config(family: str, optimizer: str, seed: int, steps: int, lr: float, extras: bool) -> TrialConfig:
    return TrialConfig(family, optimizer, lr, default_weight_decay(optimizer), seed, steps, FAMILY_SPECS[family].extras if extras else ())


@functools.lru_cache(maxsize=64)
def _baseline(family: str, seed: int, steps: int, extras: bool) -> TrialResult:
    """The SGD + momentum run at its default rate (deterministic, so cached)."""
    from implementations.pairing.trial import run_trial

    return run_trial(_config(family, BASELINE, seed, steps, default_lr(BASELINE), extras))


def _loss_ratio(result: TrialResult) -> float | None:
    if len(result.curve) < 2 or not result.curve[0].val_loss:
        return None
    return result.curve[-1].val_loss / result.curve[0].val_loss


def verify_pairing(
    layer: str, optimizer: str, seed: int = 0, steps: int | None = None, lr: float | None = None, extras: bool = True
) -> dict[str, Any]:
    """Train ``layer``'s task once with ``optimizer`` (one trial) and with the SGD + momentum baseline.

    Args:
        layer: Layer family (``transformer``), a layer slug (``lstm``) or any name the graph resolves.
        optimizer: A registered optimizer (``adamw``, ``Lion`` …) or, for spiking networks, a
            training method (``surrogate-gradient``, ``stdp``).
        seed: Seed of the split, the weights and the batches; the same seed gives bit-identical curves.
        steps: Optimizer steps (default: the task's, :func:`implementations.pairing.trial.default_steps`).
        lr: Learning rate (default: :func:`default_lr`, the same on every family).
        extras: Apply the recipe extras claimed for the family (:data:`FAMILY_SPECS`).

    Returns:
        A JSON-able report: ``ok``, ``layer``, ``optimizer``, ``steps``, ``lr``, ``seed``, ``extras``,
        ``metric``, ``higher_is_better``, ``final_val_metric``, ``curve`` (``[step, val_loss,
        val_metric]`` rows), ``losses`` (the validation losses of the curve), ``initial_loss`` /
        ``final_loss`` / ``loss_ratio`` (validation loss at step 0, at the end, their ratio),
        ``baseline_optimizer``, ``baseline_loss_ratio``, ``baseline_final_val_metric``,
        ``duration_ms`` (this optimizer's run) and ``error`` (``None``, or why the run failed or
        fell short). Non-finite values are kept as float inf/nan.

    Raises:
        ValueError: Unknown layer family or optimizer (training failures are reported, not raised).

    """
    from implementations.pairing.trial import default_steps, run_trial

    family = resolve_family(layer)
    opt = resolve_optimizer(optimizer, family)
    steps = default_steps(family) if steps is None else steps
    rate = default_lr(opt) if lr is None else float(lr)
    result = run_trial(_config(family, opt, seed, steps, rate, extras))
    baseline = _baseline(family, seed, steps, extras)
    ok = improved(result)
    error = result.error
    if error is None and not ok:
        start, final = result.curve[0].val_metric, result.final_val_metric
        gap = f"less than {IMPROVEMENT:.0%} of the way to its ideal (lr={rate:g})"
        error = f"too slow: validation {result.metric} went from {start:.4g} to {final:.4g}, {gap}"
    return {
        "ok": ok,
        "layer": family,
        "optimizer": opt,
        "steps": steps,
        "lr": rate,
        "seed": seed,
        "extras": list(result.config.extras),
        "metric": result.metric,
        "higher_is_better": result.higher_is_better,
        "final_val_metric": result.final_val_metric,
        "curve": [[p.step, p.val_loss, p.val_metric] for p in result.curve],
        "losses": [p.val_loss for p in result.curve],
        "initial_loss": result.curve[0].val_loss if result.curve else None,
        "final_loss": result.curve[-1].val_loss if result.curve else None,
        "loss_ratio": _loss_ratio(result),
        "baseline_optimizer": BASELINE,
        "baseline_loss_ratio": _loss_ratio(baseline),
        "baseline_final_val_metric": baseline.final_val_metric,
        "duration_ms": round(1000 * result.duration_s, 1),
        "error": error,
    }
