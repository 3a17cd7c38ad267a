"""Energy-based models over binary units: the restricted and the general Boltzmann machine.

Both forward to the free energy ``F(v) = −log Σ_h exp(−E(v, h))`` of each visible vector (``[B]``),
and train by contrastive divergence: the loss ``F(v_data) − F(v_model)`` has the gradient
``⟨∂E/∂θ⟩_data − ⟨∂E/∂θ⟩_model``. Registrations are in :mod:`implementations.architectures.generative`.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class _ContrastiveDivergence(nn.Module):
    """Contrastive divergence for a model with ``forward = free energy`` and a ``negative_sample`` Gibbs chain."""

    def negative_sample(self, v: Tensor, steps: int) -> Tensor:
        """Visible states after ``steps`` Gibbs sweeps started at the data ``v``."""
        raise NotImplementedError

    def contrastive_divergence_loss(self, v: Tensor, steps: int = 1) -> Tensor:
        """CD-k surrogate ``mean F(v) − mean F(v_k)`` with the chain's end ``v_k`` held fixed (Hinton 2002)."""
        negative = self.negative_sample(v, steps).detach()
        loss: Tensor = self(v).mean() - self(negative).mean()
        return loss


class RestrictedBoltzmannMachine(_ContrastiveDivergence):
    """A Bernoulli–Bernoulli RBM: ``E(v, h) = −aᵀv − bᵀh − vᵀWh``, ``F(v) = −aᵀv − Σ_j softplus(b_j + (vᵀW)_j)``.

    Smolensky (1986); Hinton (2002), "Training Products of Experts by Minimizing Contrastive
    Divergence", Neural Computation 14(8):1771–1800, doi:10.1162/089976602760128018.

    Args:
        visible_units: Number of visible units.
        hidden_units: Number of hidden units.

    """

    def __init__(self, visible_units: int = 16, hidden_units: int = 8) -> None:
        super().__init__()
        self.weight = nn.Parameter(0.1 * torch.randn(visible_units, hidden_units))
        self.visible_bias = nn.Parameter(torch.zeros(visible_units))
        self.hidden_bias = nn.Parameter(torch.zeros(hidden_units))

    def forward(self, v: Tensor) -> Tensor:
        """The free energy ``F(v)`` per example ``[B]`` (the hidden units summed out in closed form)."""
        return -(v @ self.visible_bias) - F.softplus(v @ self.weight + self.hidden_bias).sum(-1)

    def hidden_probabilities(self, v: Tensor) -> Tensor:
        """``p(h_j = 1 | v) = σ(b_j + (vᵀW)_j)``."""
        return torch.sigmoid(v @ self.weight + self.hidden_bias)

    def visible_probabilities(self, h: Tensor) -> Tensor:
        """``p(v_i = 1 | h) = σ(a_i + (W h)_i)``."""
        return torch.sigmoid(h @ self.weight.T + self.visible_bias)

    def negative_sample(self, v: Tensor, steps: int) -> Tensor:
        """Block Gibbs sampling: ``h ~ p(h | v)``, then ``v ~ p(v | h)``, ``steps`` times."""
        for _ in range(steps):
            v = torch.bernoulli(self.visible_probabilities(torch.bernoulli(self.hidden_probabilities(v))))
        return v


class BoltzmannMachine(_ContrastiveDivergence):
    """A general Boltzmann machine: symmetric weights between all units, ``E(s) = −½ sᵀWs − cᵀs`` with ``s = [v, h]``.

    Ackley, Hinton & Sejnowski (1985), "A Learning Algorithm for Boltzmann Machines", Cognitive
    Science 9(1):147–169, doi:10.1207/s15516709cog0901_7. The free energy sums the ``2^H`` hidden
    states exactly (so keep ``hidden_units`` small); the negative phase runs sequential Gibbs sweeps
    over all units.

    Args:
        visible_units: Number of visible units.
        hidden_units: Number of hidden units (≤ 12: exact enumeration).

    """

    hidden_states: Tensor
    off_diagonal: Tensor

    def __init__(self, visible_units: int = 8, hidden_units: int = 4) -> None:
        super().__init__()
        if not 0 < hidden_units <= 12:
            raise ValueError("hidden_units must be between 1 and 12 (the free energy enumerates 2^H states)")
        units = visible_units + hidden_units
        self.visible_units = visible_units
        self.weight = nn.Parameter(0.1 * torch.randn(units, units))
        self.bias = nn.Parameter(torch.zeros(units))
        states = torch.tensor(list(itertools.product((0.0, 1.0), repeat=hidden_units)))
        self.register_buffer("hidden_states", states)
        self.register_buffer("off_diagonal", 1 - torch.eye(units))

    def symmetric_weight(self) -> Tensor:
        """``W``: the parameter symmetrised, with a zero diagonal (no self-connections)."""
        return 0.5 * (self.weight + self.weight.T) * self.off_diagonal

    def energy(self, s: Tensor) -> Tensor:
        """``E(s) = −½ sᵀWs − cᵀs`` for states ``[..., N]``."""
        return -0.5 * ((s @ self.symmetric_weight()) * s).sum(-1) - s @ self.bias

    def forward(self, v: Tensor) -> Tensor:
        """The free energy ``F(v) = −logsumexp_h(−E(v, h))`` per example ``[B]`` (exact over all hidden states)."""
        hidden = self.hidden_states.expand(v.shape[0], -1, -1)
        states = torch.cat([v[:, None, :].expand(-1, hidden.shape[1], -1), hidden], dim=-1)
        return -torch.logsumexp(-self.energy(states), dim=-1)

    def negative_sample(self, v: Tensor, steps: int) -> Tensor:
        """Sequential Gibbs sweeps over all units, ``p(s_i = 1 | s_rest) = σ(Σ_j W_ij s_j + c_i)``, from ``[v, random h]``."""
        weight = self.symmetric_weight()
        hidden = torch.bernoulli(torch.full((v.shape[0], self.hidden_states.shape[1]), 0.5, dtype=v.dtype, device=v.device))
        s = torch.cat([v, hidden], dim=-1)
        for _ in range(steps):
            for i in range(s.shape[1]):
                s[:, i] = torch.bernoulli(torch.sigmoid(s @ weight[i] + self.bias[i]))
        return s[:, : self.visible_units]


def free_energy_by_enumeration(module: RestrictedBoltzmannMachine, inputs: tuple[Tensor, ...], args: object) -> Tensor:
    """Oracle: ``F(v) = −log Σ_h exp(aᵀv + bᵀh + vᵀWh)`` summed over all ``2^H`` hidden states explicitly."""
    (v,) = inputs
    states = torch.tensor(list(itertools.product((0.0, 1.0), repeat=module.hidden_bias.shape[0])), dtype=v.dtype)
    negative_energy = (v @ module.visible_bias)[:, None] + (states @ module.hidden_bias)[None, :] + v @ module.weight @ states.T
    return -torch.logsumexp(negative_energy, dim=-1)
