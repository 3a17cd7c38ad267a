"""Layer-wise adaptive reference optimizers: LAMB, LARS and NovoGrad.

Each scales a layer's update by a ratio of norms computed per parameter tensor (a "layer"),
which is what lets them train with very large batches. Where common libraries use another
convention, a constructor flag selects it (documented per class).
"""

from __future__ import annotations

from typing import Any

import torch
from torch.optim import Optimizer
from torch.optim.optimizer import ParamsT

from implementations.components.training.optimizers import Closure, evaluate_closure, state_buffers


class LAMB(Optimizer):
    """Layer-wise Adaptive Moments for Batch training (LAMB).

    You et al., 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
    arXiv 1904.00962 (Algorithm 2).

    Adam's direction ``r = m̂ / (√v̂ + ε)`` plus ``λ·θ`` is rescaled per tensor by the trust ratio
    ``φ(‖θ‖) / ‖r + λθ‖`` with ``φ(z) = min(z, clamp_value)`` (1 if either norm is zero).

    Flags for other conventions (``bias_correction="step"``, ``decoupled_weight_decay=True``
    reproduce pytorch-optimizer's ``Lamb`` defaults):
        * ``bias_correction``: ``"moments"`` (paper: correct m and v), ``"step"`` (uncorrected
          moments, step divided by 1 − β1^t) or ``"none"``;
        * ``decoupled_weight_decay``: shrink θ by ``1 − lr·λ`` first (AdamW style) instead of adding
          ``λθ`` to the direction.

    Args:
        params: Parameters or parameter groups.
        lr: Learning rate.
        betas: Decays of the first and second moments.
        eps: Added to √v and to the update norm of the trust ratio.
        weight_decay: λ.
        clamp_value: Upper bound of φ(‖θ‖).
        bias_correction: ``"moments"``, ``"step"`` or ``"none"`` (see above).
        decoupled_weight_decay: See above.

    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        clamp_value: float = 10.0,
        bias_correction: str = "moments",
        decoupled_weight_decay: bool = False,
    ) -> None:
        if bias_correction not in ("moments", "step", "none"):
            raise ValueError(f"bias_correction must be 'moments', 'step' or 'none', not {bias_correction!r}")
        if lr <= 0 or eps < 0 or weight_decay < 0 or clamp_value <= 0:
            raise ValueError("invalid LAMB hyperparameters")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "clamp_value": clamp_value}
        super().__init__(params, {**defaults, "bias_correction": bias_correction, "decoupled_weight_decay": decoupled_weight_decay})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Any:
        """Perform one update; ``closure`` re-evaluates the loss (optional)."""
        loss = evaluate_closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps, decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for p in (q for q in group["params"] if q.grad is not None):
                state = self.state[p]
                state["step"] = t = state.get("step", 0) + 1
                m, v = state_buffers(state, p, "exp_avg", "exp_avg_sq")
                m.mul_(beta1).add_(p.grad, alpha=1.0 - beta1)
                v.mul_(beta2).addcmul_(p.grad, p.grad, value=1.0 - beta2)
                corr1, corr2 = 1.0 - beta1**t, 1.0 - beta2**t
                scale = 1.0 / corr1 if group["bias_correction"] == "step" else 1.0
                direction = m / corr1 / ((v / corr2).sqrt() + eps) if group["bias_correction"] == "moments" else m / (v.sqrt() + eps)
                if group["decoupled_weight_decay"]:
                    p.mul_(1.0 - lr * decay)
                elif decay:
                    direction.add_(p, alpha=decay)
                weight_norm = float(torch.linalg.vector_norm(p).clamp(max=group["clamp_value"]))
                update_norm = float(torch.linalg.vector_norm(direction))
                trust = weight_norm / (update_norm + eps) if weight_norm > 0 and update_norm > 0 else 1.0
                p.add_(direction, alpha=-lr * scale * trust)
        return loss


class LARS(Optimizer):
    """Layer-wise Adaptive Rate Scaling (LARS).

    You, Gitman & Ginsburg, 2017, "Large Batch Training of Convolutional Networks", arXiv 1708.03888.

    Per tensor, the local rate ``η‖w‖ / (‖g‖ + β‖w‖)`` scales ``g + βw``; the result feeds heavy-ball
    momentum and the step is ``lr`` times the buffer (Algorithm 1, with ``lr`` outside the buffer).
    ``exclude_vectors=True`` leaves tensors with ``ndim ≤ 1`` (biases, norm scales) as plain SGD
    with momentum, without weight decay or rate scaling (the convention of pytorch-optimizer).

    Args:
        params: Parameters or parameter groups.
        lr: Global learning rate γ.
        momentum: Momentum factor m.
        weight_decay: β.
        trust_coefficient: η.
        dampening: Scales the new term of the momentum buffer by ``1 − dampening``.
        nesterov: Use the Nesterov look-ahead ``d + m·buffer``.
        exclude_vectors: See above.

    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        trust_coefficient: float = 1e-3,
        dampening: float = 0.0,
        nesterov: bool = False,
        exclude_vectors: bool = False,
    ) -> None:
        if lr <= 0 or not 0.0 <= momentum < 1.0 or weight_decay < 0 or trust_coefficient < 0:
            raise ValueError("invalid LARS hyperparameters")
        defaults = {"lr": lr, "momentum": momentum, "weight_decay": weight_decay, "trust_coefficient": trust_coefficient}
        super().__init__(params, {**defaults, "dampening": dampening, "nesterov": nesterov, "exclude_vectors": exclude_vectors})

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Any:
        """Perform one update; ``closure`` re-evaluates the loss (optional)."""
        loss = evaluate_closure(closure)
        for group in self.param_groups:
            mu, decay = group["momentum"], group["weight_decay"]
            for p in (q for q in group["params"] if q.grad is not None):
                d = p.grad.clone()
                if not (group["exclude_vectors"] and p.ndim <= 1):
                    weight_norm, grad_norm = float(torch.linalg.vector_norm(p)), float(torch.linalg.vector_norm(d))
                    denominator = grad_norm + decay * weight_norm
                    local = group["trust_coefficient"] * weight_norm / denominator if weight_norm > 0 and denominator > 0 else 1.0
                    d.add_(p, alpha=decay).mul_(local)
                if mu > 0:
                    (buffer,) = state_buffers(self.state[p], p, "momentum_buffer")
                    buffer.mul_(mu).add_(d, alpha=1.0 - group["dampening"])
                    d = d.add_(buffer, alpha=mu) if group["nesterov"] else buffer
                p.add_(d, alpha=-group["lr"])
        return loss


class NovoGrad(Optimizer):
    """NovoGrad: Adam-like moments with a per-layer second moment.

    Ginsburg et al., 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments for
    Training of Deep Networks", arXiv 1905.11286 (Algorithm 1).

    A scalar second moment per tensor (layer), ``v ← β2·v + (1−β2)·‖g‖²`` (``v = ‖g‖²`` at the
    first step), normalises the gradient before momentum:
    ``m ← β1·m + (g / (√v + ε) + λ·θ)`` (``m`` is that term at the first step); ``θ ← θ − lr·m``.
    ``grad_averaging=True`` multiplies the new term by ``1 − β1``.

    Args:
        params: Parameters or parameter groups.
        lr: Learning rate.
        betas: ``(β1, β2)``.
        eps: Added to √v.
        weight_decay: λ (added to the normalised gradient).
        grad_averaging: See above.

    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.95, 0.98),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        grad_averaging: bool = False,
    ) -> None:
        if lr <= 0 or eps < 0 or weight_decay < 0 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError("invalid NovoGrad hyperparameters")
        defaults = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay, "grad_averaging": grad_averaging}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Closure = None) -> Any:
        """Perform one update; ``closure`` re-evaluates the loss (optional)."""
        loss = evaluate_closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in (q for q in group["params"] if q.grad is not None):
                state, squared_norm = self.state[p], p.grad.square().sum()
                first = "exp_avg" not in state
                if first:
                    state["exp_avg_sq"] = squared_norm
                else:
                    state["exp_avg_sq"].mul_(beta2).add_(squared_norm, alpha=1.0 - beta2)
                term = p.grad / (state["exp_avg_sq"].sqrt() + group["eps"])
                term.add_(p, alpha=group["weight_decay"])
                if first:
                    state["exp_avg"] = term
                else:
                    state["exp_avg"].mul_(beta1).add_(term, alpha=1.0 - beta1 if group["grad_averaging"] else 1.0)
                p.add_(state["exp_avg"], alpha=-group["lr"])
        return loss
