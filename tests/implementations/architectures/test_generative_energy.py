"""Boltzmann machines: free energies by enumeration, the CD-1 gradient, a BM without lateral weights equals an RBM."""

from __future__ import annotations

import pytest
import torch

from implementations.architectures.generative_energy import BoltzmannMachine, RestrictedBoltzmannMachine, free_energy_by_enumeration


def test_rbm_free_energy_equals_the_sum_over_hidden_states() -> None:
    torch.manual_seed(0)
    rbm = RestrictedBoltzmannMachine(visible_units=6, hidden_units=5)
    with torch.no_grad():
        rbm.visible_bias.normal_()
        rbm.hidden_bias.normal_()
    v = torch.bernoulli(torch.full((7, 6), 0.5))
    assert torch.allclose(rbm(v), free_energy_by_enumeration(rbm, (v,), {}), atol=1e-5)


def test_cd1_gradient_is_data_minus_model_correlations() -> None:
    torch.manual_seed(0)
    rbm, v = RestrictedBoltzmannMachine(visible_units=6, hidden_units=4), torch.bernoulli(torch.full((10, 6), 0.5))
    torch.manual_seed(3)
    rbm.contrastive_divergence_loss(v, steps=1).backward()
    torch.manual_seed(3)
    negative = rbm.negative_sample(v, 1)
    with torch.no_grad():
        positive_h, negative_h = rbm.hidden_probabilities(v), rbm.hidden_probabilities(negative)
        update = (v.T @ positive_h - negative.T @ negative_h) / len(v)  # ⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model
    assert torch.allclose(-rbm.weight.grad, update, atol=1e-6)
    assert torch.allclose(-rbm.visible_bias.grad, (v - negative).mean(0), atol=1e-6)
    assert torch.allclose(-rbm.hidden_bias.grad, (positive_h - negative_h).mean(0), atol=1e-6)


def test_boltzmann_machine_without_lateral_weights_is_an_rbm() -> None:
    torch.manual_seed(0)
    rbm, bm = RestrictedBoltzmannMachine(visible_units=5, hidden_units=3), BoltzmannMachine(visible_units=5, hidden_units=3)
    with torch.no_grad():
        rbm.visible_bias.normal_()
        rbm.hidden_bias.normal_()
        bm.weight.zero_()
        bm.weight[:5, 5:] = rbm.weight
        bm.weight[5:, :5] = rbm.weight.T
        bm.bias.copy_(torch.cat([rbm.visible_bias, rbm.hidden_bias]))
    v = torch.bernoulli(torch.full((8, 5), 0.5))
    assert torch.allclose(bm(v), rbm(v), atol=1e-5)


def test_boltzmann_machine_weights_are_symmetric_without_self_connections_and_it_samples_binary_states() -> None:
    torch.manual_seed(0)
    bm = BoltzmannMachine()
    weight = bm.symmetric_weight()
    assert torch.equal(weight, weight.T) and torch.equal(weight.diagonal(), torch.zeros(12))
    v = torch.bernoulli(torch.full((4, 8), 0.5))
    sample = bm.negative_sample(v, steps=2)
    assert sample.shape == (4, 8) and set(sample.unique().tolist()) <= {0.0, 1.0}
    bm.contrastive_divergence_loss(v, steps=1).backward()
    assert bm.weight.grad is not None and bm.bias.grad is not None
    with pytest.raises(ValueError, match="between 1 and 12"):
        BoltzmannMachine(hidden_units=20)
