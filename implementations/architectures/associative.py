"""Associative memories and competitive maps: Hopfield networks (classic and modern), SOM, growing neural gas.

Registered in :mod:`implementations.architectures.dynamics`. The maps learn by their own rules
(Hebbian storage, Kohonen's neighbourhood update, Fritzke's growth); their ``forward`` is the
differentiable read-out (retrieved pattern, distances to the units) so they also fit in a
gradient-trained model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn


class ClassicHopfieldNetwork(nn.Module):
    """Binary (±1) Hopfield network with Hebbian outer-product storage and sign updates.

    Hopfield (1982), "Neural networks and physical systems with emergent collective computational
    abilities", PNAS 79(8):2554–2558. ``W = (1/N) Σ_μ ξ^μ ξ^μᵀ`` with a zero diagonal; recall
    iterates ``s ← sign(W s)`` (synchronously) until the state stops changing. Holds about
    ``0.14·N`` random patterns. It has no trainable parameters (the weights are a buffer).

    Args:
        num_units: Number of binary units ``N``.

    """

    weight: Tensor

    def __init__(self, num_units: int = 64) -> None:
        super().__init__()
        self.register_buffer("weight", torch.zeros(num_units, num_units))

    def store(self, patterns: Tensor) -> None:
        """Hebbian storage of ±1 patterns ``[P, N]`` (replaces what was stored)."""
        weight = patterns.T.float() @ patterns.float() / patterns.shape[1]
        self.weight.copy_(weight.fill_diagonal_(0.0))

    def energy(self, state: Tensor) -> Tensor:
        """``E(s) = −½ sᵀ W s`` per state ``[..., N]``."""
        return -0.5 * ((state @ self.weight) * state).sum(-1)

    def forward(self, state: Tensor, steps: int = 20) -> Tensor:
        """Recall from ±1 cues ``[..., N]``: synchronous sign updates (ties keep the unit's sign)."""
        for _ in range(steps):
            field = state @ self.weight
            new = torch.where(field == 0, state, torch.sign(field))
            if torch.equal(new, state):
                break
            state = new
        return state


class ModernHopfieldNetwork(nn.Module):
    """Continuous modern Hopfield network: one update ``ξ ← Xᵀ softmax(β X ξ)`` retrieves a stored pattern.

    Ramsauer, Schäfl, Lehner, Seidl, Widrich, Adler, Gruber, Holzleitner, Pavlović, Sandve, Greiff,
    Kreil, Kopp, Klambauer, Brandstetter, Hochreiter (2021), "Hopfield Networks is All You Need",
    arXiv:2008.02217. The stored patterns ``X`` ``[M, d]`` are a learnable memory (the paper's
    ``HopfieldLayer``); the energy ``−lse(β, Xξ) + ½ξᵀξ`` decreases with each update, and for
    well-separated patterns one update lands next to the nearest one (exponential capacity in ``d``).

    Args:
        pattern_dim: Width ``d`` of states and patterns.
        num_patterns: Number ``M`` of stored patterns.
        beta: Inverse temperature ``β`` (default ``1/√d``, the attention scaling).
        steps: Updates per forward call.

    """

    def __init__(self, pattern_dim: int = 32, num_patterns: int = 16, beta: float | None = None, steps: int = 1) -> None:
        super().__init__()
        self.beta = 1.0 / math.sqrt(pattern_dim) if beta is None else beta
        self.steps = steps
        self.patterns = nn.Parameter(torch.randn(num_patterns, pattern_dim))

    def store(self, patterns: Tensor) -> None:
        """Replace the stored patterns ``[M, d]``."""
        with torch.no_grad():
            self.patterns.data = patterns.detach().clone().to(self.patterns.dtype)

    def energy(self, state: Tensor) -> Tensor:
        """``E(ξ) = −β⁻¹ log Σ_μ exp(β x_μᵀ ξ) + ½ ξᵀξ`` (constants dropped) per state ``[..., d]``."""
        return -torch.logsumexp(self.beta * state @ self.patterns.T, -1) / self.beta + 0.5 * (state * state).sum(-1)

    def forward(self, state: Tensor) -> Tensor:
        """States ``[..., d]`` → states after ``steps`` updates."""
        for _ in range(self.steps):
            state = torch.softmax(self.beta * state @ self.patterns.T, dim=-1) @ self.patterns
        return state


def pattern_states(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Four query states ``[4, pattern_dim]``."""
    return (torch.randn(4, int(args.get("pattern_dim", 32))),)


class SelfOrganizingMap(nn.Module):
    """Kohonen's self-organizing map on a ``rows × cols`` grid.

    Kohonen (1982), "Self-organized formation of topologically correct feature maps", Biological
    Cybernetics 43:59–69. The best-matching unit (BMU) is the unit nearest to the input; training
    moves every unit toward the input by ``lr · h``, with the Gaussian neighbourhood
    ``h = exp(−‖r_unit − r_bmu‖² / 2σ²)`` measured on the grid. ``forward`` returns the squared
    distances to all units (the map's response, differentiable in the weights).

    Args:
        in_features: Input width.
        rows: Grid rows.
        cols: Grid columns.

    """

    grid: Tensor

    def __init__(self, in_features: int = 8, rows: int = 5, cols: int = 5) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(rows * cols, in_features))
        grid = torch.stack(torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing="ij"), -1)
        self.register_buffer("grid", grid.reshape(-1, 2).float())

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``[B, in_features]`` → squared distances ``[B, rows·cols]``."""
        return ((x[:, None, :] - self.weight[None]) ** 2).sum(-1)

    def bmu(self, x: Tensor) -> Tensor:
        """Index of the best-matching unit of each input ``[B]``."""
        return self.forward(x).argmin(-1)

    @torch.no_grad()
    def update(self, x: Tensor, lr: float = 0.5, sigma: float = 1.0) -> None:
        """One Kohonen step per input (in order): ``w_i += lr · h(i, bmu) · (x − w_i)``."""
        for sample in x:
            winner = self.bmu(sample[None])[0]
            h = torch.exp(-((self.grid - self.grid[winner]) ** 2).sum(-1) / (2 * sigma**2))
            self.weight.add_(lr * h[:, None] * (sample - self.weight))


class GrowingNeuralGas(nn.Module):
    """Fritzke's growing neural gas: units and a graph of edges that grow to fit the data's topology.

    Fritzke (1995), "A Growing Neural Gas Network Learns Topologies", NIPS 7:625–632. For each
    input: the nearest unit ``s1`` and second-nearest ``s2`` are found, ``s1`` accumulates the
    squared error, moves by ``eps_b`` toward the input and its neighbours by ``eps_n``; the edge
    ``s1–s2`` is created or its age reset, the other edges of ``s1`` age and those older than
    ``max_age`` are removed (with units left without edges). Every ``insert_every`` inputs a unit
    is inserted halfway between the unit with the largest error and its worst neighbour. Starts
    with two units; ``forward`` returns the squared distances to the current units.

    Args:
        in_features: Input width.
        max_units: Growth stops at this many units.
        eps_b: Step of the winner.
        eps_n: Step of the winner's neighbours.
        max_age: Edges older than this are removed.
        insert_every: Inputs between insertions (λ).
        alpha: Error decay of the two units involved in an insertion.
        decay: Error decay of every unit after each input (d).

    """

    def __init__(
        self,
        in_features: int = 2,
        max_units: int = 20,
        eps_b: float = 0.2,
        eps_n: float = 0.006,
        max_age: int = 50,
        insert_every: int = 100,
        alpha: float = 0.5,
        decay: float = 0.995,
    ) -> None:
        super().__init__()
        self.max_units, self.eps_b, self.eps_n, self.max_age = max_units, eps_b, eps_n, max_age
        self.insert_every, self.alpha, self.decay = insert_every, alpha, decay
        self.units = nn.Parameter(torch.rand(2, in_features))
        self.error = torch.zeros(2)
        self.age = torch.full((2, 2), -1)  # -1: no edge; otherwise the edge's age
        self.seen = 0

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``[B, in_features]`` → squared distances ``[B, units]``."""
        return ((x[:, None, :] - self.units[None]) ** 2).sum(-1)

    @torch.no_grad()
    def update(self, x: Tensor) -> None:
        """Adapt to inputs ``[B, in_features]``, one at a time."""
        for sample in x:
            self._adapt(sample)

    def _adapt(self, sample: Tensor) -> None:
        units = self.units.data
        distances = ((units - sample) ** 2).sum(-1)
        s1, s2 = (int(i) for i in distances.topk(2, largest=False).indices)
        self.error[s1] += distances[s1]
        neighbours = self.age[s1] >= 0
        units[s1] += self.eps_b * (sample - units[s1])
        units[neighbours] += self.eps_n * (sample - units[neighbours])
        self.age[s1, neighbours] += 1
        self.age[neighbours, s1] += 1
        self.age[s1, s2] = self.age[s2, s1] = 0
        self.age[self.age > self.max_age] = -1
        self._remove_isolated()
        self.seen += 1
        if self.seen % self.insert_every == 0 and len(self.units) < self.max_units:
            self._insert()
        self.error *= self.decay

    def _remove_isolated(self) -> None:
        keep = (self.age >= 0).any(1)
        if not bool(keep.all()):
            self.units = nn.Parameter(self.units.data[keep])
            self.error, self.age = self.error[keep], self.age[keep][:, keep]

    def _insert(self) -> None:
        q = int(self.error.argmax())
        neighbours = torch.nonzero(self.age[q] >= 0).flatten()
        f = int(neighbours[self.error[neighbours].argmax()])
        r = len(self.units)
        self.units = nn.Parameter(torch.cat([self.units.data, (self.units.data[q] + self.units.data[f])[None] / 2]))
        age = torch.full((r + 1, r + 1), -1)
        age[:r, :r] = self.age
        age[q, f] = age[f, q] = -1
        age[q, r] = age[r, q] = age[f, r] = age[r, f] = 0
        self.error[q] *= self.alpha
        self.error[f] *= self.alpha
        self.age, self.error = age, torch.cat([self.error, self.error[q : q + 1]])
