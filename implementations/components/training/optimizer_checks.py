"""Sample problems and oracles for optimizers: the reference optimizers beside pytorch-optimizer's.

An optimizer oracle maps the registration's validated arguments to a factory of the equivalent
pytorch-optimizer optimizer; the smoke test runs both in lockstep (:func:`lockstep`) and compares
the parameters. pytorch-optimizer is imported only then: without it, or for arguments that have
no counterpart there, the oracle raises :class:`OracleUnavailableError` and the smoke test says so
instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

OptimizerFactory = Callable[[Iterable[Tensor]], Optimizer]
LOCKSTEP_STEPS = 12


class OracleUnavailableError(RuntimeError):
    """The oracle cannot run here (its library is missing, or the arguments have no counterpart)."""


def optimizer_library() -> Any:
    """The ``pytorch_optimizer`` module, imported on first use; :class:`OracleUnavailableError` without it."""
    try:
        return importlib.import_module("pytorch_optimizer")
    except ImportError as exc:
        raise OracleUnavailableError("pytorch-optimizer not installed") from exc


def _require(condition: bool, reason: str) -> None:
    if not condition:
        raise OracleUnavailableError(reason)


def lion_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``Lion`` (decoupled weight decay scaled by lr, as in the paper)."""
    library = optimizer_library()
    return lambda params: library.Lion(params, lr=args["lr"], betas=args["betas"], weight_decay=args["weight_decay"])


def lamb_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``Lamb``: the same update when ``bias_correction='step'`` (its convention)."""
    _require(args["bias_correction"] == "step", f"bias_correction={args['bias_correction']!r} has no pytorch-optimizer counterpart")
    library = optimizer_library()

    def build(params: Iterable[Tensor]) -> Optimizer:
        optimizer = library.Lamb(
            params,
            lr=args["lr"],
            betas=args["betas"],
            eps=args["eps"],
            weight_decay=args["weight_decay"],
            weight_decouple=args["decoupled_weight_decay"],
        )
        optimizer.clamp = args["clamp_value"]  # φ's bound is a class attribute there
        return optimizer  # type: ignore[no-any-return]

    return build


def lars_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``LARS``: the same update when ``exclude_vectors=True`` (its convention)."""
    _require(args["exclude_vectors"], "exclude_vectors=False (every tensor adapted, as in the paper) has no pytorch-optimizer counterpart")
    library = optimizer_library()
    keys = ("lr", "momentum", "weight_decay", "trust_coefficient", "dampening", "nesterov")
    return lambda params: library.LARS(params, **{key: args[key] for key in keys})


def sophia_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``SophiaH(lr=L, p=P, eps=E, weight_decay=W)`` = ``Sophia(lr=L·P, gamma=P, eps=E·P, weight_decay=W/P)``."""
    _require(args.get("seed") is None, "a seed draws the probes from a private generator, pytorch-optimizer from the global one")
    library = optimizer_library()
    gamma = args["gamma"]
    return lambda params: library.SophiaH(
        params,
        lr=args["lr"] / gamma,
        p=gamma,
        eps=args["eps"] / gamma,
        weight_decay=args["weight_decay"] * gamma,
        betas=args["betas"],
        update_period=args["update_period"],
        num_samples=args["num_samples"],
    )


def adan_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``Adan`` (always bias-corrected)."""
    _require(args["bias_correction"], "bias_correction=False has no pytorch-optimizer counterpart")
    library = optimizer_library()
    return lambda params: library.Adan(
        params,
        lr=args["lr"],
        betas=args["betas"],
        eps=args["eps"],
        weight_decay=args["weight_decay"],
        weight_decouple=args["decoupled_weight_decay"],
    )


def novograd_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``NovoGrad``."""
    library = optimizer_library()
    keys = ("lr", "betas", "eps", "weight_decay", "grad_averaging")
    return lambda params: library.NovoGrad(params, **{key: args[key] for key in keys})


def lockstep_model() -> nn.Module:
    """A small float64 network with matrices and vectors (weights, biases, a LayerNorm scale), seeded."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.Tanh(), nn.Linear(8, 3)).double()


def _closure(model: nn.Module, optimizer: Optimizer, x: Tensor, y: Tensor, hessian: bool) -> Callable[[], Tensor]:
    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward(create_graph=hessian)  # type: ignore[no-untyped-call]
        return loss

    return closure


def lockstep(ours: OptimizerFactory, theirs: OptimizerFactory, steps: int = LOCKSTEP_STEPS) -> tuple[float, float]:
    """Run both optimizers on copies of :func:`lockstep_model` with the same data and random draws, in float64.

    Float64 keeps the rounding of two orders of the same operations far below any tolerance, even
    where a clipped or sign-based update amplifies it.

    Returns:
        The largest parameter difference after any step, and how far ``ours`` moved the
        parameters in all (a comparison of parameters that hardly moved proves nothing).

    """
    generator = torch.Generator().manual_seed(1)
    x, y = (torch.randn(32, width, generator=generator, dtype=torch.float64) for width in (6, 3))
    models = lockstep_model(), lockstep_model()
    optimizers = ours(models[0].parameters()), theirs(models[1].parameters())
    hessian = bool(getattr(optimizers[0], "needs_hessian", False))
    start = [p.detach().clone() for p in models[0].parameters()]
    largest = 0.0
    closures = [_closure(model, optimizer, x, y, hessian) for model, optimizer in zip(models, optimizers, strict=True)]
    for step in range(steps):
        for optimizer, closure in zip(optimizers, closures, strict=True):
            torch.manual_seed(100 + step)  # the same Hutchinson probes for both
            optimizer.step(closure)  # type: ignore[arg-type]
        pairs = zip(models[0].parameters(), models[1].parameters(), strict=True)
        largest = max(largest, *(float((a - b).detach().abs().max()) for a, b in pairs))
    moved = max(float((p.detach() - s).abs().max()) for p, s in zip(models[0].parameters(), start, strict=True))
    return largest, moved


def matrix_regression(args: Mapping[str, Any]) -> tuple[nn.Module, Tensor, Tensor]:
    """A bias-free linear map ``[64, 8] → [64, 4]`` to fit: only 2-D parameters, as Muon requires."""
    torch.manual_seed(0)
    x = torch.randn(64, 8)
    return nn.Linear(8, 4, bias=False), x, x @ torch.randn(8, 4)
