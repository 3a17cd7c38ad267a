"""Local, unsupervised plasticity rules: Hebbian learning (Oja's rule) and pair-based STDP.

The modules compute weight changes from activity rather than from a loss: ``forward`` returns
the change ``ΔW`` ``[out, in]``; :meth:`OjaHebbian.apply_update` adds it to the synapses in place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn


class OjaHebbian(nn.Module):
    """Hebbian learning with Oja's normalisation: ``ΔW = η (y xᵀ − diag(y²) W)`` averaged over the batch, ``y = W x``.

    The plain Hebbian term ``y xᵀ`` strengthens co-active pairs; Oja's decay keeps each row's norm
    near one, and a single neuron converges to the first principal component of the inputs.

    References: Hebb (1949), "The Organization of Behavior", Wiley; Oja (1982), "Simplified neuron
    model as a principal component analyzer", Journal of Mathematical Biology 15:267–273,
    doi:10.1007/BF00275687.

    Args:
        in_features: Presynaptic units.
        out_features: Postsynaptic units.
        lr: ``η``.

    """

    weight: Tensor

    def __init__(self, in_features: int = 8, out_features: int = 4, lr: float = 0.01) -> None:
        super().__init__()
        self.lr = lr
        self.register_buffer("weight", torch.randn(out_features, in_features) / math.sqrt(in_features))

    def forward(self, x: Tensor) -> Tensor:
        """Presynaptic activity ``[B, in]`` → ``ΔW [out, in]``."""
        y = x @ self.weight.T
        return self.lr * (y.T @ x - (y.square().sum(0))[:, None] * self.weight) / x.shape[0]

    @torch.no_grad()
    def apply_update(self, x: Tensor) -> None:
        """``W ← W + ΔW``."""
        self.weight += self(x)


class PairSTDP(nn.Module):
    """Pair-based spike-timing-dependent plasticity computed with exponential traces.

    ``ΔW_ij = Σ_{pairs} A₊ e^{−Δt/τ₊}`` for a presynaptic spike of ``j`` ``Δt > 0`` steps before a
    postsynaptic spike of ``i``, ``− A₋ e^{−Δt/τ₋}`` for post before pre (simultaneous spikes: no
    change). Traces ``x_j ← x_j e^{−1/τ₊} + s_j`` make it one pass over time, summed over the batch.

    Reference: Song, Miller, Abbott (2000), "Competitive Hebbian learning through spike-timing-
    dependent synaptic plasticity", Nature Neuroscience 3:919–926, doi:10.1038/78829; Bi, Poo
    (1998), doi:10.1523/JNEUROSCI.18-24-10464.1998 (the measured window).

    Args:
        a_plus: Potentiation amplitude ``A₊``.
        a_minus: Depression amplitude ``A₋``.
        tau_plus: Potentiation time constant (steps).
        tau_minus: Depression time constant (steps).

    """

    def __init__(self, a_plus: float = 0.01, a_minus: float = 0.012, tau_plus: float = 5.0, tau_minus: float = 5.0) -> None:
        super().__init__()
        self.a_plus, self.a_minus, self.tau_plus, self.tau_minus = a_plus, a_minus, tau_plus, tau_minus

    def forward(self, pre: Tensor, post: Tensor) -> Tensor:
        """Spike trains ``pre [B, T, in]`` and ``post [B, T, out]`` (0/1) → ``ΔW [out, in]``."""
        pre_trace, post_trace = torch.zeros_like(pre[:, 0]), torch.zeros_like(post[:, 0])
        delta = pre.new_zeros(post.shape[-1], pre.shape[-1])
        for t in range(pre.shape[1]):
            pre_trace = pre_trace * math.exp(-1 / self.tau_plus)  # traces of earlier spikes only
            post_trace = post_trace * math.exp(-1 / self.tau_minus)
            delta = delta + self.a_plus * post[:, t].T @ pre_trace - self.a_minus * post_trace.T @ pre[:, t]
            pre_trace, post_trace = pre_trace + pre[:, t], post_trace + post[:, t]
        return delta


# --- samples and float64 oracles ------------------------------------------------------------------


def spike_pairs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Random pre ``[2, 20, 5]`` and post ``[2, 20, 3]`` spike trains (rate 0.2)."""
    return (torch.rand(2, 20, 5) < 0.2).float(), (torch.rand(2, 20, 3) < 0.2).float()


def oja_oracle(module: OjaHebbian, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Example by example and synapse by synapse: ``η (y_i x_j − y_i² W_ij)``, averaged."""
    x, w = inputs[0].double(), module.weight.double()
    delta = torch.zeros_like(w)
    for sample in x:
        y = w @ sample
        for i in range(w.shape[0]):
            delta[i] += module.lr * (y[i] * sample - y[i] ** 2 * w[i])
    return delta / x.shape[0]


def stdp_oracle(module: PairSTDP, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The all-pairs sum over spike times, in float64."""
    pre, post = inputs
    delta = torch.zeros(post.shape[-1], pre.shape[-1], dtype=torch.float64)
    for b in range(pre.shape[0]):
        for i in range(post.shape[-1]):
            for j in range(pre.shape[-1]):
                post_times, pre_times = post[b, :, i].nonzero().flatten().tolist(), pre[b, :, j].nonzero().flatten().tolist()
                for tp in post_times:
                    for tq in pre_times:
                        if tq < tp:
                            delta[i, j] += module.a_plus * math.exp(-(tp - tq) / module.tau_plus)
                        elif tp < tq:
                            delta[i, j] -= module.a_minus * math.exp(-(tq - tp) / module.tau_minus)
    return delta
