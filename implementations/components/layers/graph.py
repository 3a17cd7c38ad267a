"""Reference graph layers on dense adjacency matrices: GCN, GIN and GAT.

Every layer takes node features ``x`` of shape ``[N, F]`` and a dense adjacency ``adj`` of shape
``[N, N]`` where ``adj[i, j] ≠ 0`` means node ``i`` receives a message from node ``j`` (weighted
entries are allowed for GCN and GIN). Dense matrices keep the code a literal transcription of
the papers' formulas; for large sparse graphs use a message-passing library instead.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

NUM_NODES = 6


def _with_self_loops(adj: Tensor) -> Tensor:
    """``Ã = A + I`` with any existing diagonal replaced by ones."""
    eye = torch.eye(adj.shape[0], dtype=adj.dtype, device=adj.device)
    return adj * (1 - eye) + eye


class GCNConv(nn.Module):
    """Graph convolution ``H' = D̃^{−½} Ã D̃^{−½} H W + b`` with ``Ã = A + I``.

    Kipf, Welling (2017), "Semi-Supervised Classification with Graph Convolutional Networks",
    arXiv:1609.02907 (equation 2, the renormalisation trick).

    Args:
        in_channels: Input feature size.
        out_channels: Output feature size.
        bias: Learn an additive bias.
        add_self_loops: Use ``Ã = A + I`` (otherwise ``A`` as given).
        normalize: Apply the symmetric degree normalisation.

    """

    def __init__(
        self, in_channels: int = 8, out_channels: int = 16, bias: bool = True, add_self_loops: bool = True, normalize: bool = True
    ) -> None:
        super().__init__()
        self.add_self_loops, self.normalize = add_self_loops, normalize
        self.weight = nn.Parameter(torch.empty(in_channels, out_channels))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        nn.init.xavier_uniform_(self.weight)

    def propagation_matrix(self, adj: Tensor) -> Tensor:
        """``D̃^{−½} Ã D̃^{−½}`` (or the unnormalised ``Ã``); isolated nodes get zero rows."""
        a_tilde = _with_self_loops(adj) if self.add_self_loops else adj
        if not self.normalize:
            return a_tilde
        degree = a_tilde.sum(1)
        inv_sqrt = torch.where(degree > 0, degree.clamp_min(1e-12).rsqrt(), torch.zeros_like(degree))
        return inv_sqrt[:, None] * a_tilde * inv_sqrt[None, :]

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Node features ``[N, in_channels]`` and adjacency ``[N, N]`` → ``[N, out_channels]``."""
        out = self.propagation_matrix(adj) @ (x @ self.weight)
        return out + self.bias if self.bias is not None else out


class GINConv(nn.Module):
    """Graph isomorphism layer ``h_v' = MLP((1 + ε)·h_v + Σ_{u∈N(v)} h_u)``.

    Xu, Hu, Leskovec, Jegelka (2019), "How Powerful are Graph Neural Networks?",
    arXiv:1810.00826 (equation 4.1). ``train_eps=False`` with ``eps=0`` is GIN-0; a learnable ε
    is GIN-ε.

    Args:
        in_channels: Input feature size.
        out_channels: Output feature size.
        hidden_channels: Width of the two-layer MLP (defaults to ``out_channels``).
        eps: Initial (or fixed) ε.
        train_eps: Learn ε.
        mlp: Optional custom update network replacing the default ``Linear-ReLU-Linear``.

    """

    def __init__(
        self,
        in_channels: int = 8,
        out_channels: int = 16,
        hidden_channels: int | None = None,
        eps: float = 0.0,
        train_eps: bool = False,
        mlp: nn.Module | None = None,
    ) -> None:
        super().__init__()
        hidden = hidden_channels or out_channels
        self.mlp = mlp or nn.Sequential(nn.Linear(in_channels, hidden), nn.ReLU(), nn.Linear(hidden, out_channels))
        if train_eps:
            self.eps = nn.Parameter(torch.tensor(float(eps)))
        else:
            self.register_buffer("eps", torch.tensor(float(eps)))

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Node features ``[N, in_channels]`` and adjacency ``[N, N]`` (no self-loops) → ``[N, out_channels]``."""
        out: Tensor = self.mlp((1 + self.eps) * x + adj @ x)
        return out


class GATConv(nn.Module):
    """Graph attention layer with one or several heads.

    Veličković, Cucurull, Casanova, Romero, Liò, Bengio (2018), "Graph Attention Networks",
    arXiv:1710.10903. Per head ``k``: ``e_ij = LeakyReLU(aᵀ[W h_i ‖ W h_j])`` for ``j ∈ N(i) ∪ {i}``,
    ``α_ij = softmax_j(e_ij)``, ``h_i' = Σ_j α_ij W h_j``; heads are concatenated (hidden layers)
    or averaged (``concat=False``, the paper's output layer). ``aᵀ[·‖·]`` is split into a
    target part and a source part so all scores come from one broadcast sum.

    Args:
        in_channels: Input feature size.
        out_channels: Features per head.
        heads: Number of attention heads ``K``.
        concat: Concatenate heads (``K·out_channels`` outputs) instead of averaging them.
        negative_slope: LeakyReLU slope of the scoring function (0.2 in the paper).
        dropout: Dropout on the attention coefficients during training (0.6 in the paper).
        add_self_loops: Let each node attend to itself.
        bias: Learn an additive bias.

    """

    def __init__(
        self,
        in_channels: int = 8,
        out_channels: int = 16,
        heads: int = 1,
        concat: bool = True,
        negative_slope: float = 0.2,
        dropout: float = 0.0,
        add_self_loops: bool = True,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.heads, self.out_channels, self.concat = heads, out_channels, concat
        self.negative_slope, self.dropout, self.add_self_loops = negative_slope, dropout, add_self_loops
        self.lin = nn.Linear(in_channels, heads * out_channels, bias=False)
        self.att_target = nn.Parameter(torch.empty(heads, out_channels))
        self.att_source = nn.Parameter(torch.empty(heads, out_channels))
        self.bias = nn.Parameter(torch.zeros(heads * out_channels if concat else out_channels)) if bias else None
        nn.init.xavier_uniform_(self.att_target)
        nn.init.xavier_uniform_(self.att_source)

    def attention(self, x: Tensor, adj: Tensor) -> tuple[Tensor, Tensor]:
        """Coefficients ``α`` ``[K, N, N]`` (rows: targets) and projected features ``[K, N, out]``."""
        h = self.lin(x).view(x.shape[0], self.heads, self.out_channels).transpose(0, 1)
        scores = (h * self.att_target[:, None]).sum(-1)[:, :, None] + (h * self.att_source[:, None]).sum(-1)[:, None, :]
        scores = F.leaky_relu(scores, self.negative_slope)
        edges = (_with_self_loops(adj) if self.add_self_loops else adj) != 0
        alpha = torch.softmax(scores.masked_fill(~edges, float("-inf")), dim=-1).nan_to_num(0.0)
        return F.dropout(alpha, self.dropout, self.training), h

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Node features ``[N, in_channels]`` and adjacency ``[N, N]`` → ``[N, K·out]`` or ``[N, out]``."""
        alpha, h = self.attention(x, adj)
        out = alpha @ h  # [K, N, out]
        out = out.transpose(0, 1).reshape(x.shape[0], -1) if self.concat else out.mean(0)
        return out + self.bias if self.bias is not None else out


# --- sample inputs and float64 oracles for the smoke tests -------------------------------------


def graph(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Features ``[6, in_channels]`` and a symmetric 0/1 adjacency without self-loops."""
    upper = torch.triu((torch.rand(NUM_NODES, NUM_NODES) < 0.5).float(), diagonal=1)
    return torch.randn(NUM_NODES, int(args.get("in_channels", 8))), upper + upper.T


def gcn_oracle(module: GCNConv, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """``D̃^{−½}(A + I)D̃^{−½} X W + b`` in float64 with explicit diagonal matrices (isolated nodes → 0)."""
    x, adj = inputs[0].double(), inputs[1].double()
    a_tilde = adj + torch.eye(adj.shape[0], dtype=torch.float64) if args.get("add_self_loops", True) else adj
    if args.get("normalize", True):
        degree = a_tilde.sum(1)
        d_inv_sqrt = torch.diag(torch.where(degree > 0, degree, 1.0) ** -0.5 * (degree > 0))
        a_tilde = d_inv_sqrt @ a_tilde @ d_inv_sqrt
    out = a_tilde @ x @ module.weight.detach().double()
    return out + module.bias.detach().double() if module.bias is not None else out


def gin_oracle(module: GINConv, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """The MLP (in float64) applied to ``(1 + ε)·x_v`` plus an explicit loop-sum over neighbours."""
    x, adj = inputs[0].double(), inputs[1].double()
    eps = float(module.eps)
    rows = [
        (1 + eps) * x[v] + sum((adj[v, u] * x[u] for u in range(x.shape[0]) if adj[v, u] != 0), torch.zeros_like(x[v]))
        for v in range(x.shape[0])
    ]
    out: Tensor = copy.deepcopy(module.mlp).double()(torch.stack(rows))
    return out


def gat_oracle(module: GATConv, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """GAT in float64, node by node: ``aᵀ[W h_i ‖ W h_j]`` over ``N(i) ∪ {i}``, softmax, weighted sum."""
    x, adj = inputs[0].double(), inputs[1]
    heads, width = module.heads, module.out_channels
    w = module.lin.weight.detach().double().view(heads, width, -1)
    a = torch.cat([module.att_target.detach(), module.att_source.detach()], 1).double()  # [K, 2·out]
    outputs = []
    for k in range(heads):
        h = x @ w[k].T
        rows = []
        for i in range(x.shape[0]):
            neighbours = [j for j in range(x.shape[0]) if (j == i and module.add_self_loops) or adj[i, j] != 0]
            if not neighbours:
                rows.append(torch.zeros(width, dtype=torch.float64))
                continue
            e = torch.stack([F.leaky_relu(a[k] @ torch.cat([h[i], h[j]]), module.negative_slope) for j in neighbours])
            rows.append((torch.softmax(e, 0)[:, None] * h[neighbours]).sum(0))
        outputs.append(torch.stack(rows))
    out = torch.cat(outputs, 1) if module.concat else torch.stack(outputs).mean(0)
    return out + module.bias.detach().double() if module.bias is not None else out
