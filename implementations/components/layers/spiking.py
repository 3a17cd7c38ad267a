"""Spiking neurons trained with surrogate gradients: the spike function, LIF and adaptive LIF layers.

A layer takes input ``[B, T, in_features]`` (one row per time step), drives its neurons through a
linear synapse and returns the spike trains ``[B, T, out_features]`` (0/1). The Heaviside spike has
zero gradient almost everywhere, so backward uses a smooth surrogate instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.autograd.function import FunctionCtx


class _FastSigmoidSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx: FunctionCtx, x: Tensor, slope: float) -> Tensor:
        ctx.save_for_backward(x)
        ctx.slope = slope  # type: ignore[attr-defined]
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad / (1 + ctx.slope * x.abs()) ** 2, None


class SurrogateSpike(nn.Module):
    """Heaviside spike ``H(x)`` forward, fast-sigmoid derivative ``1 / (1 + k|x|)²`` backward.

    References: Neftci, Mostafa, Zenke (2019), "Surrogate Gradient Learning in Spiking Neural
    Networks", arXiv:1901.09948; Zenke, Ganguli (2018), "SuperSpike: Supervised Learning in
    Multilayer Spiking Neural Networks", arXiv:1705.11146 (the fast-sigmoid surrogate).

    Args:
        slope: Steepness ``k`` of the surrogate.

    """

    def __init__(self, slope: float = 25.0) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, x: Tensor) -> Tensor:
        """Membrane potential minus threshold → spikes (same shape)."""
        out: Tensor = _FastSigmoidSpike.apply(x, self.slope)  # type: ignore[no-untyped-call]
        return out


class LeakyIntegrateAndFire(nn.Module):
    """A layer of leaky integrate-and-fire neurons behind a linear synapse.

    ``v_t = β v_{t−1} + W x_t + b − θ s_{t−1}`` (reset by subtraction), ``s_t = H(v_t − θ)``, trained
    through :class:`SurrogateSpike`.

    Reference: Gerstner, Kistler, Naud, Paninski (2014), "Neuronal Dynamics", Cambridge University
    Press, ch. 1.3 (the LIF model); Neftci, Mostafa, Zenke (2019), arXiv:1901.09948 (training).

    Args:
        in_features: Input width.
        out_features: Neurons.
        beta: Membrane decay per step (0 < β ≤ 1).
        threshold: Firing threshold ``θ``.
        slope: Surrogate steepness.

    """

    def __init__(self, in_features: int, out_features: int, beta: float = 0.9, threshold: float = 1.0, slope: float = 25.0) -> None:
        super().__init__()
        self.out_features, self.beta, self.threshold = out_features, beta, threshold
        self.synapse = nn.Linear(in_features, out_features)
        self.spike = SurrogateSpike(slope)

    def thresholds(self, adaptation: Tensor) -> Tensor:
        """The firing threshold given the adaptation state (constant here)."""
        return torch.full_like(adaptation, self.threshold)

    def adapt(self, adaptation: Tensor, spikes: Tensor) -> Tensor:
        """The next adaptation state (none here)."""
        return adaptation

    def forward(self, x: Tensor) -> Tensor:
        """Input ``[B, T, in_features]`` → spikes ``[B, T, out_features]``."""
        current = self.synapse(x)
        v = spikes = adaptation = current.new_zeros(x.shape[0], self.out_features)
        out = []
        for drive in current.unbind(1):
            threshold = self.thresholds(adaptation)
            v = self.beta * v + drive - threshold * spikes
            spikes = self.spike(v - threshold)
            adaptation = self.adapt(adaptation, spikes)
            out.append(spikes)
        return torch.stack(out, dim=1)


class AdaptiveLeakyIntegrateAndFire(LeakyIntegrateAndFire):
    """LIF neurons whose threshold rises after each spike and relaxes back: ``θ_t = θ₀ + β_a a_t``.

    ``a_{t+1} = ρ a_t + (1 − ρ) s_t``; the slow adaptation gives spiking networks a memory over
    many steps (the "LSNN" neurons).

    Reference: Bellec, Salaj, Subramoney, Legenstein, Maass (2018), "Long short-term memory and
    Learning-to-learn in networks of spiking neurons", arXiv:1803.09574.

    Args:
        in_features: Input width.
        out_features: Neurons.
        beta: Membrane decay per step.
        threshold: Baseline threshold ``θ₀``.
        adaptation: Threshold increase ``β_a`` per unit of adaptation.
        rho: Adaptation decay per step ``ρ``.
        slope: Surrogate steepness.

    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        beta: float = 0.9,
        threshold: float = 1.0,
        adaptation: float = 1.8,
        rho: float = 0.95,
        slope: float = 25.0,
    ) -> None:
        super().__init__(in_features, out_features, beta, threshold, slope)
        self.adaptation, self.rho = adaptation, rho

    def thresholds(self, adaptation: Tensor) -> Tensor:
        """``θ₀ + β_a a``."""
        return self.threshold + self.adaptation * adaptation

    def adapt(self, adaptation: Tensor, spikes: Tensor) -> Tensor:
        """``ρ a + (1 − ρ) s``."""
        return self.rho * adaptation + (1 - self.rho) * spikes


# --- samples and float64 oracles ------------------------------------------------------------------


def spike_trains_input(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Input currents ``[4, 16, in_features]``, strong enough to make neurons fire."""
    return (2.0 * torch.rand(4, 16, int(args.get("in_features", 8))),)


def lif_oracle(module: LeakyIntegrateAndFire, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Neuron by neuron, step by step, with a plain ``if v ≥ θ`` (float64)."""
    current = inputs[0].double() @ module.synapse.weight.double().T + module.synapse.bias.double()
    rho = getattr(module, "rho", 1.0)
    rise = getattr(module, "adaptation", 0.0)
    out = torch.zeros_like(current)
    for b in range(current.shape[0]):
        for n in range(current.shape[2]):
            v = spiked = a = 0.0
            for t in range(current.shape[1]):
                theta = module.threshold + rise * a
                v = module.beta * v + float(current[b, t, n]) - theta * spiked
                spiked = 1.0 if v > theta else 0.0
                a = rho * a + (1 - rho) * spiked if rise else a
                out[b, t, n] = spiked
    return out


def spike_oracle(module: SurrogateSpike, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The Heaviside step."""
    return (inputs[0] > 0).double()
