"""Continuous-depth and continuous-time networks, Kolmogorov–Arnold networks and the continuous thought machine.

Registered in :mod:`implementations.architectures.dynamics`: a neural ODE (``torchdiffeq``), a
closed-form continuous-time (CfC) liquid network, a B-spline KAN and a compact continuous
thought machine.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.components.layers.continuous_cells import ClosedFormContinuousTime


class ODEBlock(nn.Module):
    """``h(t1)`` for ``dh/dt = f(t, h)``, ``h(0) = x``, integrated by ``torchdiffeq.odeint``.

    Chen, Rubanova, Bettencourt, Duvenaud (2018), "Neural Ordinary Differential Equations",
    arXiv:1806.07366. The default fixed-step ``rk4`` solver makes the cost and the result
    deterministic; gradients flow by back-propagation through the solver's steps.

    Args:
        func: The vector field, a module called as ``func(t, h)``.
        t1: Integration end time.
        steps: Fixed solver steps over ``[0, t1]``.
        method: A ``torchdiffeq`` method (``rk4``, ``euler``, ``dopri5``, …).

    """

    def __init__(self, func: nn.Module, t1: float = 1.0, steps: int = 10, method: str = "rk4") -> None:
        super().__init__()
        self.func, self.t1, self.steps, self.method = func, t1, steps, method

    def forward(self, x: Tensor) -> Tensor:
        """Initial states ``[..., d]`` → states at ``t1``."""
        from torchdiffeq import odeint

        times = torch.tensor([0.0, self.t1], dtype=x.dtype)
        options = {"step_size": self.t1 / self.steps} if self.method in {"rk4", "euler", "midpoint"} else None
        out: Tensor = odeint(self.func, x, times, method=self.method, options=options)[-1]
        return out


class MLPField(nn.Module):
    """An autonomous vector field ``f(t, h) = W₂ tanh(W₁ h + b₁) + b₂``."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, dim))

    def forward(self, t: Tensor, h: Tensor) -> Tensor:
        """``dh/dt`` at ``h`` (``t`` unused)."""
        out: Tensor = self.net(h)
        return out


class NeuralODE(nn.Module):
    """A neural-ODE regressor/classifier: ``Linear → ODEBlock(MLP field) → Linear``.

    Chen et al. (2018), "Neural Ordinary Differential Equations", arXiv:1806.07366.

    Args:
        in_features: Input width.
        hidden_features: State width of the ODE.
        out_features: Output width.
        t1: Integration time.
        steps: Fixed rk4 steps.

    """

    def __init__(self, in_features: int = 16, hidden_features: int = 32, out_features: int = 4, t1: float = 1.0, steps: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(in_features, hidden_features),
            ODEBlock(MLPField(hidden_features, hidden_features), t1, steps),
            nn.Linear(hidden_features, out_features),
        )

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]``."""
        out: Tensor = self.net(x)
        return out


class LiquidNetwork(nn.Module):
    """A liquid network: stacked closed-form continuous-time (CfC) layers and a linear read-out.

    Hasani, Lechner, Amini, Liebenwein, Ray, Tschaikowski, Teschl, Rus (2022), "Closed-form
    continuous-time neural networks", Nature Machine Intelligence 4:992–1003, arXiv:2106.13898.
    The layers are the registered
    :class:`~implementations.components.layers.continuous_cells.ClosedFormContinuousTime` cells.

    Args:
        in_features: Input width.
        hidden_size: CfC state width.
        out_features: Read-out width.
        backbone_size: CfC backbone width.
        num_layers: Stacked CfC layers.

    """

    def __init__(
        self, in_features: int = 8, hidden_size: int = 32, out_features: int = 4, backbone_size: int = 32, num_layers: int = 1
    ) -> None:
        super().__init__()
        widths = [in_features] + [hidden_size] * num_layers
        cells = (ClosedFormContinuousTime(a, b, backbone_size) for a, b in itertools.pairwise(widths))
        self.net = nn.Sequential(*cells, nn.Linear(hidden_size, out_features))

    def forward(self, x: Tensor) -> Tensor:
        """Inputs ``[B, T, in_features]`` → ``[B, T, out_features]``."""
        out: Tensor = self.net(x)
        return out


def bspline_basis(x: Tensor, knots: Tensor, order: int) -> Tensor:
    """Cox–de Boor: the ``len(knots) − order − 1`` B-splines of ``order`` at ``x`` → ``[..., n_basis]``."""
    x = x[..., None]
    basis = ((x >= knots[:-1]) & (x < knots[1:])).to(x.dtype)
    for p in range(1, order + 1):
        left = (x - knots[: -(p + 1)]) / (knots[p:-1] - knots[: -(p + 1)]) * basis[..., :-1]
        right = (knots[p + 1 :] - x) / (knots[p + 1 :] - knots[1:-p]) * basis[..., 1:]
        basis = left + right
    return basis


class KANLayer(nn.Module):
    """A Kolmogorov–Arnold layer: a learnable univariate function on every edge, summed at each output.

    Liu, Wang, Vaidya, Ruehle, Halverson, Soljačić, Hou, Tegmark (2024), "KAN: Kolmogorov-Arnold
    Networks", arXiv:2404.19756. ``y_j = Σ_i φ_ji(x_i)`` with
    ``φ_ji(x) = w_ji · silu(x) + Σ_k c_jik B_k(x)``: B-splines of ``order`` on a uniform grid of
    ``grid_size`` intervals over ``[−grid_range, grid_range]``, extended by ``order`` knots each
    side (the paper's spline scale ``w_s`` is folded into ``c``).

    Args:
        in_features: Inputs.
        out_features: Outputs.
        grid_size: Grid intervals ``G``.
        order: Spline order ``k`` (3: cubic).
        grid_range: Half-width of the grid.

    """

    knots: Tensor

    def __init__(self, in_features: int, out_features: int, grid_size: int = 5, order: int = 3, grid_range: float = 1.0) -> None:
        super().__init__()
        step = 2 * grid_range / grid_size
        self.register_buffer("knots", torch.arange(-order, grid_size + order + 1) * step - grid_range)
        self.order = order
        self.base_weight = nn.Parameter(torch.randn(out_features, in_features) / in_features**0.5)
        self.coefficients = nn.Parameter(torch.randn(out_features, in_features, grid_size + order) * 0.1)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_features]`` → ``[B, out_features]``."""
        splines = bspline_basis(x, self.knots, self.order)  # [B, in, n_basis]
        return F.silu(x) @ self.base_weight.T + torch.einsum("bik,oik->bo", splines, self.coefficients)


def kan_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Inputs ``[4, widths[0]]`` inside the default grid range."""
    return (torch.rand(4, int((args.get("widths") or [16])[0])) * 2 - 1,)


class KolmogorovArnoldNetwork(nn.Module):
    """A stack of :class:`KANLayer` (Liu et al. 2024, arXiv:2404.19756), e.g. widths ``[16, 8, 4]``.

    Args:
        widths: Layer widths, input first.
        grid_size: Grid intervals of every layer.
        order: Spline order.

    """

    def __init__(self, widths: list[int] | None = None, grid_size: int = 5, order: int = 3) -> None:
        super().__init__()
        widths = widths or [16, 8, 4]
        self.layers = nn.Sequential(*(KANLayer(a, b, grid_size, order) for a, b in itertools.pairwise(widths)))

    def forward(self, x: Tensor) -> Tensor:
        """``[B, widths[0]]`` → ``[B, widths[-1]]``."""
        out: Tensor = self.layers(x)
        return out


class ContinuousThoughtMachine(nn.Module):
    """A compact continuous thought machine: an internal loop of ticks, neuron-level models and synchronization.

    Darlow, Regan, Risi, Seely, Jones (2025), "Continuous Thought Machines", arXiv:2505.05522. Per
    tick: a query from the *action* synchronization attends over the input tokens; a synapse MLP
    maps ``[z ‖ attention]`` to pre-activations, whose last ``memory_length`` values each neuron's
    private MLP (a neuron-level model, weights ``[D, M, H]``) turns into its post-activation ``z``.
    The *output* synchronization — decayed inner products ``Σ_τ e^{−r(t−τ)} z_i z_j`` of fixed random
    neuron pairs, normalised by ``√Σ_τ e^{−r(t−τ)}`` — is projected to a prediction at every tick.

    Args:
        in_features: Token width.
        num_neurons: Neurons ``D``.
        memory_length: Pre-activation history ``M``.
        nlm_hidden: Hidden width of each neuron-level model.
        num_pairs: Neuron pairs per synchronization representation.
        out_features: Prediction width.
        ticks: Internal ticks.
        num_heads: Attention heads.

    """

    pairs: Tensor

    def __init__(
        self,
        in_features: int = 16,
        num_neurons: int = 32,
        memory_length: int = 4,
        nlm_hidden: int = 4,
        num_pairs: int = 16,
        out_features: int = 4,
        ticks: int = 6,
        num_heads: int = 2,
    ) -> None:
        super().__init__()
        self.ticks, width = ticks, num_pairs
        self.kv = nn.Linear(in_features, width)
        self.query = nn.Linear(num_pairs, width)
        self.attention = nn.MultiheadAttention(width, num_heads, batch_first=True)
        self.synapse = nn.Sequential(nn.Linear(num_neurons + width, 2 * num_neurons), nn.GLU(), nn.LayerNorm(num_neurons))
        self.nlm_w1 = nn.Parameter(torch.randn(num_neurons, memory_length, 2 * nlm_hidden) / memory_length**0.5)
        self.nlm_w2 = nn.Parameter(torch.randn(num_neurons, nlm_hidden) / nlm_hidden**0.5)
        self.history0 = nn.Parameter(torch.randn(num_neurons, memory_length) * 0.1)
        self.z0 = nn.Parameter(torch.randn(num_neurons) * 0.1)
        self.decay = nn.Parameter(torch.zeros(2, num_pairs))  # action, output
        self.register_buffer("pairs", torch.randint(0, num_neurons, (2, 2, num_pairs)))  # [action/output, i/j, pairs]
        self.output = nn.Linear(num_pairs, out_features)

    def forward(self, x: Tensor) -> Tensor:
        """Tokens ``[B, N, in_features]`` → predictions at every tick ``[B, out_features, ticks]``."""
        batch, kv = x.shape[0], self.kv(x)
        history, z = self.history0.expand(batch, -1, -1), self.z0.expand(batch, -1)
        rate = torch.exp(-self.decay.clamp(0, 15))[None]  # [1, action/output, pairs]
        products = z[:, self.pairs[:, 0]] * z[:, self.pairs[:, 1]]  # [B, 2, pairs]
        alpha, beta = products, torch.ones_like(products)
        predictions = []
        for _ in range(self.ticks):
            sync = (alpha / beta.sqrt()).unbind(1)
            read, _ = self.attention(self.query(sync[0])[:, None], kv, kv, need_weights=False)
            pre = self.synapse(torch.cat([z, read[:, 0]], -1))
            history = torch.cat([history[..., 1:], pre[..., None]], -1)
            z = torch.einsum("bdh,dh->bd", F.glu(torch.einsum("bdm,dmh->bdh", history, self.nlm_w1), -1), self.nlm_w2)
            products = z[:, self.pairs[:, 0]] * z[:, self.pairs[:, 1]]
            alpha, beta = rate * alpha + products, rate * beta + 1
            predictions.append(self.output((alpha / beta.sqrt())[:, 1]))
        return torch.stack(predictions, -1)
