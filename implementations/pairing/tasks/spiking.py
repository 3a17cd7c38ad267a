"""Spiking network on the digits: rate-coded input, a hidden layer of LIF neurons, a readout of spike counts.

Each pixel (0–16) becomes a Bernoulli spike train of rate ``pixel / 16`` over ``TIME_STEPS`` steps
(rate coding; the trains of a training batch are fixed by ``(seed, step)``, those of the
validation split by the seed). The hidden layer is the registered ``leaky-integrate-and-fire``
(β 0.9, threshold 1, reset by subtraction) and a linear readout maps the hidden spike rates to the
10 classes. The family compares three training methods on this one network:

* ``surrogate-gradient``: backpropagation through time through the spikes, with the registered
  ``surrogate-gradient`` (fast-sigmoid) derivative in place of the Heaviside step's zero derivative,
  optimised with Adam at ``config.lr``. Neftci, Mostafa, Zenke (2019), "Surrogate Gradient Learning
  in Spiking Neural Networks", IEEE Signal Processing Magazine 36(6), arXiv:1901.09948.
* ``sgd``: the same surrogate-gradient training with SGD + momentum 0.9 (the protocol's baseline).
* ``stdp``: unsupervised pair-based STDP on the hidden layer (the registered ``stdp``, A₊ 0.01,
  A₋ 0.012, τ 5 steps) for ``STDP_BATCHES`` batches at the fixed rate ``STDP_RATE``, with a
  k-winners-take-all stand-in for lateral inhibition and each neuron's weight vector renormalised
  to its initial norm after every update, as in Diehl & Cook (2015), "Unsupervised learning of digit
  recognition using spike-timing-dependent plasticity", Front. Comput. Neurosci. 9:99; the window is
  Bi & Poo (1998), J. Neurosci. 18(24):10464. The hidden layer is then frozen and only the readout
  is trained on the spike counts, with Adam at ``config.lr``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from implementations.pairing.protocol import TrialConfig
from implementations.pairing.tasks._common import Problem, accuracy, batch_indices, generator, split_indices
from implementations.pairing.tasks.digits import BATCH, CLASSES, VAL_FRACTION, load_digits
from implementations.registry.factory import create

TIME_STEPS = 10
HIDDEN = 128
STDP_RATE = 1.0  # multiplies the batch-mean ΔW of the registered rule (A₊ 0.01, A₋ 0.012)
STDP_BATCHES = 20
WINNERS = 12  # k of the k-winners-take-all during STDP


def rate_code(pixels: Tensor, g: torch.Generator) -> Tensor:
    """Pixels ``[B, 64]`` in 0–16 → Bernoulli spike trains ``[B, TIME_STEPS, 64]`` of rate ``pixel / 16``."""
    rates = (pixels / 16.0).unsqueeze(1).expand(-1, TIME_STEPS, -1)
    return torch.bernoulli(rates, generator=g)


class SpikingClassifier(nn.Module):
    """Registered LIF hidden layer over rate-coded input, linear readout of the hidden spike rates."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = create("leaky-integrate-and-fire", in_features=64, out_features=HIDDEN, beta=0.9, threshold=1.0)
        self.readout = create("linear", in_features=HIDDEN, out_features=CLASSES)

    def forward(self, spikes: Tensor) -> Tensor:
        """Input spikes ``[B, T, 64]`` → class logits ``[B, 10]``."""
        return self.readout(self.hidden(spikes).mean(dim=1))  # type: ignore[no-any-return]


def apply_stdp(weight: Tensor, pre: Tensor, post: Tensor, rate: float = STDP_RATE) -> None:
    """Add ``rate ×`` the batch-mean pair-STDP change of ``pre [B, T, in]``/``post [B, T, out]`` spikes to ``weight [out, in]``."""
    rule = create("stdp")
    with torch.no_grad():
        weight.add_(rate * rule(pre, post) / pre.shape[0])


def train_stdp(model: SpikingClassifier, pixels: Tensor, train: Tensor, seed: int) -> None:
    """Unsupervised STDP on the hidden layer (k-WTA, norm-preserving), then freeze it."""
    layer = model.hidden
    weight: Tensor = layer.synapse.weight
    norms = weight.detach().norm(dim=1, keepdim=True)
    sample = batch_indices(len(train), BATCH, seed + 7919)
    for i in range(STDP_BATCHES):
        pre = rate_code(pixels[train[sample(i)]], generator(seed * 1_000_003 + 500_000 + i))
        with torch.no_grad():
            post = layer(pre)
        winners = post.sum(dim=1).topk(WINNERS, dim=1).indices
        mask = torch.zeros_like(post[:, 0]).scatter_(1, winners, 1.0)
        apply_stdp(weight, pre, post * mask[:, None, :])
        with torch.no_grad():
            weight.mul_(norms / weight.norm(dim=1, keepdim=True).clamp_min(1e-12))
    layer.requires_grad_(False)


def build_spiking(config: TrialConfig) -> Problem:
    """The LIF classifier trained by ``config.optimizer`` (``surrogate-gradient``, ``stdp`` or ``sgd``)."""
    pixels, labels = load_digits()
    train, val = split_indices(len(labels), config.seed, VAL_FRACTION)
    model = SpikingClassifier()
    if config.optimizer == "stdp":
        train_stdp(model, pixels, train, config.seed)
    val_spikes = rate_code(pixels[val], generator(config.seed + 104_729))
    sample = batch_indices(len(train), BATCH, config.seed)
    loss = nn.CrossEntropyLoss()

    def batch_loss(i: int) -> Tensor:
        rows = train[sample(i)]
        spikes = rate_code(pixels[rows], generator(config.seed * 1_000_003 + i))
        return loss(model(spikes), labels[rows])  # type: ignore[no-any-return]

    def validate() -> tuple[float, float]:
        logits = model(val_spikes)
        return float(loss(logits, labels[val])), accuracy(logits, labels[val])

    return Problem(model, batch_loss, validate)
