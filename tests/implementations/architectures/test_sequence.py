"""Sequence, memory and graph networks: causality, parallel = recurrent forms, addressing, routing, equivariance."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from implementations.architectures.conditional import MixtureOfDepthsBlock
from implementations.architectures.graph_arch import GraphConvNetwork, GraphTransformer, TemporalGraphNetwork, temporal_events
from implementations.architectures.long_conv import TemporalConvNet
from implementations.architectures.memory import (
    EndToEndMemoryNetwork,
    KeyValueMemoryNetwork,
    NeuralTuringMachine,
    RecurrentMemoryTransformer,
    content_weights,
    story_and_question,
)
from implementations.architectures.scan import (
    MLSTMBlock,
    S4DLayer,
    build_retnet,
    build_s4d,
    build_xlstm,
    recurrent_oracle,
    unstabilized_oracle,
)
from implementations.components.layers.graph import graph
from implementations.registry.factory import get_implementation
from implementations.registry.spec import Family, Origin

CONCEPTS = [
    "temporal-convolutional-network",
    "state-space-model",
    "retentive-network",
    "xlstm",
    "neural-turing-machine",
    "memory-network",
    "key-value-memory-network",
    "memory-augmented-transformer",
    "mixture-of-depths",
    "graph-neural-network",
    "graph-transformer",
    "temporal-graph-network",
]


@pytest.mark.parametrize("concept", CONCEPTS)
def test_registered_as_reference_architecture(concept: str) -> None:
    spec = get_implementation(concept)
    assert spec.family is Family.ARCHITECTURE and spec.origin is Origin.REFERENCE and spec.notes


def test_tcn_is_causal() -> None:
    torch.manual_seed(0)
    tcn = TemporalConvNet(in_channels=3, channels=[8, 8, 8], kernel_size=3).eval()
    x = torch.randn(2, 3, 40)
    changed = x.clone()
    changed[..., 25:] = torch.randn(2, 3, 15)
    y, y_changed = tcn(x), tcn(changed)
    assert torch.equal(y[..., :25], y_changed[..., :25]) and not torch.allclose(y[..., 25:], y_changed[..., 25:])


def test_tcn_receptive_field_is_one_plus_two_k_minus_one_times_two_to_the_l_minus_one() -> None:
    torch.manual_seed(0)
    tcn = TemporalConvNet(in_channels=1, channels=[4, 4], kernel_size=3).eval()  # 1 + 2·2·3 = 13 steps
    x = torch.randn(1, 1, 30)
    for t, moves in ((29 - 13, False), (29 - 12, True)):
        poked = x.clone()
        poked[..., t] += 5.0
        assert (not torch.equal(tcn(poked)[..., -1], tcn(x)[..., -1])) is moves


@pytest.mark.parametrize(
    ("build", "oracle"), [(build_s4d, recurrent_oracle), (build_retnet, recurrent_oracle), (build_xlstm, unstabilized_oracle)]
)
def test_parallel_and_recurrent_forms_agree(build: Callable[..., nn.Module], oracle: Callable[..., torch.Tensor]) -> None:
    torch.manual_seed(0)
    model = build(d_model=16, num_layers=2)
    x = torch.randn(3, 20, 16)
    assert torch.allclose(model(x).double(), oracle(model, (x,), {}), atol=1e-5)


def test_s4d_kernel_is_the_impulse_response_of_the_recurrence() -> None:
    torch.manual_seed(0)
    layer = S4DLayer(4, d_state=8).double()
    impulse = torch.zeros(1, 12, 4, dtype=torch.float64)
    impulse[0, 0] = 1.0
    a_bar, b_bar, c = layer.discretised()
    x, response = torch.zeros_like(a_bar), []
    for t in range(12):
        x = a_bar * x + b_bar * impulse[0, t, :, None]
        response.append(2 * (c * x).sum(-1).real)
    assert torch.allclose(layer.kernel(12).T, torch.stack(response), atol=1e-12)


def test_s4d_kernel_decays_for_a_stable_state_matrix() -> None:
    kernel = S4DLayer(2, d_state=8, dt_min=0.5, dt_max=0.5).kernel(200).detach()
    assert float(kernel[:, -20:].abs().max()) < 1e-3 * float(kernel[:, :5].abs().max())


def test_xlstm_is_causal() -> None:
    torch.manual_seed(0)
    block = MLSTMBlock(16, num_heads=2)
    x = torch.randn(1, 10, 16)
    changed = x.clone()
    changed[:, 6:] += 1.0
    assert torch.allclose(block(x)[:, :6], block(changed)[:, :6])


def test_ntm_content_addressing_sums_to_one_and_peaks_at_the_matching_row() -> None:
    torch.manual_seed(0)
    memory = torch.randn(2, 10, 6)
    keys = memory[torch.arange(2), torch.tensor([3, 7])] * 2.0  # same direction as rows 3 and 7
    weights = content_weights(keys, memory, torch.full((2, 1), 20.0))
    assert torch.allclose(weights.sum(-1), torch.ones(2)) and weights.argmax(-1).tolist() == [3, 7]


def test_ntm_head_weights_are_distributions() -> None:
    torch.manual_seed(0)
    ntm = NeuralTuringMachine(in_features=4, out_features=4, hidden_size=16, memory_slots=8, memory_width=6)
    h = torch.randn(3, 16)
    memory = torch.randn(3, 8, 6)
    weights, _ = ntm.read_head(h, memory, torch.full((3, 8), 1 / 8))
    assert bool((weights >= 0).all()) and torch.allclose(weights.sum(-1), torch.ones(3))


def test_memn2n_one_hop_matches_the_paper_equations() -> None:
    torch.manual_seed(0)
    net = EndToEndMemoryNetwork(vocab_size=20, embed_dim=8, hops=1)
    story, question = story_and_question({"vocab_size": 20})
    a, c = net.embeddings[0].weight, net.embeddings[1].weight
    u = a[question].sum(-2)
    m = a[story].sum(-2) + net.temporal[0, : story.shape[1]]
    p = torch.softmax((m * u[:, None]).sum(-1), -1)
    o = (p[..., None] * (c[story].sum(-2) + net.temporal[1, : story.shape[1]])).sum(1)
    assert torch.allclose(net(story, question), (u + o) @ c.T, atol=1e-5)
    assert torch.allclose(net.attention(story, question)[0], p)


def test_kv_memory_network_ignores_value_order_only_through_its_keys() -> None:
    torch.manual_seed(0)
    net = KeyValueMemoryNetwork(vocab_size=20, embed_dim=8, hops=2)
    keys, values = torch.randint(1, 20, (2, 5, 3)), torch.randint(1, 20, (2, 5, 3))
    question = torch.randint(1, 20, (2, 3))
    order = torch.randperm(5)
    assert torch.allclose(net(keys, values, question), net(keys[:, order], values[:, order], question), atol=1e-5)
    assert not torch.allclose(net(keys, values, question), net(keys, values[:, order], question))


def test_recurrent_memory_transformer_carries_information_forward_only() -> None:
    torch.manual_seed(0)
    rmt = RecurrentMemoryTransformer(d_model=16, num_heads=2, num_layers=1, num_memory=2, segment_length=4)
    x = torch.randn(1, 12, 16)
    changed = x.clone()
    changed[:, 4:8] = torch.randn(1, 4, 16)  # the second segment
    y, y_changed = rmt(x), rmt(changed)
    assert torch.allclose(y[:, :4], y_changed[:, :4])  # earlier segments cannot see it
    assert not torch.allclose(y[:, 8:], y_changed[:, 8:])  # the memory carries it to the next segment


def test_mixture_of_depths_passes_unselected_tokens_unchanged() -> None:
    torch.manual_seed(0)
    block = MixtureOfDepthsBlock(16, num_heads=2, capacity=0.25)
    x = torch.randn(3, 12, 16)
    chosen = block.selected(x)
    assert chosen.shape == (3, 3)
    out = block(x)
    for b in range(3):
        skipped = [t for t in range(12) if t not in chosen[b].tolist()]
        assert torch.equal(out[b, skipped], x[b, skipped])
        assert not torch.allclose(out[b, chosen[b]], x[b, chosen[b]])


def test_mixture_of_depths_router_learns_from_the_output() -> None:
    torch.manual_seed(0)
    block = MixtureOfDepthsBlock(16, num_heads=2, capacity=0.5)
    block(torch.randn(2, 8, 16)).sum().backward()
    assert block.router.weight.grad is not None and float(block.router.weight.grad.abs().sum()) > 0


def test_gcn_is_permutation_equivariant() -> None:
    torch.manual_seed(0)
    model = GraphConvNetwork().eval()
    x, adj = graph({"in_channels": 8})
    perm = torch.randperm(len(x))
    assert torch.allclose(model(x, adj)[perm], model(x[perm], adj[perm][:, perm]), atol=1e-5)


def test_graph_transformer_attends_only_to_neighbours() -> None:
    torch.manual_seed(0)
    model = GraphTransformer(pe_dim=2).eval()
    x = torch.randn(6, 8)
    adj = torch.zeros(6, 6)
    for a, b in [(0, 1), (1, 2), (3, 4), (4, 5)]:  # two components
        adj[a, b] = adj[b, a] = 1
    changed = x.clone()
    changed[4] += 1.0
    assert torch.allclose(model(x, adj)[:3], model(changed, adj)[:3], atol=1e-6)


def test_temporal_graph_network_updates_the_memory_of_nodes_with_events_only() -> None:
    torch.manual_seed(0)
    tgn = TemporalGraphNetwork(num_nodes=6)
    x, _, _, _, edge_attr = temporal_events({})
    src, dst = torch.tensor([0, 1, 0]), torch.tensor([1, 2, 2])
    tgn(x, src, dst, torch.tensor([1.0, 2.0, 3.0]), edge_attr[:3])
    touched = tgn.memory.abs().sum(-1) > 0
    assert touched.tolist() == [True, True, True, False, False, False]
    assert tgn.last_update.tolist() == [3.0, 2.0, 3.0, 0.0, 0.0, 0.0]
    tgn.reset_memory()
    assert float(tgn.memory.abs().sum()) == 0
