"""Lockstep oracles of the optimizer wrappers (see :func:`implementations.components.training.optimizer_checks.lockstep`).

SAM and Lookahead are checked against pytorch-optimizer's (imported only here, lazily); ZeRO in
a one-process group against its plain base optimizer; the clipping wrappers against the base
optimizer with ``torch.nn.utils.clip_grad_norm_`` or a clamp written around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import torch
from torch import Tensor
from torch.optim import Optimizer

from implementations.components.training.optim_wrappers import base_class, base_optimizer
from implementations.components.training.optimizer_checks import OptimizerFactory, optimizer_library


class _Around:
    """An optimizer seen through a step that runs the closure first and hooks before/after the update."""

    def __init__(
        self,
        optimizer: Any,
        before: Callable[[Any], Any] = lambda o: None,
        after: Callable[[Any], None] = lambda o: None,
        pass_closure: bool = False,
    ) -> None:
        self.optimizer, self.before, self.after, self.pass_closure = optimizer, before, after, pass_closure

    def zero_grad(self) -> None:
        self.optimizer.zero_grad()

    def step(self, closure: Callable[[], Tensor]) -> Tensor:
        with torch.enable_grad():
            loss = closure()
        self.before(self.optimizer)
        self.optimizer.step(closure) if self.pass_closure else self.optimizer.step()
        self.after(self.optimizer)
        return loss


def _base_args(args: Mapping[str, Any]) -> tuple[type[Optimizer], dict[str, Any]]:
    return base_class(args["base"], args["lr"], args.get("momentum", 0.0), args.get("weight_decay", 0.0))


def sam_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``SAM`` (which expects the first gradients before ``step``)."""
    library = optimizer_library()
    cls, kwargs = _base_args(args)
    return lambda params: cast(
        Optimizer, _Around(library.SAM(params, base_optimizer=cls, rho=args["rho"], adaptive=args["adaptive"], **kwargs), pass_closure=True)
    )


def lookahead_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """pytorch-optimizer's ``Lookahead`` around the same torch base optimizer."""
    library = optimizer_library()
    return lambda params: library.Lookahead(
        base_optimizer(params, args["base"], args["lr"], args["momentum"], args["weight_decay"]), k=args["k"], alpha=args["alpha"]
    )


def zero_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """The plain base optimizer: with one rank, ZeRO's shard is every parameter."""
    return lambda params: base_optimizer(params, args["base"], args["lr"], args["momentum"], args["weight_decay"])


def gradient_clipping_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """The base optimizer after ``torch.nn.utils.clip_grad_norm_`` on all parameters."""

    def build(params: Iterable[Tensor]) -> Optimizer:
        optimizer = base_optimizer(params, args["base"], args["lr"], args["momentum"], args["weight_decay"])
        everything = [p for group in optimizer.param_groups for p in group["params"]]
        return cast(Optimizer, _Around(optimizer, before=lambda o: torch.nn.utils.clip_grad_norm_(everything, args["max_norm"])))

    return build


def weight_clipping_oracle(args: Mapping[str, Any]) -> OptimizerFactory:
    """The base optimizer followed by ``torch.clamp`` of every parameter."""

    def clamp(optimizer: Optimizer) -> None:
        with torch.no_grad():
            for group in optimizer.param_groups:
                for p in group["params"]:
                    p.copy_(torch.clamp(p, -args["clip"], args["clip"]))

    def build(params: Iterable[Tensor]) -> Optimizer:
        return cast(
            Optimizer, _Around(base_optimizer(params, args["base"], args["lr"], args["momentum"], args["weight_decay"]), after=clamp)
        )

    return build
