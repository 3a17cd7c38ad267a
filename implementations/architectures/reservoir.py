"""Reservoir computing and spiking networks: echo-state network, LIF neurons with a surrogate gradient, liquid-state machine.

Registered in :mod:`implementations.architectures.dynamics`. Sequences are batch-first
``[B, T, features]``; outputs are per time step ``[B, T, out_features]`` (the reservoirs) or a
read-out ``[B, out_features]`` (the spiking classifier).
"""

from __future__ import annotations

import itertools

import torch
from torch import Tensor, nn

from implementations.components.layers.spiking import LeakyIntegrateAndFire, SurrogateSpike


class EchoStateNetwork(nn.Module):
    """Echo-state network: a fixed random tanh reservoir and a linear read-out fitted in closed form.

    Jaeger (2001), "The 'echo state' approach to analysing and training recurrent neural
    networks", GMD Report 148. ``x_t = (1 − a)·x_{t−1} + a·tanh(W_in u_t + W x_{t−1})`` with ``W``
    rescaled to the spectral radius ``ρ < 1`` (echo-state property) and ``W_in``, ``W`` fixed
    (buffers); only the read-out ``y_t = W_out x_t + b`` learns — by gradient, or by ridge
    regression with :meth:`fit`.

    Args:
        in_features: Input width.
        reservoir_size: Number of reservoir units.
        out_features: Read-out width.
        spectral_radius: Largest absolute eigenvalue of ``W``.
        leak_rate: Leak ``a`` (1 is no leak).
        input_scaling: Scale of the uniform input weights.
        density: Fraction of non-zero reservoir weights.

    """

    weight: Tensor
    weight_in: Tensor

    def __init__(
        self,
        in_features: int = 4,
        reservoir_size: int = 100,
        out_features: int = 2,
        spectral_radius: float = 0.9,
        leak_rate: float = 1.0,
        input_scaling: float = 1.0,
        density: float = 0.2,
    ) -> None:
        super().__init__()
        weight = (torch.rand(reservoir_size, reservoir_size) * 2 - 1) * (torch.rand(reservoir_size, reservoir_size) < density)
        weight *= spectral_radius / torch.linalg.eigvals(weight).abs().max()
        self.register_buffer("weight", weight)
        self.register_buffer("weight_in", (torch.rand(reservoir_size, in_features) * 2 - 1) * input_scaling)
        self.leak_rate = leak_rate
        self.readout = nn.Linear(reservoir_size, out_features)

    def states(self, u: Tensor) -> Tensor:
        """Reservoir states ``[B, T, reservoir_size]`` for inputs ``[B, T, in_features]`` (from zero)."""
        x = u.new_zeros(u.shape[0], self.weight.shape[0])
        drive = u @ self.weight_in.T
        out = []
        for t in range(u.shape[1]):
            x = (1 - self.leak_rate) * x + self.leak_rate * torch.tanh(drive[:, t] + x @ self.weight.T)
            out.append(x)
        return torch.stack(out, 1)

    def forward(self, u: Tensor) -> Tensor:
        """Inputs ``[B, T, in_features]`` → read-outs ``[B, T, out_features]``."""
        out: Tensor = self.readout(self.states(u))
        return out

    @torch.no_grad()
    def fit(self, u: Tensor, target: Tensor, ridge: float = 1e-6, washout: int = 0) -> None:
        """Ridge read-out ``[W_out b] = Yᵀ X (XᵀX + λI)⁻¹`` with ``X = [states, 1]``, skipping ``washout`` steps."""
        x = self.states(u)[:, washout:].reshape(-1, self.weight.shape[0])
        x = torch.cat([x, x.new_ones(len(x), 1)], 1).double()
        y = target[:, washout:].reshape(len(x), -1).double()
        solution = torch.linalg.solve(x.T @ x + ridge * torch.eye(x.shape[1], dtype=x.dtype), x.T @ y)
        self.readout.weight.copy_(solution[:-1].T)
        self.readout.bias.copy_(solution[-1])


class SpikingNetwork(nn.Module):
    """A feed-forward spiking network of LIF layers trained through a surrogate gradient.

    Neftci, Mostafa, Zenke (2019), "Surrogate Gradient Learning in Spiking Neural Networks",
    arXiv:1901.09948. Each hidden layer is the registered
    :class:`~implementations.components.layers.spiking.LeakyIntegrateAndFire` (linear synapse, binary
    spikes, fast-sigmoid surrogate); the output layer is a non-spiking leaky integrator whose
    membrane, averaged over time, is the read-out.

    Args:
        in_features: Input width per time step.
        hidden_features: Neurons per hidden layer.
        out_features: Read-out width.
        num_layers: Hidden spiking layers.
        beta: Membrane decay per step.
        threshold: Firing threshold.
        slope: Steepness ``k`` of the surrogate.

    """

    def __init__(
        self,
        in_features: int = 8,
        hidden_features: int = 32,
        out_features: int = 4,
        num_layers: int = 2,
        beta: float = 0.9,
        threshold: float = 1.0,
        slope: float = 25.0,
    ) -> None:
        super().__init__()
        widths = [in_features] + [hidden_features] * num_layers
        self.hidden = nn.ModuleList(LeakyIntegrateAndFire(a, b, beta, threshold, slope) for a, b in itertools.pairwise(widths))
        self.output = nn.Linear(hidden_features, out_features)
        self.beta = beta

    def spikes(self, x: Tensor) -> list[Tensor]:
        """Spike trains ``[B, T, hidden]`` of every hidden layer for inputs ``[B, T, in_features]``."""
        trains = []
        for layer in self.hidden:
            x = layer(x)
            trains.append(x)
        return trains

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``[B, T, in_features]`` → mean output membrane ``[B, out_features]``."""
        current = self.output(self.spikes(x)[-1])
        v, total = current.new_zeros(current[:, 0].shape), current.new_zeros(current[:, 0].shape)
        for t in range(current.shape[1]):
            v = self.beta * v + current[:, t]
            total = total + v
        mean: Tensor = total / current.shape[1]
        return mean


class LiquidStateMachine(nn.Module):
    """Liquid-state machine: a fixed, randomly and recurrently connected LIF reservoir and a linear read-out.

    Maass, Natschläger, Markram (2002), "Real-Time Computing Without Stable States: A New
    Framework for Neural Computation Based on Perturbations", Neural Computation 14(11):2531–2560.
    Input and recurrent weights (sparse, 20 % inhibitory) are fixed buffers; the read-out sees the
    low-pass-filtered spike trains (``trace_t = λ·trace_{t−1} + s_t``) and is the only learned part.

    Args:
        in_features: Input width.
        liquid_size: Number of LIF neurons.
        out_features: Read-out width.
        density: Connection probability inside the liquid.
        beta: Membrane decay per step.
        trace_decay: Decay ``λ`` of the read-out's spike traces.

    """

    weight: Tensor
    weight_in: Tensor

    def __init__(
        self,
        in_features: int = 4,
        liquid_size: int = 128,
        out_features: int = 2,
        density: float = 0.1,
        beta: float = 0.9,
        trace_decay: float = 0.8,
    ) -> None:
        super().__init__()
        sign = torch.where(torch.rand(liquid_size) < 0.2, -1.0, 1.0)  # inhibitory presynaptic neurons
        weight = torch.rand(liquid_size, liquid_size) * (torch.rand(liquid_size, liquid_size) < density) * sign[None, :]
        self.register_buffer("weight", weight.fill_diagonal_(0.0) * 0.5)
        self.register_buffer("weight_in", torch.randn(liquid_size, in_features) * 1.5)
        self.beta, self.trace_decay, self.spike = beta, trace_decay, SurrogateSpike()
        self.readout = nn.Linear(liquid_size, out_features)

    def traces(self, u: Tensor) -> Tensor:
        """Filtered spike trains ``[B, T, liquid_size]`` for inputs ``[B, T, in_features]``."""
        v = s = trace = u.new_zeros(u.shape[0], self.weight.shape[0])
        out = []
        for t in range(u.shape[1]):
            v = self.beta * v + u[:, t] @ self.weight_in.T + s @ self.weight.T - s  # threshold 1, reset by subtraction
            s = self.spike(v - 1.0)
            trace = self.trace_decay * trace + s
            out.append(trace)
        return torch.stack(out, 1)

    def forward(self, u: Tensor) -> Tensor:
        """Inputs ``[B, T, in_features]`` → read-outs ``[B, T, out_features]``."""
        out: Tensor = self.readout(self.traces(u))
        return out
