"""Coordinate, logic and fabric networks: volume-rendering identities, SIREN initialisation, fuzzy connectives, trellis shape."""

from __future__ import annotations

import math

import pytest
import torch

from implementations.architectures._field_nets import (
    LogicTensorNetwork,
    NeRF,
    NeuralFabric,
    SineLayer,
    Siren,
    fabric_edges,
    forall,
    fuzzy_and,
    fuzzy_implies,
    fuzzy_not,
    fuzzy_or,
    positional_encoding,
    volume_render,
)


def test_positional_encoding_matches_its_formula() -> None:
    x = torch.randn(5, 3)
    encoded = positional_encoding(x, 4)
    assert encoded.shape == (5, 3 * (1 + 2 * 4))
    expected = [x] + [f(2.0**k * math.pi * x) for k in range(4) for f in (torch.sin, torch.cos)]
    torch.testing.assert_close(encoded, torch.cat(expected, dim=-1))


def test_compositing_weights_sum_to_one_minus_final_transmittance() -> None:
    torch.manual_seed(0)
    sigma, deltas = torch.rand(8, 16) * 3, torch.rand(8, 16) * 0.2
    colour, weights, final = volume_render(sigma, torch.rand(8, 16, 3), deltas)
    transmittance = torch.exp(-torch.cumsum(torch.cat([torch.zeros(8, 1), sigma * deltas], dim=1), dim=1))[:, :-1]
    torch.testing.assert_close(weights, transmittance * (1 - torch.exp(-sigma * deltas)))
    assert (weights >= 0).all() and (weights.sum(1) <= 1 + 1e-6).all()
    torch.testing.assert_close(weights.sum(1), 1 - final)
    assert colour.shape == (8, 3) and (colour >= 0).all() and (colour <= 1).all()


def test_constant_density_gives_the_analytic_transmittance() -> None:
    model = NeRF(num_samples=64, near=1.0, far=4.0).eval()
    depths, widths = model.sample_depths(3)
    assert torch.all((depths > 1.0) & (depths < 4.0))
    sigma = torch.full((3, 64), 0.7)
    _, weights, final = volume_render(sigma, torch.ones(3, 64, 3), widths)
    torch.testing.assert_close(final, torch.full((3,), math.exp(-0.7 * 3.0)))
    torch.testing.assert_close(weights.sum(1), torch.full((3,), 1 - math.exp(-0.7 * 3.0)))


def test_nerf_field_ranges_and_stratified_sampling() -> None:
    torch.manual_seed(0)
    model = NeRF()
    sigma, rgb = model.field(torch.randn(10, 3), torch.nn.functional.normalize(torch.randn(10, 3), dim=-1))
    assert (sigma >= 0).all() and (rgb >= 0).all() and (rgb <= 1).all()
    depths, widths = model.train().sample_depths(2)
    edges = torch.linspace(2.0, 6.0, 33)
    assert torch.all((depths >= edges[:-1]) & (depths <= edges[1:])) and torch.allclose(widths.sum(1), torch.tensor(4.0))
    rays = torch.randn(4, 6)
    eval_model = model.eval()
    assert torch.equal(eval_model(rays), eval_model(rays))


def test_siren_initialisation_bounds() -> None:
    torch.manual_seed(0)
    siren = Siren(in_features=3, hidden_features=256, hidden_layers=2, out_features=2, omega_0=30.0)
    first, *hidden = [layer for layer in siren if isinstance(layer, torch.nn.Linear)]  # the sine layers and the readout
    assert first.weight.abs().max() <= 1 / 3 and first.weight.abs().max() > 0.9 / 3
    bound = math.sqrt(6 / 256) / 30.0
    for layer in hidden:
        assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound


def test_sine_layer_gradient_is_a_phase_shifted_siren() -> None:
    torch.manual_seed(0)
    layer = SineLayer(2, 1, omega_0=30.0, first=True)
    x = torch.randn(6, 2, requires_grad=True)
    (grad,) = torch.autograd.grad(layer(x).sum(), x)
    pre = 30.0 * (x @ layer.weight.T + layer.bias)
    torch.testing.assert_close(grad, 30.0 * torch.cos(pre) * layer.weight)
    torch.testing.assert_close(grad, 30.0 * torch.sin(pre + math.pi / 2) * layer.weight)


def test_siren_input_gradient_is_finite_and_differentiable() -> None:
    torch.manual_seed(0)
    siren = Siren()
    x = torch.rand(16, 2, requires_grad=True) * 2 - 1
    (grad,) = torch.autograd.grad(siren(x).sum(), x, create_graph=True)
    (second,) = torch.autograd.grad(grad.pow(2).sum(), x)
    assert torch.isfinite(grad).all() and torch.isfinite(second).all() and grad.abs().sum() > 0


def test_fuzzy_connectives_equal_their_closed_forms() -> None:
    a, b = torch.tensor([0.0, 0.3, 1.0, 0.8]), torch.tensor([1.0, 0.6, 0.0, 0.8])
    torch.testing.assert_close(fuzzy_not(a), torch.tensor([1.0, 0.7, 0.0, 0.2]))
    torch.testing.assert_close(fuzzy_and(a, b), torch.tensor([0.0, 0.18, 0.0, 0.64]))
    torch.testing.assert_close(fuzzy_or(a, b), torch.tensor([1.0, 0.72, 1.0, 0.96]))
    torch.testing.assert_close(fuzzy_implies(a, b), torch.tensor([1.0, 0.88, 0.0, 0.84]))
    torch.testing.assert_close(fuzzy_or(a, b), fuzzy_not(fuzzy_and(fuzzy_not(a), fuzzy_not(b))))  # De Morgan


@pytest.mark.parametrize("p", [1.0, 2.0, 6.0])
def test_forall_is_the_p_mean_error(p: float) -> None:
    truths = torch.tensor([0.9, 0.5, 1.0, 0.2])
    expected = 1 - (((1 - truths) ** p).mean()) ** (1 / p)
    torch.testing.assert_close(forall(truths, p), expected)
    assert forall(torch.ones(3) * 0.999, p) > 0.99


def test_training_increases_the_knowledge_base_satisfaction() -> None:
    torch.manual_seed(0)
    model = LogicTensorNetwork()
    x = torch.randn(64, 4)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    before = model(x).item()
    for _ in range(30):
        optimizer.zero_grad()
        (1 - model(x)).backward()
        optimizer.step()
    satisfaction = model(x)
    assert satisfaction.shape == () and 0 <= before < satisfaction.item() <= 1
    assert satisfaction.item() > 0.8


@pytest.mark.parametrize(("layers", "scales"), [(2, 2), (4, 4), (3, 5)])
def test_fabric_node_and_edge_counts_follow_the_formula(layers: int, scales: int) -> None:
    model = NeuralFabric(layers=layers, scales=scales)
    edges = (layers - 1) * (3 * scales - 2) + 2 * (scales - 1)
    assert len(list(fabric_edges(layers, scales))) == len(model.edges) == edges
    assert len(model.nodes()) == len(model.norms) == layers * scales
    assert sum(isinstance(m, torch.nn.Conv2d) for m in model.modules()) == edges + 1  # + the stem


def test_every_fabric_node_gets_a_gradient() -> None:
    torch.manual_seed(0)
    model = NeuralFabric(layers=4, scales=4)
    maps = model.trellis(torch.randn(2, 3, 16, 16))
    for feature_map in maps.values():
        feature_map.retain_grad()
    assert {node: tuple(m.shape[-1:]) for node, m in maps.items()} == {(layer, s): (16 >> s,) for layer in range(4) for s in range(4)}
    model.head(maps[(3, 3)].mean(dim=(-2, -1))).sum().backward()
    assert all(m.grad is not None and m.grad.abs().sum() > 0 for m in maps.values())
    with pytest.raises(ValueError, match="layers"):
        NeuralFabric(layers=1)
