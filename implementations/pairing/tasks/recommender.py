"""A sparse-ID task: next-item recommendation with user and item embedding tables.

Synthetic interactions with a power-law item popularity: 1,000 users and 300 items carry hidden
8-dimensional tastes, and user ``u`` picks item ``i`` with probability ∝ ``pop_i · exp(2 ⟨t_u, t_i⟩ / √8)``,
``pop_i ∝ 1 / (i + 10)`` (Zipf). Every user has 12 interactions, one of which is held out for
validation. The model scores items by ``⟨e_u, e_i⟩ + b_i`` (full softmax over items).
A batch of 128 interactions touches at most 128 of the 1,000 user rows, so the user table's
gradient is sparse in every step and rare users are updated rarely: the case Adagrad's
per-coordinate rates are claimed for. The metric is the validation hit rate at 10 (the held-out
item among the 10 best-scored items; popularity alone scores about 0.19, chance 0.033).
"""

from __future__ import annotations

import functools
import math

import torch
from torch import Tensor, nn

from implementations.pairing.protocol import TrialConfig
from implementations.pairing.tasks._common import Problem, batch_indices, generator
from implementations.registry.factory import create

USERS, ITEMS, TASTE = 1000, 300, 8
PER_USER, HELD_OUT = 12, 1
BATCH, DIM, TOP = 128, 32, 10


@functools.lru_cache(maxsize=8)
def interactions(seed: int) -> tuple[Tensor, Tensor]:
    """``(train pairs [USERS·11, 2], validation pairs [USERS, 2])`` of (user, item) for the seed."""
    g = generator(seed)
    users, items = torch.randn(USERS, TASTE, generator=g), torch.randn(ITEMS, TASTE, generator=g)
    popularity = 1.0 / (torch.arange(ITEMS, dtype=torch.float32) + 10.0)
    logits = popularity.log() + 2.0 * users @ items.T / math.sqrt(TASTE)
    picked = torch.multinomial(torch.softmax(logits, dim=1), PER_USER, replacement=True, generator=g)
    pairs = torch.stack([torch.arange(USERS).repeat_interleave(PER_USER), picked.flatten()], dim=1).view(USERS, PER_USER, 2)
    return pairs[:, HELD_OUT:].reshape(-1, 2), pairs[:, :HELD_OUT].reshape(-1, 2)


class Recommender(nn.Module):
    """User and item ``embedding`` tables; item scores ``⟨e_u, e_i⟩ + b_i``."""

    def __init__(self) -> None:
        super().__init__()
        self.users = create("embedding", num_embeddings=USERS, embedding_dim=DIM)
        self.items = create("embedding", num_embeddings=ITEMS, embedding_dim=DIM)
        self.item_bias = nn.Parameter(torch.zeros(ITEMS))
        with torch.no_grad():
            self.users.weight.mul_(0.1)
            self.items.weight.mul_(0.1)

    def forward(self, users: Tensor) -> Tensor:
        """User ids ``[B]`` → item logits ``[B, ITEMS]``."""
        return self.users(users) @ self.items.weight.T + self.item_bias  # type: ignore[no-any-return]


def build_embedding(config: TrialConfig) -> Problem:
    """Softmax next-item recommendation; metric validation hit rate at 10."""
    train, val = interactions(config.seed)
    model = Recommender()
    sample = batch_indices(len(train), BATCH, config.seed)
    loss = nn.CrossEntropyLoss()

    def batch_loss(i: int) -> Tensor:
        pairs = train[sample(i)]
        return loss(model(pairs[:, 0]), pairs[:, 1])  # type: ignore[no-any-return]

    def validate() -> tuple[float, float]:
        logits = model(val[:, 0])
        hits = (logits.topk(TOP, dim=1).indices == val[:, 1:]).any(dim=1)
        return float(loss(logits, val[:, 1])), float(hits.float().mean())

    return Problem(model, batch_loss, validate)
