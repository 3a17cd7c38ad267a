"""Expert-choice mixture of experts, GraphSAGE and hypergraph convolution, with loop oracles."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn


class ExpertChoiceMoE(nn.Module):
    """Mixture of experts with expert-choice routing: each expert picks its top-``c`` tokens.

    Router scores ``S = softmax(X W_r)`` over experts ``[N, E]``; expert ``e`` takes the
    ``c = ⌈N · capacity_factor / E⌉`` tokens with the highest ``S[:, e]`` and the output is
    ``y_i = Σ_{e: i ∈ chosen(e)} S[i, e] · E_e(x_i)``. Every expert is exactly full (perfect load
    balance without an auxiliary loss); a token may be chosen by several experts or by none.

    Reference: Zhou, Lei, Liu, Du, Huang, Zhao, Dai, Chen, Le, Laudon (2022), "Mixture-of-Experts
    with Expert Choice Routing", arXiv:2202.09368.

    Args:
        dim: Token width.
        num_experts: Experts ``E``.
        capacity_factor: Average experts per token (the paper's ``c``; 2 in its main runs).
        hidden_dim: Hidden width of every expert MLP (default ``4·dim``).

    """

    def __init__(self, dim: int, num_experts: int = 4, capacity_factor: float = 2.0, hidden_dim: int | None = None) -> None:
        super().__init__()
        hidden = 4 * dim if hidden_dim is None else hidden_dim
        self.dim, self.num_experts, self.capacity_factor = dim, num_experts, capacity_factor
        self.router = nn.Linear(dim, num_experts, bias=False)
        self.experts = nn.ModuleList(nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)) for _ in range(num_experts))

    def capacity(self, tokens: int) -> int:
        """Tokens per expert, at most all of them."""
        return min(tokens, math.ceil(tokens * self.capacity_factor / self.num_experts))

    def forward(self, x: Tensor) -> Tensor:
        """Tokens ``[..., dim]`` → same shape."""
        tokens = x.reshape(-1, self.dim)
        scores = torch.softmax(self.router(tokens), dim=-1)
        top, chosen = scores.topk(self.capacity(tokens.shape[0]), dim=0)  # [c, E]: each expert's picks
        out = torch.zeros_like(tokens)
        for e, expert in enumerate(self.experts):
            out = out.index_add(0, chosen[:, e], expert(tokens[chosen[:, e]]) * top[:, e, None])
        return out.reshape(x.shape)


class SAGEConv(nn.Module):
    """GraphSAGE layer with the mean aggregator: ``h_v' = W_self h_v + W_neigh · mean_{u ∈ N(v)} h_u``.

    Reference: Hamilton, Ying, Leskovec (2017), "Inductive Representation Learning on Large
    Graphs", arXiv:1706.02216 (Algorithm 1 with the mean aggregator; the concatenation
    ``W·[h_v ‖ h_N(v)]`` is written as two matrices). Neighbourhoods come from a dense adjacency
    ``[N, N]`` (``adj[v, u] ≠ 0``: ``u`` is a neighbour of ``v``); sampling a fixed number of
    neighbours is a data-loader step and not part of the layer. Isolated nodes aggregate zero.

    Args:
        in_channels: Input feature size.
        out_channels: Output feature size.
        normalize: L2-normalise the output rows (line 7 of Algorithm 1).
        bias: Learn an additive bias.

    """

    def __init__(self, in_channels: int = 8, out_channels: int = 16, normalize: bool = False, bias: bool = True) -> None:
        super().__init__()
        self.normalize = normalize
        self.self_proj = nn.Linear(in_channels, out_channels, bias=bias)
        self.neigh_proj = nn.Linear(in_channels, out_channels, bias=False)

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Features ``[N, in]`` and adjacency ``[N, N]`` → ``[N, out]``."""
        links = (adj != 0).to(x.dtype)
        mean = (links @ x) / links.sum(1, keepdim=True).clamp_min(1.0)
        out = self.self_proj(x) + self.neigh_proj(mean)
        return nn.functional.normalize(out, dim=-1) if self.normalize else out


class HypergraphConv(nn.Module):
    """Hypergraph convolution ``X' = D_v^{−½} H W D_e^{−1} Hᵀ D_v^{−½} X Θ + b``.

    ``H [N, M]`` is the incidence matrix (node ``v`` in hyperedge ``e``), ``W`` the diagonal of
    hyperedge weights (ones here), ``D_v``/``D_e`` the node and hyperedge degrees.

    Reference: Feng, You, Zhang, Ji, Gao (2019), "Hypergraph Neural Networks",
    arXiv:1809.09401 (equation 10).

    Args:
        in_channels: Input feature size.
        out_channels: Output feature size.
        bias: Learn an additive bias.

    """

    def __init__(self, in_channels: int = 8, out_channels: int = 16, bias: bool = True) -> None:
        super().__init__()
        self.theta = nn.Linear(in_channels, out_channels, bias=bias)

    def forward(self, x: Tensor, incidence: Tensor) -> Tensor:
        """Features ``[N, in]`` and incidence ``[N, M]`` → ``[N, out]`` (empty nodes/edges contribute zero)."""
        node_degree, edge_degree = incidence.sum(1), incidence.sum(0)
        dv = torch.where(node_degree > 0, node_degree.clamp_min(1e-12).rsqrt(), torch.zeros_like(node_degree))
        de = torch.where(edge_degree > 0, 1.0 / edge_degree.clamp_min(1e-12), torch.zeros_like(edge_degree))
        propagate = dv[:, None] * (incidence * de[None, :]) @ incidence.T * dv[None, :]
        out = propagate @ (x @ self.theta.weight.T)
        return out + self.theta.bias if self.theta.bias is not None else out


# --- samples and float64 oracles ------------------------------------------------------------------


def hypergraph(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Features ``[6, in_channels]`` and a 0/1 incidence ``[6, 4]`` (each hyperedge has ≥ 2 nodes)."""
    incidence = (torch.rand(6, 4) < 0.5).float()
    incidence[0, :] = incidence[1, :] = 1.0
    return torch.randn(6, int(args.get("in_channels", 8))), incidence


def expert_choice_oracle(module: ExpertChoiceMoE, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Dense evaluation of every expert on every token, weighted by the expert-choice gate matrix."""
    x = inputs[0].double()
    tokens = x.reshape(-1, module.dim)
    scores = torch.softmax(tokens @ module.router.weight.double().T, dim=-1)
    capacity = module.capacity(tokens.shape[0])
    gates = torch.zeros_like(scores)
    for e in range(module.num_experts):
        for i in sorted(range(tokens.shape[0]), key=lambda t: -float(scores[t, e]))[:capacity]:
            gates[i, e] = scores[i, e]
    outputs = []
    for expert in module.experts:
        assert isinstance(expert, nn.Sequential)
        first, last = expert[0], expert[2]
        assert isinstance(first, nn.Linear) and isinstance(last, nn.Linear)
        h = tokens @ first.weight.double().T + first.bias.double()
        h = h * 0.5 * (1.0 + torch.erf(h / math.sqrt(2.0)))  # exact GELU
        outputs.append(h @ last.weight.double().T + last.bias.double())
    return (gates[:, :, None] * torch.stack(outputs, dim=1)).sum(dim=1).reshape(x.shape)


def sage_oracle(module: SAGEConv, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Node by node: ``W_self h_v + W_neigh · (Σ_{u ∈ N(v)} h_u) / |N(v)|`` in float64."""
    x, adj = inputs[0].double(), inputs[1]
    w_self, w_neigh = module.self_proj.weight.double(), module.neigh_proj.weight.double()
    rows = []
    for v in range(x.shape[0]):
        neighbours = [u for u in range(x.shape[0]) if adj[v, u] != 0]
        mean = sum((x[u] for u in neighbours), torch.zeros_like(x[v])) / max(len(neighbours), 1)
        row = w_self @ x[v] + w_neigh @ mean
        row = row + module.self_proj.bias.double() if module.self_proj.bias is not None else row
        rows.append(row / row.norm() if module.normalize else row)
    return torch.stack(rows)


def hypergraph_oracle(module: HypergraphConv, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Equation 10 with explicit diagonal degree matrices, in float64."""
    x, h = inputs[0].double(), inputs[1].double()
    dv = torch.diag(h.sum(1) ** -0.5)
    de = torch.diag(1.0 / h.sum(0))
    out = dv @ h @ de @ h.T @ dv @ x @ module.theta.weight.double().T
    return out + module.theta.bias.double() if module.theta.bias is not None else out
