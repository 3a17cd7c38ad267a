"""Registrations of PyTorch built-in losses, optimizers, schedulers and initializers, written as data (no torch import here).

Defaults are PyTorch's own; ``smoke_args`` only feed the smoke test. Modules and layers are in
:mod:`implementations.registrations.builtin`.
"""

from __future__ import annotations

from typing import Any

from implementations.registry.spec import Family, ImplementationSpec, register_all

S = "implementations.registry.samples:"
ORACLE = "implementations.components.oracles:"


def _loss(concept: str, target: str, sample: str, types: dict[str, Any] | None = None, **extra: Any) -> ImplementationSpec:
    types = {"reduction": str, **(types or {})}
    defaults = {"reduction": "mean", **extra.pop("defaults", {})}
    return ImplementationSpec(concept, target, Family.LOSS, defaults, types, sample=S + sample, **extra)


def _opt(concept: str, target: str, defaults: dict[str, Any], types: dict[str, Any], **extra: Any) -> ImplementationSpec:
    return ImplementationSpec(concept, target, Family.OPTIMIZER, defaults, types, **extra)


ADAM = {"lr": float, "betas": tuple[float, float], "eps": float, "weight_decay": float, "amsgrad": bool}
LR = {"lr": 0.05}

LOSSES = [
    _loss("cross-entropy-loss", "torch.nn.CrossEntropyLoss", "classification", {"label_smoothing": float}),
    _loss(
        "label-smoothing-cross-entropy",
        "torch.nn.CrossEntropyLoss",
        "classification",
        {"label_smoothing": float},
        defaults={"label_smoothing": 0.1},
    ),
    _loss("binary-cross-entropy", "torch.nn.BCEWithLogitsLoss", "binary"),
    _loss("mse-loss", "torch.nn.MSELoss", "regression", oracle=ORACLE + "mse", minimum_at_target=True),
    _loss("mae-loss", "torch.nn.L1Loss", "regression", minimum_at_target=True),
    _loss(
        "huber-loss",
        "torch.nn.HuberLoss",
        "regression",
        {"delta": float},
        defaults={"delta": 1.0},
        oracle=ORACLE + "huber",
        minimum_at_target=True,
    ),
    _loss("kl-divergence-loss", "torch.nn.KLDivLoss", "distributions", {"log_target": bool}, defaults={"reduction": "batchmean"}),
    _loss("triplet-loss", "torch.nn.TripletMarginLoss", "triplets", {"margin": float, "p": float}, defaults={"margin": 1.0}),
    _loss("ctc-loss", "torch.nn.CTCLoss", "ctc", {"blank": int, "zero_infinity": bool}, defaults={"blank": 0}),
]

OPTIMIZERS = [
    _opt(
        "sgd",
        "torch.optim.SGD",
        {"lr": 0.001, "momentum": 0.0, "weight_decay": 0.0, "nesterov": False},
        {"lr": float, "momentum": float, "dampening": float, "weight_decay": float, "nesterov": bool},
        smoke_args={"lr": 0.05, "momentum": 0.9},
    ),
    _opt(
        "nesterov-momentum",
        "torch.optim.SGD",
        {"lr": 0.001, "momentum": 0.9, "weight_decay": 0.0, "nesterov": True},
        {"lr": float, "momentum": float, "weight_decay": float, "nesterov": bool},
        smoke_args={"lr": 0.05, "momentum": 0.9},
        notes="torch.optim.SGD with nesterov=True (momentum > 0, dampening 0).",
    ),
    _opt("adam", "torch.optim.Adam", {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0}, ADAM, smoke_args=LR),
    _opt("adamw", "torch.optim.AdamW", {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}, ADAM, smoke_args=LR),
    _opt(
        "adagrad",
        "torch.optim.Adagrad",
        {"lr": 0.01, "lr_decay": 0.0, "weight_decay": 0.0, "eps": 1e-10},
        {"lr": float, "lr_decay": float, "weight_decay": float, "initial_accumulator_value": float, "eps": float},
        smoke_args={"lr": 0.3},
    ),
    _opt(
        "adadelta",
        "torch.optim.Adadelta",
        {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
        {"lr": float, "rho": float, "eps": float, "weight_decay": float},
        smoke_args={"lr": 5.0},
    ),
    _opt(
        "rmsprop",
        "torch.optim.RMSprop",
        {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0},
        {"lr": float, "alpha": float, "eps": float, "weight_decay": float, "momentum": float, "centered": bool},
    ),
    _opt(
        "adafactor",
        "torch.optim.Adafactor",
        {"lr": 0.01, "beta2_decay": -0.8, "eps": (None, 0.001), "d": 1.0, "weight_decay": 0.0},
        {"lr": float, "beta2_decay": float, "eps": tuple[float | None, float], "d": float, "weight_decay": float},
        smoke_args={"lr": 0.05},
    ),
    _opt(
        "muon",
        "torch.optim.Muon",
        {
            "lr": 0.001,
            "weight_decay": 0.1,
            "momentum": 0.95,
            "nesterov": True,
            "ns_coefficients": (3.4445, -4.775, 2.0315),
            "eps": 1e-7,
            "ns_steps": 5,
        },
        {
            "lr": float,
            "weight_decay": float,
            "momentum": float,
            "nesterov": bool,
            "ns_coefficients": tuple[float, float, float],
            "eps": float,
            "ns_steps": int,
            "adjust_lr_fn": str | None,
        },
        sample="implementations.components.training.optimizer_checks:matrix_regression",
        smoke_args={"lr": 0.05},
        notes="2-D parameters only (hidden-layer weight matrices): give biases, norms, embeddings and the output layer to AdamW. "
        "The smoke test fits a bias-free linear map.",
    ),
]

SCHEDULERS = [
    ImplementationSpec(
        "step-lr",
        "torch.optim.lr_scheduler.StepLR",
        Family.SCHEDULER,
        {"step_size": 5, "gamma": 0.1},
        {"step_size": int, "gamma": float},
        oracle=ORACLE + "step_lr",
    ),
    ImplementationSpec(
        "cosine-annealing",
        "torch.optim.lr_scheduler.CosineAnnealingLR",
        Family.SCHEDULER,
        {"T_max": 20, "eta_min": 0.0},
        {"T_max": int, "eta_min": float},
        oracle=ORACLE + "cosine_annealing",
    ),
    ImplementationSpec(
        "one-cycle",
        "torch.optim.lr_scheduler.OneCycleLR",
        Family.SCHEDULER,
        {"max_lr": 0.1, "total_steps": 21, "pct_start": 0.3},
        {"max_lr": float, "total_steps": int, "pct_start": float, "anneal_strategy": str},
    ),
    ImplementationSpec(
        "reduce-lr-on-plateau",
        "torch.optim.lr_scheduler.ReduceLROnPlateau",
        Family.SCHEDULER,
        {"mode": "min", "factor": 0.1, "patience": 10},
        {"mode": str, "factor": float, "patience": int, "threshold": float, "min_lr": float},
    ),
]

INITIALIZERS = [
    ImplementationSpec(
        "xavier-initialization",
        "torch.nn.init.xavier_normal_",
        Family.INITIALIZER,
        {"gain": 1.0},
        {"gain": float},
        oracle=ORACLE + "xavier_std",
        tolerance=2e-3,
    ),
    ImplementationSpec(
        "kaiming-initialization",
        "torch.nn.init.kaiming_normal_",
        Family.INITIALIZER,
        {"a": 0.0, "mode": "fan_in", "nonlinearity": "relu"},
        {"a": float, "mode": str, "nonlinearity": str},
        oracle=ORACLE + "kaiming_std",
        tolerance=2e-3,
    ),
]

register_all([*LOSSES, *OPTIMIZERS, *SCHEDULERS, *INITIALIZERS])
