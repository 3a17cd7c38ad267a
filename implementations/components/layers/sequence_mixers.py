"""Parallel-scan minimal LSTM and the Hyena operator, each with a step-by-step oracle."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class MinLSTM(nn.Module):
    """minLSTM: an LSTM whose gates depend only on the input, so the recurrence is a parallel scan.

    ``f_t = σ(W_f x_t)``, ``i_t = σ(W_i x_t)``, ``h̃_t = W_h x_t``; the gates are normalised
    ``f'_t = f_t / (f_t + i_t)``, ``i'_t = i_t / (f_t + i_t)`` and ``h_t = f'_t ⊙ h_{t−1} + i'_t ⊙ h̃_t``
    (``h_0 = 0``). The linear recurrence ``h_t = a_t h_{t−1} + b_t`` is solved for all ``t`` at once
    in log space (Heinsen's scan: ``log h_t = A_t + logcumsumexp_s(log b_s − A_s)`` with
    ``A_t = Σ_{s≤t} log a_s``), using the paper's positive ``g(x)`` candidate so ``log b`` exists.

    Reference: Feng, Tung, Ahmed, Bengio, Hajimirsadeghi (2024), "Were RNNs All We Needed?",
    arXiv:2410.01201 (Algorithms 5–8, log-space minLSTM).

    Args:
        input_size: Input width.
        hidden_size: State width.

    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.gates = nn.Linear(input_size, 3 * hidden_size)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, input_size]`` → all states ``[B, T, hidden_size]``."""
        forget, inp, candidate = self.gates(x).chunk(3, dim=-1)
        diff = F.softplus(-forget) - F.softplus(-inp)  # log f' = −softplus(diff), log i' = −softplus(−diff)
        log_a, log_b = -F.softplus(diff), -F.softplus(-diff) + log_g(candidate)
        prefix = log_a.cumsum(dim=1)
        states: Tensor = torch.exp(prefix + torch.logcumsumexp(log_b - prefix, dim=1))
        return states


def log_g(x: Tensor) -> Tensor:
    """``log g(x)`` with the paper's positive activation ``g(x) = x + ½`` for ``x ≥ 0``, ``σ(x)`` otherwise."""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


class HyenaOperator(nn.Module):
    """The order-``N`` Hyena operator: gated long convolutions with implicitly parameterised filters.

    Projections ``(v, x_1 … x_N)`` of the input, each sharpened by a short depthwise causal
    convolution; then ``z ← x_n ⊙ (h_n ∗ z)`` for ``n = 1 … N`` starting from ``z = v``, and an
    output projection. Each long filter ``h_n`` (as long as the sequence) is produced by a small
    FFN from sinusoidal positional features and multiplied by an exponentially decaying window;
    the causal convolutions run by FFT in ``O(T log T)``.

    Reference: Poli, Massaroli, Nguyen, Fu, Dao, Baccus, Bengio, Ermon, Ré (2023), "Hyena
    Hierarchy: Towards Larger Convolutional Language Models", arXiv:2302.10866.

    Args:
        dim: Model width ``D``.
        max_len: Longest sequence (filter length).
        order: Number of gated long convolutions ``N``.
        filter_dim: Width of the filter FFN.
        short_kernel: Taps of the short depthwise convolution.

    """

    def __init__(self, dim: int, max_len: int = 64, order: int = 2, filter_dim: int = 16, short_kernel: int = 3) -> None:
        super().__init__()
        self.dim, self.order, self.max_len = dim, order, max_len
        self.in_proj = nn.Linear(dim, (order + 1) * dim)
        self.short = nn.Conv1d((order + 1) * dim, (order + 1) * dim, short_kernel, padding=short_kernel - 1, groups=(order + 1) * dim)
        self.filter = nn.Sequential(nn.Linear(filter_dim, filter_dim), nn.SiLU(), nn.Linear(filter_dim, order * dim))
        self.out_proj = nn.Linear(dim, dim)
        positions = torch.arange(max_len, dtype=torch.float32)[:, None]
        bands = torch.arange(filter_dim // 2, dtype=torch.float32)[None, :]
        angle = positions * torch.exp(-math.log(max_len) * bands / max(filter_dim // 2, 1))
        self.register_buffer("features", torch.cat([torch.sin(angle), torch.cos(angle)], dim=-1), persistent=False)
        self.register_buffer("decay", torch.exp(-positions * torch.linspace(0.3, 3.0, dim)[None, :] / max_len * 8), persistent=False)

    def filters(self, length: int) -> Tensor:
        """The implicit long filters ``[order, D, T]``."""
        assert isinstance(self.features, Tensor) and isinstance(self.decay, Tensor)
        h: Tensor = self.filter(self.features[:length]).reshape(length, self.order, self.dim) * self.decay[:length, None, :]
        return h.permute(1, 2, 0)

    def projections(self, x: Tensor) -> list[Tensor]:
        """``v, x_1 … x_N`` as ``[B, D, T]``, after the short causal convolution."""
        length = x.shape[1]
        return list(self.short(self.in_proj(x).transpose(1, 2))[..., :length].chunk(self.order + 1, dim=1))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` (``T ≤ max_len``) → ``[B, T, D]``."""
        length = x.shape[1]
        if length > self.max_len:
            raise ValueError(f"sequence length {length} exceeds max_len={self.max_len}")
        v, *gates = self.projections(x)
        z, size = v, 2 * length  # zero-padding to 2T makes the FFT convolution linear, not circular
        for h, gate in zip(self.filters(length), gates, strict=True):
            z = gate * torch.fft.irfft(torch.fft.rfft(z, n=size) * torch.fft.rfft(h, n=size), n=size)[..., :length]
        out: Tensor = self.out_proj(z.transpose(1, 2))
        return out


# --- float64 oracles ------------------------------------------------------------------------------


def minlstm_oracle(module: MinLSTM, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The sequential recurrence ``h_t = f'_t h_{t−1} + i'_t g(h̃_t)`` step by step, in float64."""
    x = inputs[0].double()
    pre = x @ module.gates.weight.double().T + module.gates.bias.double()
    forget, inp, _ = torch.sigmoid(pre).chunk(3, dim=-1)
    candidate = pre.chunk(3, dim=-1)[2]
    g = torch.where(candidate >= 0, candidate + 0.5, torch.sigmoid(candidate))
    h = torch.zeros(x.shape[0], module.hidden_size, dtype=torch.float64)
    states = []
    for t in range(x.shape[1]):
        total = forget[:, t] + inp[:, t]
        h = forget[:, t] / total * h + inp[:, t] / total * g[:, t]
        states.append(h)
    return torch.stack(states, dim=1)


def hyena_oracle(module: HyenaOperator, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The long convolutions as direct sums ``(h ∗ z)_t = Σ_{s≤t} h_{t−s} z_s`` in float64."""
    x = inputs[0]
    length = x.shape[1]
    v, *gates = (p.double() for p in module.projections(x))
    z = v
    for h, gate in zip(module.filters(length).double(), gates, strict=True):
        conv = torch.zeros_like(z)
        for t in range(length):
            conv[..., t] = (h[None, :, : t + 1].flip(-1) * z[..., : t + 1]).sum(-1)
        z = gate * conv
    return z.transpose(1, 2) @ module.out_proj.weight.double().T + module.out_proj.bias.double()
