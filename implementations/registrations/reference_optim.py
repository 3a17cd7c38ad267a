"""Registrations of reference implementations written in this project (reference_optim).

Optimizers live in ``implementations.components.training.optimizers`` and
``implementations.components.training.layerwise_optimizers``, schedules in
``implementations.components.training.schedulers``;
``smoke_args`` only choose learning rates (and schedule lengths) that suit the smoke tests.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, OracleCase, register_all

OPT = "implementations.components.training.optimizers:"
SCHED = "implementations.components.training.schedulers:"
CHECKS = "implementations.components.training.optimizer_checks:"
PAIR = tuple[float, float]


LAYERWISE = {"LAMB", "LARS", "NovoGrad"}


def _opt(
    concept: str,
    cls: str,
    defaults: dict[str, Any],
    types: dict[str, Any],
    smoke_lr: float,
    notes: str = "",
    cases: tuple[dict[str, Any], ...] = (),
) -> ImplementationSpec:
    """A reference optimizer checked in lockstep against pytorch-optimizer (its default and ``cases`` arguments)."""
    module = "implementations.components.training.layerwise_optimizers:" if cls in LAYERWISE else OPT
    return ImplementationSpec(
        concept,
        module + cls,
        Family.OPTIMIZER,
        defaults,
        types,
        oracle=f"{CHECKS}{concept}_oracle",
        smoke_args={"lr": smoke_lr},
        oracle_cases=tuple(OracleCase(case) for case in cases),
        notes=notes,
    )


SCHEDULE = {"warmup_steps": int, "total_steps": int}

register_all(
    [
        _opt(
            "lion",
            "Lion",
            {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0.0},
            {"lr": float, "betas": PAIR, "weight_decay": float},
            0.01,
            cases=({"weight_decay": 0.1}, {"betas": (0.95, 0.98), "weight_decay": 0.5}),
        ),
        _opt(
            "sophia",
            "Sophia",
            {"lr": 6e-4, "betas": (0.965, 0.99), "gamma": 0.01, "eps": 1e-12, "weight_decay": 0.0, "update_period": 10, "num_samples": 1},
            {
                "lr": float,
                "betas": PAIR,
                "gamma": float,
                "eps": float,
                "weight_decay": float,
                "update_period": int,
                "num_samples": int,
                "seed": int | None,
            },
            0.05,
            notes="SophiaH (Hutchinson estimate every update_period steps): backward with create_graph=True.",
            cases=({"update_period": 1, "weight_decay": 0.1, "gamma": 0.5}, {"update_period": 3, "num_samples": 2, "betas": (0.9, 0.5)}),
        ),
        _opt(
            "lamb",
            "LAMB",
            {
                "lr": 1e-3,
                "betas": (0.9, 0.999),
                "eps": 1e-6,
                "weight_decay": 0.0,
                "clamp_value": 10.0,
                "bias_correction": "moments",
                "decoupled_weight_decay": False,
            },
            {
                "lr": float,
                "betas": PAIR,
                "eps": float,
                "weight_decay": float,
                "clamp_value": float,
                "bias_correction": str,
                "decoupled_weight_decay": bool,
            },
            0.05,
            notes="bias_correction='step', decoupled_weight_decay=True reproduce pytorch-optimizer's Lamb.",
            cases=(
                {"bias_correction": "step", "decoupled_weight_decay": True},
                {"bias_correction": "step", "weight_decay": 0.05, "clamp_value": 1.0},
            ),
        ),
        _opt(
            "lars",
            "LARS",
            {
                "lr": 1e-3,
                "momentum": 0.9,
                "weight_decay": 0.0,
                "trust_coefficient": 1e-3,
                "dampening": 0.0,
                "nesterov": False,
                "exclude_vectors": False,
            },
            {
                "lr": float,
                "momentum": float,
                "weight_decay": float,
                "trust_coefficient": float,
                "dampening": float,
                "nesterov": bool,
                "exclude_vectors": bool,
            },
            10.0,
            notes="exclude_vectors=True (biases and norm scales as plain momentum SGD) matches pytorch-optimizer's LARS.",
            cases=(
                {"exclude_vectors": True, "lr": 1.0},
                {"exclude_vectors": True, "lr": 1.0, "nesterov": True, "weight_decay": 0.01, "trust_coefficient": 0.01},
            ),
        ),
        _opt(
            "adan",
            "Adan",
            {
                "lr": 1e-3,
                "betas": (0.98, 0.92, 0.99),
                "eps": 1e-8,
                "weight_decay": 0.0,
                "decoupled_weight_decay": False,
                "bias_correction": True,
            },
            {
                "lr": float,
                "betas": tuple[float, float, float],
                "eps": float,
                "weight_decay": float,
                "decoupled_weight_decay": bool,
                "bias_correction": bool,
            },
            0.05,
            cases=({"weight_decay": 0.02}, {"weight_decay": 0.02, "decoupled_weight_decay": True}),
        ),
        _opt(
            "novograd",
            "NovoGrad",
            {"lr": 1e-3, "betas": (0.95, 0.98), "eps": 1e-8, "weight_decay": 0.0, "grad_averaging": False},
            {"lr": float, "betas": PAIR, "eps": float, "weight_decay": float, "grad_averaging": bool},
            0.05,
            cases=({"weight_decay": 0.01, "grad_averaging": True},),
        ),
        ImplementationSpec(
            "warmup-cosine-schedule",
            SCHED + "WarmupCosine",
            Family.SCHEDULER,
            {"warmup_steps": 100, "total_steps": 1000, "min_lr": 0.0},
            {**SCHEDULE, "min_lr": float},
            oracle=SCHED + "warmup_cosine_oracle",
            smoke_args={"warmup_steps": 5, "total_steps": 16, "min_lr": 0.1},
        ),
        ImplementationSpec(
            "linear-warmup",
            SCHED + "LinearWarmup",
            Family.SCHEDULER,
            {"warmup_steps": 100, "total_steps": 1000},
            SCHEDULE,
            oracle=SCHED + "linear_warmup_oracle",
            smoke_args={"warmup_steps": 5, "total_steps": 16},
        ),
        ImplementationSpec(
            "noam-schedule",
            SCHED + "NoamSchedule",
            Family.SCHEDULER,
            {"d_model": 512, "warmup_steps": 4000},
            {"d_model": int, "warmup_steps": int},
            oracle=SCHED + "noam_oracle",
            smoke_args={"d_model": 16, "warmup_steps": 5},
        ),
    ]
)
