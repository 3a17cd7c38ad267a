"""Reference optimizers: Lion, Sophia (Hutchinson) and Adan.

The layer-wise ones are in :mod:`implementations.components.training.layerwise_optimizers`.

Each class follows its paper; where common libraries use another convention, a constructor flag
selects it (documented per class). Adafactor is a PyTorch built-in (``torch.optim.Adafactor``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor
from torch.optim import Optimizer
from torch.optim.optimizer import ParamsT

Closure = Callable[[], Any] | None


def evaluate_closure(closure: Closure) -> Any:
    """Run the closure (if any) with gradients enabled and return its loss."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


def state_buffers(state: dict[str, Any], param: Tensor, *names: str) -> list[Tensor]:
    """Zero-initialised state tensors shaped like ``param`` (created on first use)."""
    for name in names:
        if name not in state:
            state[name] = torch.zeros_like(param, memory_format=torch.preserve_format)
    return [state[name] for name in names]


class Lion(Optimizer):
    """EvoLved Sign Momentum (Lion).

    Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms", arXiv 2302.06675.

    The update is the sign of an interpolation between the momentum and the current gradient,
    ``θ ← θ − lr·(sign(β1·m + (1−β1)·g) + λ·θ)``; the momentum then moves with a slower ``β2``.

    Args:
        params: Parameters or parameter groups.
        lr: Learning rate (typically 3-10× smaller than AdamW's).
        betas: ``(β1, β2)``: interpolation for the update and decay of the momentum.
        weight_decay: Decoupled weight decay λ (scaled by ``lr``).

    """

    def __init__(self, params: ParamsT, lr: float = 1e-4, betas: tuple[float, float] = (0.9, 0.99), weight_decay: float = 0.0) -> None:
        if lr <= 0 or not all(0.0 <= b < 1.0 for b in betas) or weight_decay < 0:
            raise ValueError(f"invalid Lion hyperparameters lr={lr}, betas={betas}, weight_decay={weight_decay}")
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "weight_decay": weight_decay})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Any:
        """Perform one update; ``closure`` re-evaluates the loss (optional)."""
        loss = evaluate_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2) = group["lr"], group["betas"]
            for p in (q for q in group["params"] if q.grad is not None):
                grad = p.grad
                (momentum,) = state_buffers(self.state[p], p, "exp_avg")
                p.mul_(1.0 - lr * group["weight_decay"])
                p.add_(torch.sign(momentum * beta1 + grad * (1.0 - beta1)), alpha=-lr)
                momentum.mul_(beta2).add_(grad, alpha=1.0 - beta2)
        return loss


class Sophia(Optimizer):
    """Sophia with a Hutchinson Hessian-diagonal estimate ("SophiaH").

    Liu et al., 2023, "Sophia: A Scalable Stochastic Second-order Optimizer for Language Model
    Pre-training", arXiv 2305.14342 (Algorithm 3). Every ``update_period`` steps (steps 1, k+1, …)
    the diagonal is estimated as ``u ⊙ (∇²L·u)`` with ``u ~ N(0, I)`` and folded into an EMA ``h``;
    each step ``θ ← θ(1 − lr·λ) − lr·clip(m / max(γ·h, ε), 1)``.

    The loss must be backpropagated with ``create_graph=True`` (``needs_hessian``), or a
    precomputed estimate passed as ``step(closure, hessian=[...])``. pytorch-optimizer's
    ``SophiaH(lr=L, p=P, eps=E, weight_decay=W)`` is the same update as
    ``Sophia(lr=L·P, gamma=P, eps=E·P, weight_decay=W/P)``.

    Args:
        params: Parameters or parameter groups.
        lr: Learning rate.
        betas: ``(β1, β2)``: decays of the gradient momentum and of the Hessian EMA.
        gamma: γ, scale of the Hessian in the denominator (the clip threshold in units of m/h).
        eps: ε, lower bound of the denominator.
        weight_decay: Decoupled weight decay λ (scaled by ``lr``).
        update_period: k, steps between Hessian estimates.
        num_samples: Hutchinson probe vectors per estimate.
        seed: Seed of a private generator for the probe vectors; ``None`` draws from torch's global RNG.

    """

    needs_hessian = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 6e-4,
        betas: tuple[float, float] = (0.965, 0.99),
        gamma: float = 0.01,
        eps: float = 1e-12,
        weight_decay: float = 0.0,
        update_period: int = 10,
        num_samples: int = 1,
        seed: int | None = None,
    ) -> None:
        if lr <= 0 or gamma <= 0 or eps < 0 or weight_decay < 0 or update_period < 1 or num_samples < 1:
            raise ValueError("invalid Sophia hyperparameters")
        defaults = {"lr": lr, "betas": tuple(betas), "gamma": gamma, "eps": eps, "weight_decay": weight_decay, "step": 0}
        super().__init__(params, defaults)
        self.update_period, self.num_samples = update_period, num_samples
        self.generator = torch.Generator().manual_seed(seed) if seed is not None else None

    def _probe(self, p: Tensor) -> Tensor:
        if self.generator is None:
            return torch.randn_like(p)
        return torch.randn(p.shape, generator=self.generator, dtype=p.dtype).to(p.device)

    def hutchinson(self, params: Sequence[Tensor]) -> list[Tensor]:
        """Estimate diag(∇²L) as the mean of ``u ⊙ (∇²L·u)`` over ``num_samples`` Gaussian probes."""
        grads = [p.grad for p in params if p.grad is not None and p.grad.grad_fn is not None]
        if len(grads) != len(params):
            raise RuntimeError("Sophia needs Hessian-vector products: call loss.backward(create_graph=True)")
        estimate = [torch.zeros_like(p) for p in params]
        for i in range(self.num_samples):
            probes = [self._probe(p) for p in params]
            products = torch.autograd.grad(grads, list(params), grad_outputs=probes, retain_graph=i < self.num_samples - 1)
            for acc, u, hu in zip(estimate, probes, products, strict=True):
                acc.addcmul_(u, hu, value=1.0 / self.num_samples)
        return estimate

    @torch.no_grad()
    def step(self, closure: Closure = None, hessian: Sequence[Tensor] | None = None) -> Any:
        """One update; ``hessian`` (one tensor per parameter with a gradient) replaces the estimate."""
        loss = evaluate_closure(closure)
        params = [p for group in self.param_groups for p in group["params"] if p.grad is not None]
        due = self.param_groups[0]["step"] % self.update_period == 0
        if hessian is not None:
            estimates: list[Tensor] | None = [h.detach() for h in hessian]
        elif due and params:
            with torch.enable_grad():
                estimates = self.hutchinson(params)
        else:
            estimates = None
        fresh = {id(p): e for p, e in zip(params, estimates, strict=True)} if estimates is not None else {}
        for group in self.param_groups:
            group["step"] += 1
            lr, (beta1, beta2) = group["lr"], group["betas"]
            for p in (q for q in group["params"] if q.grad is not None):
                momentum, h = state_buffers(self.state[p], p, "exp_avg", "hessian_ema")
                p.mul_(1.0 - lr * group["weight_decay"])
                momentum.mul_(beta1).add_(p.grad.detach(), alpha=1.0 - beta1)
                if id(p) in fresh:
                    h.mul_(beta2).add_(fresh[id(p)], alpha=1.0 - beta2)
                ratio = momentum / torch.clamp(group["gamma"] * h, min=group["eps"])
                p.add_(ratio.clamp_(-1.0, 1.0), alpha=-lr)
        return loss


class Adan(Optimizer):
    """ADAptive Nesterov momentum (Adan).

    Xie et al., 2022, "Adan: Adaptive Nesterov Momentum Algorithm for Faster Optimizing Deep
    Models", arXiv 2208.06677 (Algorithm 1).

    With ``Δ = g_k − g_{k−1}`` (0 at the first step): ``m ← β1·m + (1−β1)·g``,
    ``v ← β2·v + (1−β2)·Δ``, ``n ← β3·n + (1−β3)·(g + β2·Δ)²`` and
    ``θ ← (θ − lr·(m̂ + β2·v̂) / (√n̂ + ε)) / (1 + lr·λ)`` (the proximal weight decay of Algorithm 1).
    Betas decay the old value, as in the authors' code (the paper writes ``1 − β``); hats are bias
    corrections (``bias_correction=False`` drops them); ``decoupled_weight_decay=True`` shrinks
    ``θ`` by ``1 − lr·λ`` before the step instead.

    Args:
        params: Parameters or parameter groups.
        lr: Learning rate.
        betas: ``(β1, β2, β3)``.
        eps: Added to √n̂.
        weight_decay: λ.
        decoupled_weight_decay: See above.
        bias_correction: See above.

    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float, float] = (0.98, 0.92, 0.99),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled_weight_decay: bool = False,
        bias_correction: bool = True,
    ) -> None:
        if lr <= 0 or eps < 0 or weight_decay < 0 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError("invalid Adan hyperparameters")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "decoupled_weight_decay": decoupled_weight_decay, "bias_correction": bias_correction})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Any:
        """Perform one update; ``closure`` re-evaluates the loss (optional)."""
        loss = evaluate_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2, beta3), decay = group["lr"], group["betas"], group["weight_decay"]
            for p in (q for q in group["params"] if q.grad is not None):
                grad, state = p.grad, self.state[p]
                state["step"] = t = state.get("step", 0) + 1
                if "prev_grad" not in state:
                    state["prev_grad"] = grad.clone()
                m, v, n = state_buffers(state, p, "exp_avg", "exp_avg_diff", "exp_avg_sq")
                diff = grad - state["prev_grad"]
                m.mul_(beta1).add_(grad, alpha=1.0 - beta1)
                v.mul_(beta2).add_(diff, alpha=1.0 - beta2)
                corrected = grad + beta2 * diff
                n.mul_(beta3).addcmul_(corrected, corrected, value=1.0 - beta3)
                c1, c2, c3 = (1.0 - b**t for b in (beta1, beta2, beta3)) if group["bias_correction"] else (1.0, 1.0, 1.0)
                denominator = n.sqrt().div_(math.sqrt(c3)).add_(group["eps"])
                if group["decoupled_weight_decay"]:
                    p.mul_(1.0 - lr * decay)
                p.addcdiv_(m, denominator, value=-lr / c1)
                p.addcdiv_(v, denominator, value=-lr * beta2 / c2)
                if not group["decoupled_weight_decay"]:
                    p.div_(1.0 + lr * decay)
                state["prev_grad"].copy_(grad)
        return loss
