"""Associative, reservoir, spiking, continuous-time and conditional networks: recall, closed forms, update rules."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from implementations.architectures.associative import ClassicHopfieldNetwork, GrowingNeuralGas, ModernHopfieldNetwork, SelfOrganizingMap
from implementations.architectures.conditional import DynamicConv2d, HyperNetwork, ModularNetwork
from implementations.architectures.continuous import ContinuousThoughtMachine, KANLayer, ODEBlock, bspline_basis
from implementations.architectures.reservoir import EchoStateNetwork, LiquidStateMachine, SpikingNetwork
from implementations.components.layers.moe import MixtureOfExperts
from implementations.registry.factory import create, get_implementation
from implementations.registry.spec import Family, Origin

CONCEPTS = [
    "hopfield-network",
    "self-organizing-map",
    "growing-neural-gas",
    "echo-state-network",
    "liquid-state-machine",
    "spiking-neural-network",
    "kolmogorov-arnold-network",
    "neural-ode",
    "liquid-neural-network",
    "continuous-thought-machine",
    "hypernetwork",
    "dynamic-network",
    "modular-neural-network",
]


@pytest.mark.parametrize("concept", CONCEPTS)
def test_registered_as_reference_architecture(concept: str) -> None:
    spec = get_implementation(concept)
    assert spec.family is Family.ARCHITECTURE and spec.origin is Origin.REFERENCE and spec.notes


def test_classic_hopfield_recalls_a_stored_pattern_from_a_corrupted_cue() -> None:
    torch.manual_seed(0)
    patterns = torch.where(torch.rand(3, 100) < 0.5, -1.0, 1.0)
    net = ClassicHopfieldNetwork(100)
    net.store(patterns)
    assert torch.all(net.weight.diagonal() == 0) and torch.allclose(net.weight, net.weight.T)
    cue = patterns[1].clone()
    cue[:15] *= -1  # 15 % of the bits flipped
    recalled = net(cue)
    assert torch.equal(recalled, patterns[1])
    assert net.energy(recalled) < net.energy(cue)


def test_modern_hopfield_one_update_retrieves_the_closest_pattern() -> None:
    torch.manual_seed(0)
    net = ModernHopfieldNetwork(pattern_dim=64, num_patterns=10, beta=8.0)
    stored = F.normalize(torch.randn(10, 64), dim=-1) * 3
    net.store(stored)
    queries = stored + 0.3 * torch.randn(10, 64)
    retrieved = net(queries)
    assert torch.allclose(retrieved, stored, atol=1e-3)
    assert bool((net.energy(retrieved) <= net.energy(queries)).all())
    # the update is attention over the stored patterns: Xᵀ softmax(β X ξ)
    expected = torch.softmax(8.0 * queries @ stored.T, -1) @ stored
    assert torch.allclose(retrieved, expected)


def test_modern_hopfield_default_beta_is_the_attention_scale() -> None:
    assert ModernHopfieldNetwork(pattern_dim=16).beta == pytest.approx(0.25)


def test_som_bmu_is_the_nearest_unit_and_the_update_follows_kohonen() -> None:
    torch.manual_seed(0)
    som = SelfOrganizingMap(in_features=3, rows=4, cols=4)
    x = torch.randn(5, 3)
    brute = torch.tensor([min(range(16), key=lambda u: float(((xi - som.weight[u].detach()) ** 2).sum())) for xi in x])
    assert torch.equal(som.bmu(x), brute)
    before = som.weight.detach().clone()
    sample = x[:1]
    winner = int(som.bmu(sample)[0])
    som.update(sample, lr=0.5, sigma=1.0)
    assert torch.allclose(som.weight[winner], before[winner] + 0.5 * (sample[0] - before[winner]))
    far = int(((som.grid - som.grid[winner]) ** 2).sum(-1).argmax())
    assert (som.weight[far] - before[far]).norm() < (som.weight[winner] - before[winner]).norm()


def test_growing_neural_gas_grows_and_quantises_two_clusters() -> None:
    torch.manual_seed(0)
    data = torch.cat([torch.randn(1500, 2) * 0.05 + 1, torch.randn(1500, 2) * 0.05 - 1])[torch.randperm(3000)]
    gas = GrowingNeuralGas(in_features=2, max_units=10, insert_every=100)
    before = float(gas(data).detach().min(-1).values.mean())
    gas.update(data)
    assert len(gas.units) == 10
    assert float(gas(data).detach().min(-1).values.mean()) < before / 10
    near_plus = ((gas.units - 1) ** 2).sum(-1) < 0.1
    near_minus = ((gas.units + 1) ** 2).sum(-1) < 0.1
    assert int(near_plus.sum()) >= 3 and int(near_minus.sum()) >= 3
    assert not bool((gas.age[near_plus][:, near_minus] >= 0).any())  # no edge joins the two clusters
    assert bool((gas.age >= 0).any(1).all())  # every unit has an edge


def test_echo_state_network_has_the_requested_spectral_radius_and_a_closed_form_readout() -> None:
    torch.manual_seed(0)
    esn = EchoStateNetwork(in_features=1, reservoir_size=80, out_features=1, spectral_radius=0.8)
    assert float(torch.linalg.eigvals(esn.weight).abs().max()) == pytest.approx(0.8, abs=1e-4)
    assert [name for name, _ in esn.named_parameters()] == ["readout.weight", "readout.bias"]
    u = torch.rand(1, 300, 1) - 0.5
    target = torch.roll(u, 2, dims=1)  # recall the input from two steps ago
    esn.fit(u, target, ridge=1e-8, washout=20)
    states = esn.states(u)[:, 20:].reshape(-1, 80).double()
    x = torch.cat([states, torch.ones(len(states), 1, dtype=torch.float64)], 1)
    solution = torch.linalg.solve(x.T @ x + 1e-8 * torch.eye(81, dtype=torch.float64), x.T @ target[:, 20:].reshape(-1, 1).double())
    assert torch.allclose(esn.readout.weight.double(), solution[:-1].T, atol=1e-5)
    with torch.no_grad():
        error = F.mse_loss(esn(u)[:, 20:], target[:, 20:]) / target.var()
    assert error < 0.05


def test_spiking_network_spikes_are_binary_and_the_surrogate_carries_gradient() -> None:
    torch.manual_seed(0)
    net = SpikingNetwork(in_features=8, hidden_features=32, out_features=4)
    x = torch.rand(2, 20, 8) * 2
    for train in net.spikes(x):
        assert bool(((train == 0) | (train == 1)).all())
    net(x).sum().backward()
    first = next(net.hidden.parameters()).grad  # the first LIF layer's synapse weight
    assert first is not None and float(first.abs().sum()) > 0


def test_liquid_state_machine_is_fixed_except_the_readout_and_separates_inputs() -> None:
    torch.manual_seed(0)
    lsm = LiquidStateMachine(in_features=2, liquid_size=64, out_features=1)
    assert [name for name, _ in lsm.named_parameters()] == ["readout.weight", "readout.bias"]
    u = torch.rand(2, 30, 2)
    traces = lsm.traces(u)
    assert float(traces.sum()) > 0 and not torch.equal(traces[0], traces[1])


def test_kan_bspline_basis_matches_the_uniform_cubic_closed_form() -> None:
    knots = torch.arange(-3, 9, dtype=torch.float64)  # unit spacing
    at_knot = bspline_basis(torch.tensor([2.0], dtype=torch.float64), knots, 3)[0]
    nonzero = at_knot[at_knot > 0]
    assert torch.allclose(nonzero, torch.tensor([1 / 6, 2 / 3, 1 / 6], dtype=torch.float64))
    u = 0.3  # inside an interval: the four cubic pieces (1−u)³/6, (3u³−6u²+4)/6, (−3u³+3u²+3u+1)/6, u³/6
    inside = bspline_basis(torch.tensor([2.0 + u], dtype=torch.float64), knots, 3)[0]
    expected = [(1 - u) ** 3 / 6, (3 * u**3 - 6 * u**2 + 4) / 6, (-3 * u**3 + 3 * u**2 + 3 * u + 1) / 6, u**3 / 6]
    assert torch.allclose(inside[inside > 0], torch.tensor(expected, dtype=torch.float64))


def test_kan_single_edge_is_silu_plus_spline() -> None:
    torch.manual_seed(0)
    edge = KANLayer(1, 1, grid_size=5, order=3)
    x = torch.linspace(-0.9, 0.9, 7)[:, None]
    with torch.no_grad():
        edge.coefficients.fill_(0.7)  # a constant spline: the B-splines sum to 1 inside the grid
    expected = edge.base_weight[0, 0] * F.silu(x) + 0.7
    assert torch.allclose(edge(x), expected, atol=1e-6)


def test_kan_widths_override() -> None:
    net = create("kolmogorov-arnold-network", widths=[3, 5, 2])
    assert net(torch.rand(4, 3)).shape == (4, 2)


class _Linear(torch.nn.Module):
    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return -0.7 * y


def test_neural_ode_rk4_solves_exponential_decay() -> None:
    block = ODEBlock(_Linear(), t1=2.0, steps=20)
    y0 = torch.tensor([[1.0, -2.0, 0.5]], dtype=torch.float64)
    assert torch.allclose(block(y0), y0 * math.exp(-1.4), atol=1e-6)


def test_neural_ode_gradient_matches_the_closed_form_sensitivity() -> None:
    block = ODEBlock(_Linear(), t1=1.0, steps=10)
    y0 = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    block(y0).sum().backward()
    assert y0.grad is not None and float(y0.grad) == pytest.approx(math.exp(-0.7), abs=1e-6)


def test_continuous_thought_machine_predicts_at_every_tick() -> None:
    torch.manual_seed(0)
    ctm = ContinuousThoughtMachine(in_features=8, out_features=3, ticks=5)
    out = ctm(torch.randn(2, 6, 8))
    assert out.shape == (2, 3, 5) and not torch.allclose(out[..., 0], out[..., -1])


def test_hypernetwork_target_weights_are_a_function_of_the_embeddings() -> None:
    torch.manual_seed(0)
    net = HyperNetwork(in_features=8, hidden_features=8, out_features=4, depth=1, z_dim=3, chunk=4)
    x = torch.randn(5, 8)
    w1, w2 = net.target_weight(net.z[0]), net.target_weight(net.z[1])
    assert w1.shape == (8, 8) and w2.shape == (4, 8)
    assert torch.allclose(net(x), F.linear(F.relu(F.linear(x, w1, net.biases[0])), w2, net.biases[1]))
    with torch.no_grad():
        net.z[0][1, 0] += 1.0  # change one block's embedding: only that block of the weights changes
    changed = (net.target_weight(net.z[0]) != w1).nonzero()
    assert set(changed[:, 0].tolist()) <= {4, 5, 6, 7} and set(changed[:, 1].tolist()) <= {0, 1, 2, 3} and len(changed) > 0


def test_hypernetwork_rejects_widths_that_are_not_multiples_of_the_chunk() -> None:
    with pytest.raises(ValueError, match="chunk"):
        HyperNetwork(in_features=6, chunk=4)


def test_dynamic_convolution_equals_a_static_convolution_with_the_mixed_kernel() -> None:
    torch.manual_seed(0)
    conv = DynamicConv2d(3, 5, kernel_size=3, num_kernels=4)
    x = torch.randn(2, 3, 6, 6)
    pi = conv.kernel_attention(x)
    assert torch.allclose(pi.sum(-1), torch.ones(2))
    out = conv(x)
    for b in range(2):
        weight = (pi[b, :, None, None, None, None] * conv.weight).sum(0)
        expected = F.conv2d(x[b : b + 1], weight, pi[b] @ conv.bias, padding=1)
        assert torch.allclose(out[b : b + 1], expected, atol=1e-5)


def test_modular_network_mixes_every_expert_with_gates_summing_to_one() -> None:
    torch.manual_seed(0)
    net = ModularNetwork(in_features=4, hidden_features=8, out_features=2, num_experts=3)
    x = torch.randn(5, 4)
    h = net.net[0](x)
    moe = net.net[1]
    assert isinstance(moe, MixtureOfExperts)
    gates = torch.softmax(moe.router.proj(h), -1)
    mixed = sum(gates[:, i : i + 1] * expert(h) for i, expert in enumerate(moe.experts))
    assert torch.allclose(net(x), net.net[2](mixed), atol=1e-6)
