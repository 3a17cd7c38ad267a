"""Continuous-time recurrent cells: CT-RNN, liquid time-constant (LTC) and closed-form continuous-time (CfC).

Each module runs a sequence ``[B, T, input_size]`` (inputs held constant over each step of
length ``dt``) and returns every hidden state ``[B, T, hidden_size]``, starting from zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import Tensor, nn


class CTRNN(nn.Module):
    """Continuous-time RNN ``τ dh/dt = −h + tanh(W h + U x + b)`` integrated by explicit Euler.

    Reference: Funahashi, Nakamura (1993), "Approximation of dynamical systems by continuous time
    recurrent neural networks", Neural Networks 6(6):801–806, doi:10.1016/S0893-6080(05)80125-X.

    Args:
        input_size: Input width.
        hidden_size: State width.
        dt: Time between inputs.
        unfolds: Euler steps per input.

    """

    def __init__(self, input_size: int, hidden_size: int, dt: float = 1.0, unfolds: int = 4) -> None:
        super().__init__()
        self.hidden_size, self.dt, self.unfolds = hidden_size, dt, unfolds
        self.input_proj = nn.Linear(input_size, hidden_size)
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False)
        self.log_tau = nn.Parameter(torch.zeros(hidden_size))

    def derivative(self, h: Tensor, drive: Tensor) -> Tensor:
        """``dh/dt`` given the projected input ``U x + b``."""
        return (-h + torch.tanh(self.recurrent(h) + drive)) / self.log_tau.exp()

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, input_size]`` → ``[B, T, hidden_size]``."""
        h, step, states = x.new_zeros(x.shape[0], self.hidden_size), self.dt / self.unfolds, []
        for drive in self.input_proj(x).unbind(1):
            for _ in range(self.unfolds):
                h = h + step * self.derivative(h, drive)
            states.append(h)
        return torch.stack(states, dim=1)


class LiquidTimeConstant(nn.Module):
    """Liquid time-constant cell ``dx/dt = −[1/τ + f(x, I)] ⊙ x + f(x, I) ⊙ A`` with the fused solver.

    ``f = σ(W_in I + W_rec x + b) ≥ 0`` gates both the time constant and the drive towards the
    bias vector ``A``, so each neuron's effective time constant ``τ / (1 + τ f)`` depends on its
    input. The fused semi-implicit Euler step ``x ← (x + Δ f A) / (1 + Δ (1/τ + f))`` (the paper's
    equation 3) is stable for any step size.

    Reference: Hasani, Lechner, Amini, Rus, Grosu (2021), "Liquid Time-constant Networks",
    AAAI, arXiv:2006.04439.

    Args:
        input_size: Input width.
        hidden_size: State width.
        dt: Time between inputs.
        unfolds: Solver steps per input (the paper uses 6).

    """

    def __init__(self, input_size: int, hidden_size: int, dt: float = 1.0, unfolds: int = 6) -> None:
        super().__init__()
        self.hidden_size, self.dt, self.unfolds = hidden_size, dt, unfolds
        self.input_proj = nn.Linear(input_size, hidden_size)
        self.recurrent = nn.Linear(hidden_size, hidden_size, bias=False)
        self.log_tau = nn.Parameter(torch.zeros(hidden_size))
        self.target = nn.Parameter(torch.randn(hidden_size))  # A

    def gate(self, x: Tensor, drive: Tensor) -> Tensor:
        """``f(x, I)``."""
        return torch.sigmoid(self.recurrent(x) + drive)

    def forward(self, inputs: Tensor) -> Tensor:
        """``[B, T, input_size]`` → ``[B, T, hidden_size]``."""
        x, step, states = inputs.new_zeros(inputs.shape[0], self.hidden_size), self.dt / self.unfolds, []
        for drive in self.input_proj(inputs).unbind(1):
            for _ in range(self.unfolds):
                f = self.gate(x, drive)
                x = (x + step * f * self.target) / (1 + step * (torch.exp(-self.log_tau) + f))
            states.append(x)
        return torch.stack(states, dim=1)


class ClosedFormContinuousTime(nn.Module):
    """CfC cell: the closed-form approximation of an LTC neuron's solution, no ODE solver.

    ``x(t) = σ(−f·t) ⊙ g + [1 − σ(−f·t)] ⊙ h``, where ``f``, ``g``, ``h`` are heads on a shared
    backbone of ``[I, x]`` (``g``, ``h`` with tanh) and ``t`` is the time elapsed since the last
    input (``dt``): the time-dependent gate interpolates between two learned states.

    Reference: Hasani, Lechner, Amini, Liebenwein, Ray, Tschaikowski, Teschl, Rus (2022),
    "Closed-form continuous-time neural networks", Nature Machine Intelligence 4:992–1003,
    arXiv:2106.13898 (equation 10).

    Args:
        input_size: Input width.
        hidden_size: State width.
        backbone_size: Width of the shared backbone layer.
        dt: Time between inputs.

    """

    def __init__(self, input_size: int, hidden_size: int, backbone_size: int = 32, dt: float = 1.0) -> None:
        super().__init__()
        self.hidden_size, self.dt = hidden_size, dt
        self.backbone = nn.Sequential(nn.Linear(input_size + hidden_size, backbone_size), nn.Tanh())
        self.heads = nn.Linear(backbone_size, 3 * hidden_size)  # f, g, h

    def forward(self, inputs: Tensor) -> Tensor:
        """``[B, T, input_size]`` → ``[B, T, hidden_size]``."""
        x, states = inputs.new_zeros(inputs.shape[0], self.hidden_size), []
        for current in inputs.unbind(1):
            f, g, h = self.heads(self.backbone(torch.cat([current, x], dim=-1))).chunk(3, dim=-1)
            gate = torch.sigmoid(-f * self.dt)
            x = gate * torch.tanh(g) + (1 - gate) * torch.tanh(h)
            states.append(x)
        return torch.stack(states, dim=1)


# --- float64 oracles ------------------------------------------------------------------------------


def _affine(x: Tensor, layer: nn.Linear) -> Tensor:
    y = x @ layer.weight.double().T
    return y + layer.bias.double() if layer.bias is not None else y


def _run(inputs: Tensor, hidden: int, step: Callable[[Tensor, Tensor], Tensor]) -> Tensor:
    x, states = torch.zeros(inputs.shape[0], hidden, dtype=torch.float64), []
    for t in range(inputs.shape[1]):
        x = step(x, inputs[:, t].double())
        states.append(x)
    return torch.stack(states, dim=1)


def ctrnn_oracle(module: CTRNN, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The Euler solver of torchdiffeq on ``τ dh/dt = −h + tanh(W h + U x + b)`` over each input interval."""
    from torchdiffeq import odeint  # the solver library the issue names; imported only for the check

    tau = module.log_tau.double().exp()

    def step(h: Tensor, current: Tensor) -> Tensor:
        drive = _affine(current, module.input_proj)

        def field(t: Tensor, state: Tensor) -> Tensor:
            return (-state + torch.tanh(_affine(state, module.recurrent) + drive)) / tau

        times = torch.tensor([0.0, module.dt], dtype=torch.float64)
        return odeint(field, h, times, method="euler", options={"step_size": module.dt / module.unfolds})[-1]  # type: ignore[no-any-return]

    return _run(inputs[0], module.hidden_size, step)


def ltc_oracle(module: LiquidTimeConstant, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The fused step written per neuron as ``x + Δ·(−(1/τ + f)·x_new + f·A)`` solved for ``x_new``, in float64."""
    inv_tau, target, delta = torch.exp(-module.log_tau.double()), module.target.double(), module.dt / module.unfolds

    def step(x: Tensor, current: Tensor) -> Tensor:
        drive = _affine(current, module.input_proj)
        for _ in range(module.unfolds):
            f = torch.sigmoid(_affine(x, module.recurrent) + drive)
            x = (x + delta * f * target) / (1 + delta * inv_tau + delta * f)
        return x

    return _run(inputs[0], module.hidden_size, step)


def cfc_oracle(module: ClosedFormContinuousTime, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Equation 10 with the three heads read off separately, in float64."""
    linear, heads, width = module.backbone[0], module.heads, module.hidden_size
    assert isinstance(linear, nn.Linear)

    def step(x: Tensor, current: Tensor) -> Tensor:
        z = torch.tanh(_affine(torch.cat([current, x], dim=-1), linear))
        w, b = heads.weight.double(), heads.bias.double()
        f, g, h = (z @ w[i * width : (i + 1) * width].T + b[i * width : (i + 1) * width] for i in range(3))
        gate = 1 / (1 + torch.exp(f * module.dt))
        return gate * torch.tanh(g) + (1 - gate) * torch.tanh(h)

    return _run(inputs[0], module.hidden_size, step)
