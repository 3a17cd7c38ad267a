"""Advice: the optimizer the pairings recommend, extras, and parameter groups that train."""

from __future__ import annotations

import torch
from torch import nn

from implementations.anatomy.advise import advise, param_groups


def _net() -> nn.Module:
    return nn.Sequential(nn.Embedding(10, 8), nn.LayerNorm(8), nn.Flatten(), nn.Linear(32, 16), nn.GELU(), nn.Linear(16, 1))


def test_norms_biases_and_embeddings_are_not_decayed() -> None:
    groups = {g["name"]: g for g in param_groups(_net(), 0.1)}
    net = _net()
    assert groups["decay"]["weight_decay"] == 0.1 and groups["no_decay"]["weight_decay"] == 0.0
    assert [p.shape for p in groups["decay"]["params"]] == [torch.Size([16, 32]), torch.Size([1, 16])]
    assert sum(p.numel() for g in groups.values() for p in g["params"]) == sum(p.numel() for p in net.parameters())


def test_transformers_get_adamw_with_warmup_cosine() -> None:
    advice = advise("gpt-2")
    assert advice.optimizers[0].optimizer == "adamw" and advice.optimizers[0].sources
    assert "warmup-cosine-schedule" in {e.concept for e in advice.extras}
    assert {g["name"] for g in advice.param_groups} == {"decay", "no_decay"}


def test_a_tiny_model_trained_with_the_advice_learns() -> None:
    torch.manual_seed(0)
    net = _net()
    advice = advise(net)
    best = advice.optimizers[0]
    assert best.optimizer in {"adamw", "adam", "sgd"}
    optimizer = torch.optim.AdamW(param_groups(net, advice.param_groups[0]["weight_decay"]), lr=1e-2)
    x, y = torch.randint(0, 10, (64, 4)), torch.randn(64, 1)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(net(x), y)
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
