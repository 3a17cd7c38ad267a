"""Optimizer wrappers around a torch base optimizer: SAM, Lookahead, gradient and weight clipping, ZeRO.

Every wrapper builds its base optimizer from a name (``base="sgd"``, ``"adam"``, ``"adamw"``,
``"rmsprop"``) and the base's learning rate, momentum and weight decay, so a registration can
create it from JSON arguments alone. The wrapper and its base share one list of parameter groups;
``state_dict`` holds both states.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer

Closure = Callable[[], Tensor]
_BASES: dict[str, type[Optimizer]] = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
}


def base_class(base: str, lr: float, momentum: float, weight_decay: float) -> tuple[type[Optimizer], dict[str, Any]]:
    """The named torch optimizer class and its keyword arguments (``momentum`` for SGD and RMSprop only)."""
    if base not in _BASES:
        raise ValueError(f"base must be one of {sorted(_BASES)}, got {base!r}")
    extra = {"momentum": momentum} if base in ("sgd", "rmsprop") else {}
    return _BASES[base], {"lr": lr, "weight_decay": weight_decay, **extra}


def base_optimizer(params: Iterable[Any], base: str, lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> Optimizer:
    """The named torch optimizer over ``params``."""
    cls, kwargs = base_class(base, lr, momentum, weight_decay)
    return cls(params, **kwargs)


class OptimizerWrapper(Optimizer):
    """An optimizer that delegates the update to a base optimizer sharing its parameter groups."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], base: str, lr: float, momentum: float, weight_decay: float) -> None:
        super().__init__(params, defaults)
        self.base_optimizer = base_optimizer(self.param_groups, base, lr, momentum, weight_decay)
        self.param_groups = self.base_optimizer.param_groups
        self.defaults.update(self.base_optimizer.defaults)

    def state_dict(self) -> dict[str, Any]:
        """The base optimizer's state and the wrapper's own."""
        return {"base": self.base_optimizer.state_dict(), "wrapper": super().state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore both states and share the base's parameter groups again."""
        super().load_state_dict(state_dict["wrapper"])
        self.base_optimizer.load_state_dict(state_dict["base"])
        self.param_groups = self.base_optimizer.param_groups

    def _gradients(self, closure: Closure | None) -> Tensor | None:
        if closure is None:
            return None
        with torch.enable_grad():
            return closure()


class SAM(OptimizerWrapper):
    """Sharpness-aware minimisation: descend with the gradient taken at the worst nearby point.

    Each step evaluates the gradient ``g`` at ``w``, moves to ``w + ε`` with
    ``ε = ρ g / ‖g‖`` (adaptive: ``ε = ρ w² g / ‖w g‖``), evaluates the gradient there, returns to
    ``w`` and lets the base optimizer step with that second gradient. It needs a ``closure`` that
    zeroes gradients and runs forward and backward (called twice per step).

    Reference: Foret, Kleiner, Mobahi, Neyshabur (2021), "Sharpness-Aware Minimization for
    Efficiently Improving Generalization", arXiv:2010.01412 (ASAM: Kwon et al. 2021,
    arXiv:2102.11600).

    Args:
        params: Parameters or groups.
        base: Base optimizer name.
        lr: Base learning rate.
        rho: Neighbourhood radius ``ρ``.
        adaptive: ASAM's scale-invariant neighbourhood.
        momentum: Base momentum (SGD/RMSprop).
        weight_decay: Base weight decay.

    """

    def __init__(
        self,
        params: Iterable[Any],
        base: str = "sgd",
        lr: float = 0.1,
        rho: float = 0.05,
        adaptive: bool = False,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"rho": rho, "adaptive": adaptive}, base, lr, momentum, weight_decay)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Tensor:  # type: ignore[override]
        """Two forward/backward passes through ``closure``; returns the loss at ``w``."""
        if closure is None:
            raise ValueError("SAM needs a closure that zeroes the gradients and runs forward and backward")
        loss = self._gradients(closure)
        assert loss is not None
        scaled = [
            (p.abs() if group["adaptive"] else 1.0) * p.grad for group in self.param_groups for p in group["params"] if p.grad is not None
        ]
        norm = torch.stack([g.norm() for g in scaled]).norm() + 1e-12
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    perturbation = (p.square() if group["adaptive"] else 1.0) * p.grad * group["rho"] / norm
                    self.state[p]["perturbation"] = perturbation
                    p.add_(perturbation)
        self._gradients(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if "perturbation" in self.state[p]:
                    p.sub_(self.state[p].pop("perturbation"))
        self.base_optimizer.step()
        return loss


class Lookahead(OptimizerWrapper):
    """Lookahead: ``k`` fast steps of the base optimizer, then the slow weights move ``α`` of the way.

    ``φ ← φ + α (θ − φ)`` and ``θ ← φ`` every ``k`` steps (``φ``: slow weights, ``θ``: fast).

    Reference: Zhang, Lucas, Hinton, Ba (2019), "Lookahead Optimizer: k steps forward, 1 step
    back", arXiv:1907.08610.

    Args:
        params: Parameters or groups.
        base: Base optimizer name.
        lr: Base learning rate.
        k: Fast steps per slow update.
        alpha: Slow step size ``α``.
        momentum: Base momentum (SGD/RMSprop).
        weight_decay: Base weight decay.

    """

    def __init__(
        self,
        params: Iterable[Any],
        base: str = "sgd",
        lr: float = 0.1,
        k: int = 5,
        alpha: float = 0.5,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"k": k, "alpha": alpha, "lookahead_step": 0}, base, lr, momentum, weight_decay)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["slow"] = p.detach().clone()

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Tensor | None:  # type: ignore[override]
        """One base step; every ``k``-th also pulls the fast weights to the updated slow weights."""
        loss = self._gradients(closure)
        self.base_optimizer.step()
        for group in self.param_groups:
            group["lookahead_step"] += 1
            if group["lookahead_step"] % group["k"]:
                continue
            for p in group["params"]:
                slow = self.state[p]["slow"]
                slow.add_(p - slow, alpha=group["alpha"])
                p.copy_(slow)
        return loss


class GradientClipping(OptimizerWrapper):
    """The base optimizer stepping on gradients rescaled to a global norm of at most ``max_norm``.

    ``g ← g · min(1, max_norm / ‖g‖)`` with ``‖g‖`` over all parameters (``torch.nn.utils.clip_grad_norm_``).

    Reference: Pascanu, Mikolov, Bengio (2013), "On the difficulty of training recurrent neural
    networks", arXiv:1211.5063.

    Args:
        params: Parameters or groups.
        base: Base optimizer name.
        lr: Base learning rate.
        max_norm: Largest global gradient norm.
        momentum: Base momentum (SGD/RMSprop).
        weight_decay: Base weight decay.

    """

    def __init__(
        self,
        params: Iterable[Any],
        base: str = "sgd",
        lr: float = 0.1,
        max_norm: float = 1.0,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"max_norm": max_norm}, base, lr, momentum, weight_decay)

    def step(self, closure: Closure | None = None) -> Tensor | None:  # type: ignore[override]
        """Gradients (from ``closure`` if given), clipped, then one base step."""
        loss = self._gradients(closure)
        for group in self.param_groups:
            torch.nn.utils.clip_grad_norm_(group["params"], group["max_norm"])
        self.base_optimizer.step()
        return loss


class WeightClipping(OptimizerWrapper):
    """The base optimizer followed by clamping every weight to ``[−clip, clip]``, as a WGAN critic does.

    Reference: Arjovsky, Chintala, Bottou (2017), "Wasserstein GAN", arXiv:1701.07875
    (Algorithm 1: RMSProp, then ``w ← clip(w, −c, c)``, ``c = 0.01``).

    Args:
        params: Parameters or groups.
        base: Base optimizer name.
        lr: Base learning rate.
        clip: Bound ``c``.
        momentum: Base momentum (SGD/RMSprop).
        weight_decay: Base weight decay.

    """

    def __init__(
        self,
        params: Iterable[Any],
        base: str = "rmsprop",
        lr: float = 5e-5,
        clip: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"clip": clip}, base, lr, momentum, weight_decay)

    @torch.no_grad()
    def step(self, closure: Closure | None = None) -> Tensor | None:  # type: ignore[override]
        """One base step, then the clamp."""
        loss = self._gradients(closure)
        self.base_optimizer.step()
        for group in self.param_groups:
            for p in group["params"]:
                p.clamp_(-group["clip"], group["clip"])
        return loss


def ensure_process_group() -> None:
    """Start a one-process gloo group (a ``file://`` store in a private temporary directory) unless one is running."""
    import torch.distributed as dist

    if not dist.is_initialized():
        store = os.path.join(tempfile.mkdtemp(prefix="nnvocab-gloo-"), "store")
        dist.init_process_group("gloo", init_method=f"file://{store}", rank=0, world_size=1)


def zero_redundancy(
    params: Iterable[Any], base: str = "adam", lr: float = 1e-3, momentum: float = 0.0, weight_decay: float = 0.0
) -> Optimizer:
    """ZeRO stage 1: ``torch.distributed.optim.ZeroRedundancyOptimizer`` sharding the base optimizer's state.

    Each of the ``world_size`` ranks keeps the optimizer state of only its shard of the
    parameters and broadcasts its updated shard after the step. Here the group has one process
    (started on first use), so the update equals the base optimizer's exactly; ``state_dict``
    consolidates the shards first, as a checkpoint must.

    Reference: Rajbhandari, Rasley, Ruwase, He (2020), "ZeRO: Memory Optimizations Toward Training
    Trillion Parameter Models", arXiv:1910.02054.
    """
    from torch.distributed.optim import ZeroRedundancyOptimizer

    class ConsolidatingZero(ZeroRedundancyOptimizer):
        def state_dict(self) -> dict[str, Any]:
            self.consolidate_state_dict(to=0)
            return super().state_dict()

    cls, kwargs = base_class(base, lr, momentum, weight_decay)
    ensure_process_group()
    return ConsolidatingZero(list(params), optimizer_class=cls, **kwargs)
