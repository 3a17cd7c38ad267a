"""The pairing tasks: their data, their learnability, and the spiking methods' mechanics."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.pairing.protocol import TrialConfig
from implementations.pairing.tasks import TASKS, get_task
from implementations.pairing.tasks.charlm import corpus_split, load_corpus, vocabulary
from implementations.pairing.tasks.digits import digits_split
from implementations.pairing.tasks.graph import block_model
from implementations.pairing.tasks.recommender import interactions
from implementations.pairing.tasks.spiking import SpikingClassifier, apply_stdp, rate_code
from implementations.pairing.trial import run_trial


def test_digits_are_split_per_seed_and_standardised() -> None:
    x, y, (train, val) = digits_split(0)
    assert x.shape == (1797, 64) and y.shape == (1797,) and set(y.tolist()) == set(range(10))
    assert (len(train), len(val)) == (1438, 359) and not set(train.tolist()) & set(val.tolist())
    assert x[train].mean(0).abs().max() < 1e-4
    assert not torch.equal(digits_split(1)[2][1], val) and torch.equal(digits_split(0)[2][1], val)


def test_corpus_is_split_by_lines() -> None:
    lines = load_corpus()
    assert len(lines) == 456 and len(vocabulary()) == 120  # with the newline between lines
    train, val = corpus_split(0)
    assert 0.05 < len(val) / (len(train) + len(val)) < 0.15
    assert int(train.max()) < len(vocabulary()) and not torch.equal(corpus_split(1)[1][:100], val[:100])


def test_block_model_graph_and_interactions() -> None:
    adj, features, labels = block_model(0)
    assert adj.shape == (400, 400) and torch.equal(adj, adj.T) and features.shape == (400, 16)
    same = labels[:, None] == labels[None, :]
    assert adj[same].mean() > 3 * adj[~same].mean()  # p_in 0.05 vs p_out 0.01
    train, val = interactions(0)
    assert train.shape == (11000, 2) and val.shape == (1000, 2)
    counts = torch.bincount(train[:, 1], minlength=300)
    assert counts[:10].sum() > counts[-100:].sum()  # power-law popularity


def test_rate_coding_spikes_at_the_pixel_rate() -> None:
    pixels = torch.tensor([[0.0, 16.0, 8.0]]).expand(2000, -1)
    spikes = rate_code(pixels, torch.Generator().manual_seed(0))
    assert spikes.shape == (2000, 10, 3) and set(torch.unique(spikes).tolist()) <= {0.0, 1.0}
    assert spikes[..., 0].sum() == 0 and spikes[..., 1].mean() == 1 and abs(float(spikes[..., 2].mean()) - 0.5) < 0.02


@pytest.mark.parametrize(("pre_t", "post_t", "sign"), [(1, 3, 1.0), (3, 1, -1.0)])
def test_stdp_potentiates_pre_before_post_and_depresses_the_reverse(pre_t: int, post_t: int, sign: float) -> None:
    pre, post = torch.zeros(1, 6, 2), torch.zeros(1, 6, 1)
    pre[0, pre_t, 0], post[0, post_t, 0] = 1.0, 1.0
    weight = torch.zeros(1, 2)
    apply_stdp(weight, pre, post, rate=1.0)
    amplitude = 0.01 if sign > 0 else -0.012  # the registered rule's A₊ and A₋, τ = 5 steps
    assert weight[0, 0].item() == pytest.approx(amplitude * math.exp(-2 / 5))
    assert weight[0, 1].item() == 0.0  # an input that never spiked


def test_surrogate_gradient_flows_where_the_step_function_has_none() -> None:
    torch.manual_seed(0)
    model = SpikingClassifier()
    spikes = rate_code(torch.full((8, 64), 8.0), torch.Generator().manual_seed(0))
    model(spikes).sum().backward()
    grad = model.hidden.synapse.weight.grad
    assert grad is not None and grad.abs().sum() > 0
    model.zero_grad()
    model.hidden.spike = torch.nn.Module()  # the bare Heaviside step: no derivative to backpropagate
    model.hidden.spike.forward = lambda v: (v > 0).float()
    model(spikes).sum().backward()
    assert model.hidden.synapse.weight.grad is None


SENSIBLE = {  # family → (optimizer, lr, bound on the final validation metric)
    "linear": ("adam", 3e-3, 0.9),
    "convolution": ("adamw", 1e-2, 0.8),
    "transformer": ("adamw", 3e-3, 4.5),  # bits per char; a uniform guess is log2(120) ≈ 6.9
    "recurrent-neural-network": ("adam", 1e-2, 4.5),
    "graph-neural-network": ("adam", 1e-2, 0.7),
    "embedding": ("adagrad", 0.1, 0.3),  # hit rate at 10; popularity alone ≈ 0.19
    "mixture-of-experts": ("adamw", 3e-3, 0.8),
    "spiking-neural-network": ("surrogate-gradient", 3e-3, 0.8),
}


@pytest.mark.parametrize("family", list(TASKS))
def test_a_sensible_optimizer_beats_chance_clearly(family: str) -> None:
    optimizer, lr, bound = SENSIBLE[family]
    task = get_task(family)
    result = run_trial(TrialConfig(family, optimizer, lr, 0.0, 0, task.steps, ()))
    assert result.error is None and result.metric == task.metric
    assert result.reaches(result.final_val_metric, bound), (result.curve[0], result.curve[-1])


def test_stdp_readout_learns() -> None:
    result = run_trial(TrialConfig("spiking-neural-network", "stdp", 1e-2, 0.0, 0, 150))
    assert result.error is None and result.final_val_metric >= 0.7
