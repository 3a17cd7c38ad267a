"""Node classification on a seeded stochastic block model with a two-layer GCN.

The graph is networkx's ``stochastic_block_model``: 4 blocks of 100 nodes, edge probability 0.05
inside a block and 0.01 across (about 5 neighbours inside the node's block and 3 outside it, so the
neighbourhood is informative but noisy). Node features are a weak class
signal plus Gaussian noise, so features alone classify poorly and smoothing over the graph helps.
Each seed draws its graph, its features and a 30/70 train/validation split of the nodes; training
is full-batch on the training nodes, the metric validation-node accuracy (chance 0.25).
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor, nn

from implementations.pairing.protocol import TrialConfig
from implementations.pairing.tasks._common import Problem, accuracy, generator, split_indices
from implementations.registry.factory import create

BLOCKS, BLOCK_SIZE = 4, 100
P_IN, P_OUT = 0.05, 0.01
FEATURES, SIGNAL = 16, 0.4
VAL_FRACTION = 0.7


@functools.lru_cache(maxsize=8)
def block_model(seed: int) -> tuple[Tensor, Tensor, Tensor]:
    """Dense adjacency ``[400, 400]``, node features ``[400, 16]`` and block labels of the seed's graph."""
    import networkx as nx

    probs = [[P_IN if i == j else P_OUT for j in range(BLOCKS)] for i in range(BLOCKS)]
    graph = nx.stochastic_block_model([BLOCK_SIZE] * BLOCKS, probs, seed=seed)
    adj = torch.tensor(nx.to_numpy_array(graph, nodelist=range(BLOCKS * BLOCK_SIZE)), dtype=torch.float32)
    labels = torch.arange(BLOCKS).repeat_interleave(BLOCK_SIZE)
    g = generator(seed)
    features = SIGNAL * torch.randn(BLOCKS, FEATURES, generator=g)[labels] + torch.randn(len(labels), FEATURES, generator=g)
    return adj, features, labels


class GraphNet(nn.Module):
    """Two registered ``gcn`` layers (symmetric normalised adjacency) with a node-level LayerNorm and ReLU between."""

    def __init__(self, adj: Tensor, features: int, hidden: int, classes: int) -> None:
        super().__init__()
        self.register_buffer("adj", adj)
        self.conv1 = create("gcn", in_channels=features, out_channels=hidden)
        self.norm = create("layer-normalization", normalized_shape=hidden)
        self.conv2 = create("gcn", in_channels=hidden, out_channels=classes)

    def forward(self, x: Tensor) -> Tensor:
        """Node features ``[N, F]`` → class logits ``[N, C]``."""
        return self.conv2(torch.relu(self.norm(self.conv1(x, self.adj))), self.adj)  # type: ignore[no-any-return]


def build_graph(config: TrialConfig) -> Problem:
    """Full-batch GCN training on the training nodes of the seed's stochastic block model."""
    adj, x, y = block_model(config.seed)
    train, val = split_indices(len(y), config.seed, VAL_FRACTION)
    model = GraphNet(adj, FEATURES, 32, BLOCKS)
    loss = nn.CrossEntropyLoss()

    def batch_loss(_: int) -> Tensor:
        return loss(model(x)[train], y[train])  # type: ignore[no-any-return]

    def validate() -> tuple[float, float]:
        logits = model(x)[val]
        return float(loss(logits, y[val])), accuracy(logits, y[val])

    return Problem(model, batch_loss, validate)
