"""Whole graph networks built from the registered graph layers: a GCN, a temporal graph network, a graph transformer.

Registered in :mod:`implementations.architectures.sequence`. Graphs are dense: node features
``[N, F]`` and an adjacency ``[N, N]`` (see :mod:`implementations.components.layers.graph`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.components.layers.attention import GroupedQueryAttention
from implementations.components.layers.graph import NUM_NODES, GATConv, GCNConv


class GraphConvNetwork(nn.Module):
    """A node classifier of stacked GCN layers with ReLU and dropout between them.

    Kipf, Welling (2017), "Semi-Supervised Classification with Graph Convolutional Networks",
    arXiv:1609.02907 (the two-layer model of §3.1, deeper on request).

    Args:
        in_channels: Node feature width.
        hidden_channels: Hidden width.
        out_channels: Classes (output width).
        num_layers: GCN layers (≥ 1).
        dropout: Dropout between layers.

    """

    def __init__(
        self, in_channels: int = 8, hidden_channels: int = 16, out_channels: int = 4, num_layers: int = 2, dropout: float = 0.5
    ) -> None:
        super().__init__()
        widths = [in_channels] + [hidden_channels] * (num_layers - 1) + [out_channels]
        self.layers = nn.ModuleList(GCNConv(a, b) for a, b in itertools.pairwise(widths))
        self.dropout = dropout

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Node features ``[N, in_channels]``, adjacency ``[N, N]`` → ``[N, out_channels]``."""
        for i, layer in enumerate(self.layers):
            x = layer(x, adj)
            if i < len(self.layers) - 1:
                x = F.dropout(F.relu(x), self.dropout, self.training)
        return x


def laplacian_eigenvectors(adj: Tensor, k: int) -> Tensor:
    """The ``k`` eigenvectors of ``L = I − D^{−½} A D^{−½}`` after the trivial one (smallest eigenvalues), zero-padded ``[N, k]``."""
    degree = adj.sum(1)
    inv_sqrt = torch.where(degree > 0, degree.clamp_min(1e-12).rsqrt(), torch.zeros_like(degree))
    laplacian = torch.eye(len(adj), dtype=adj.dtype) - inv_sqrt[:, None] * adj * inv_sqrt[None, :]
    vectors = torch.linalg.eigh(laplacian).eigenvectors[:, 1 : k + 1]
    return F.pad(vectors, (0, k - vectors.shape[1]))


class GraphTransformer(nn.Module):
    """Graph transformer: attention restricted to neighbours, Laplacian positional encodings.

    Dwivedi, Bresson (2021), "A Generalization of Transformer Networks to Graphs",
    arXiv:2012.09699. ``h⁰ = W x + W_pe λ`` with ``λ`` the ``pe_dim`` smallest non-trivial
    Laplacian eigenvectors; each layer is multi-head attention over ``N(i) ∪ {i}`` then a
    feed-forward network, each with a residual and LayerNorm. (The eigenvectors' random sign
    flips used in training are left out, which keeps the network deterministic.)

    Args:
        in_channels: Node feature width.
        hidden_channels: Width.
        out_channels: Output width.
        num_layers: Layers.
        num_heads: Attention heads.
        pe_dim: Laplacian eigenvectors used.

    """

    def __init__(
        self,
        in_channels: int = 8,
        hidden_channels: int = 32,
        out_channels: int = 4,
        num_layers: int = 2,
        num_heads: int = 4,
        pe_dim: int = 4,
    ) -> None:
        super().__init__()
        self.pe_dim = pe_dim
        self.embed, self.embed_pe = nn.Linear(in_channels, hidden_channels), nn.Linear(pe_dim, hidden_channels)
        self.attention = nn.ModuleList(GroupedQueryAttention(hidden_channels, num_heads) for _ in range(num_layers))
        self.ffn = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden_channels, 2 * hidden_channels), nn.ReLU(), nn.Linear(2 * hidden_channels, hidden_channels))
            for _ in range(num_layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(hidden_channels) for _ in range(2 * num_layers))
        self.readout = nn.Linear(hidden_channels, out_channels)

    def forward(self, x: Tensor, adj: Tensor) -> Tensor:
        """Node features ``[N, in_channels]``, adjacency ``[N, N]`` → ``[N, out_channels]``."""
        h = (self.embed(x) + self.embed_pe(laplacian_eigenvectors(adj.to(x.dtype), self.pe_dim)))[None]
        blocked = torch.zeros_like(adj, dtype=x.dtype).masked_fill((adj + torch.eye(len(adj), dtype=adj.dtype)) == 0, float("-inf"))
        for i, (attention, ffn) in enumerate(zip(self.attention, self.ffn, strict=True)):
            h = self.norms[2 * i](h + attention(h, attn_bias=blocked))
            h = self.norms[2 * i + 1](h + ffn(h))
        out: Tensor = self.readout(h[0])
        return out


class TemporalGraphNetwork(nn.Module):
    """Temporal graph network: per-node memory updated from timestamped events, then graph attention.

    Rossi, Chamberlain, Frasca, Eynard, Monti, Bronstein (2020), "Temporal Graph Networks for Deep
    Learning on Dynamic Graphs", arXiv:2006.10637. Each event ``(i, j, t, e)`` sends the messages
    ``[s_i ‖ s_j ‖ φ(t − t_i⁻) ‖ e]`` to ``i`` (and the mirrored one to ``j``), with the time encoding
    ``φ(Δt) = cos(Δt·w + b)``; each node keeps its most recent message (the "last" aggregator) and a
    GRU updates its memory ``s``. Embeddings are one graph-attention layer over the batch's event
    graph on ``[s ‖ W x]``. The memory persists between calls (stored detached, as in the paper's
    training); :meth:`reset_memory` clears it. Within a batch the memory is updated before
    embedding (the simple variant; the paper updates from the previous batch's messages).

    Args:
        num_nodes: Nodes.
        node_features: Node feature width.
        edge_features: Event feature width.
        memory_dim: Memory width.
        time_dim: Time-encoding width.
        embedding_dim: Output width.

    """

    memory: Tensor
    last_update: Tensor

    def __init__(
        self,
        num_nodes: int = NUM_NODES,
        node_features: int = 8,
        edge_features: int = 4,
        memory_dim: int = 16,
        time_dim: int = 8,
        embedding_dim: int = 16,
    ) -> None:
        super().__init__()
        self.time_w = nn.Parameter(1 / 10 ** torch.linspace(0, 4, time_dim))
        self.time_b = nn.Parameter(torch.zeros(time_dim))
        self.updater = nn.GRUCell(2 * memory_dim + time_dim + edge_features, memory_dim)
        self.node_proj = nn.Linear(node_features, memory_dim)
        self.embedding = GATConv(2 * memory_dim, embedding_dim, heads=2, concat=False)
        self.register_buffer("memory", torch.zeros(num_nodes, memory_dim))
        self.register_buffer("last_update", torch.zeros(num_nodes))

    def reset_memory(self) -> None:
        """Forget every node's memory."""
        self.memory.zero_()
        self.last_update.zero_()

    def forward(self, x: Tensor, src: Tensor, dst: Tensor, times: Tensor, edge_attr: Tensor) -> Tensor:
        """Node features ``[N, F]``, time-sorted events ``src``, ``dst``, ``times`` ``[E]`` with ``edge_attr [E, F_e]`` → ``[N, emb]``."""
        memory, last = self.memory.to(x.dtype), self.last_update.to(x.dtype)
        nodes, peers = torch.stack([src, dst], 1).flatten(), torch.stack([dst, src], 1).flatten()  # in event order
        when, features = times.repeat_interleave(2), edge_attr.repeat_interleave(2, 0)
        encoded = torch.cos((when - last[nodes])[:, None] * self.time_w + self.time_b)
        messages = torch.cat([memory[nodes], memory[peers], encoded, features], -1)
        latest = torch.full((len(memory),), -1, dtype=torch.long).scatter_reduce(0, nodes, torch.arange(len(nodes)), "amax")
        touched = latest >= 0
        updated = memory.clone()
        updated[touched] = self.updater(messages[latest[touched]], memory[touched])
        adj = torch.zeros(len(memory), len(memory), dtype=x.dtype)
        adj[src, dst] = adj[dst, src] = 1.0
        out: Tensor = self.embedding(torch.cat([updated, self.node_proj(x)], -1), adj)
        with torch.no_grad():
            self.memory.copy_(updated)
            self.last_update.scatter_reduce_(0, nodes, when.to(self.last_update.dtype), "amax")
        return out


def temporal_events(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Node features and 10 time-sorted events between distinct nodes with features."""
    num_nodes, events = int(args.get("num_nodes", NUM_NODES)), 10
    src = torch.randint(0, num_nodes, (events,))
    dst = (src + torch.randint(1, num_nodes, (events,))) % num_nodes
    times = torch.sort(torch.rand(events) * 10).values
    return (
        torch.randn(num_nodes, int(args.get("node_features", 8))),
        src,
        dst,
        times,
        torch.randn(events, int(args.get("edge_features", 4))),
    )
