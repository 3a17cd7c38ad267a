"""Feed-forward and encoder-decoder reference networks: closed forms, invariances and output distributions."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from implementations.architectures._feedforward_nets import (
    ComplexLinear,
    ComplexValuedNetwork,
    DeepSets,
    ExtremeLearningMachine,
    HighwayLayer,
    ModReLU,
    NeuMF,
    Perceptron,
    QuaternionLinear,
    SiameseNetwork,
    build_self_normalizing_network,
)
from implementations.architectures._sequence_nets import PointerNetwork, Seq2SeqAttention
from implementations.registry.factory import create, get_implementation
from implementations.registry.spec import Origin


def test_perceptron_rule_separates_linearly_separable_data() -> None:
    torch.manual_seed(0)
    x = torch.randn(200, 5)
    w_true = torch.randn(5)
    x = x[(x @ w_true).abs() > 0.3]  # a margin, so the convergence theorem bounds the number of mistakes
    labels = (x @ w_true > 0).float()[:, None]
    perceptron = Perceptron(5, 1)
    epochs = next(epoch for epoch in range(1, 201) if perceptron.learn(x, labels) == 0)
    assert epochs < 200 and torch.equal(perceptron.predict(x), labels)


def test_self_normalizing_network_keeps_zero_mean_unit_variance_through_depth() -> None:
    torch.manual_seed(0)
    model = build_self_normalizing_network(in_features=128, hidden_features=128, depth=32).eval()
    with torch.no_grad():
        hidden = model[:-1](torch.randn(1024, 128))  # after 32 Linear → SELU (→ AlphaDropout, off in eval) layers
    assert abs(float(hidden.mean())) < 0.1
    assert 0.8 < float(hidden.var()) < 1.2


def test_extreme_learning_machine_readout_is_the_least_squares_solution() -> None:
    torch.manual_seed(0)
    elm = ExtremeLearningMachine(in_features=6, hidden_features=20, out_features=3).double()
    assert [name for name, _ in elm.named_parameters()] == ["readout.weight"]  # the hidden layer stays fixed
    x = torch.randn(100, 6, dtype=torch.float64)
    beta = torch.randn(20, 3, dtype=torch.float64)
    elm.fit(x, elm.hidden(x) @ beta)
    assert torch.allclose(elm.readout.weight.T, beta, atol=1e-8)  # targets in the span of H: recovered exactly
    noisy = torch.randn(100, 3, dtype=torch.float64)
    elm.fit(x, noisy)
    hidden = elm.hidden(x)
    assert torch.allclose(elm.readout.weight.T, torch.linalg.lstsq(hidden, noisy).solution, atol=1e-8)
    assert torch.allclose(hidden.T @ (elm(x) - noisy), torch.zeros(20, 3, dtype=torch.float64), atol=1e-8)  # normal equations


def test_highway_gate_closed_form() -> None:
    torch.manual_seed(0)
    layer = HighwayLayer(4, gate_bias=-2.0)
    x = torch.randn(3, 4)
    gate = torch.sigmoid(x @ layer.gate.weight.T + layer.gate.bias)
    transformed = torch.relu(x @ layer.transform.weight.T + layer.transform.bias)
    assert torch.allclose(layer(x), transformed * gate + x * (1 - gate), atol=1e-6)
    nn.init.constant_(layer.gate.bias, -1e4)  # gate closed: the layer carries its input
    assert torch.equal(layer(x), x)
    nn.init.constant_(layer.gate.bias, 1e4)  # gate open: a plain ReLU layer
    assert torch.allclose(layer(x), transformed)


def test_siamese_distance_is_symmetric_and_zero_on_the_diagonal() -> None:
    model = SiameseNetwork()
    a, b = torch.randn(5, 16), torch.randn(5, 16)
    assert torch.equal(model(a, b), model(b, a))
    assert torch.allclose(model(a, a), torch.zeros(5), atol=1e-6)


def test_deep_sets_is_invariant_to_the_order_of_elements() -> None:
    model = DeepSets()
    sets = torch.randn(4, 10, 3)
    assert torch.allclose(model(sets[:, torch.randperm(10)]), model(sets), atol=1e-5)


def test_neumf_fuses_gmf_and_mlp_by_a_sigmoid_unit() -> None:
    model = NeuMF()
    users, items = torch.tensor([0, 7, 49]), torch.tensor([3, 3, 39])
    gmf = model.gmf_user.weight[users] * model.gmf_item.weight[items]
    h = torch.cat([model.mlp_user.weight[users], model.mlp_item.weight[items]], dim=-1)
    for layer in model.tower[::2]:
        h = torch.relu(h @ layer.weight.T + layer.bias)
    expected = torch.sigmoid(torch.cat([gmf, h], dim=-1) @ model.output.weight[0] + model.output.bias)
    assert h.shape == (3, 8) and torch.allclose(model(users, items), expected, atol=1e-6)


def test_complex_linear_and_modrelu_closed_forms() -> None:
    layer = ComplexLinear(2, 1)
    with torch.no_grad():
        layer.weight_real.copy_(torch.tensor([[1.0, 0.0]]))
        layer.weight_imag.copy_(torch.tensor([[2.0, -1.0]]))
        layer.bias_real.fill_(0.5)
        layer.bias_imag.fill_(-0.5)
    z = torch.tensor([[1 + 1j, 2 - 3j]], dtype=torch.complex64)
    expected = (1 + 2j) * (1 + 1j) + (0 - 1j) * (2 - 3j) + (0.5 - 0.5j)  # = -3.5 - 0.5j
    assert torch.allclose(layer(z), torch.tensor([[expected]], dtype=torch.complex64))
    act = ModReLU(2)
    with torch.no_grad():
        act.bias.copy_(torch.tensor([-1.0, -6.0]))
    out = act(torch.tensor([3 + 4j, 3 + 4j], dtype=torch.complex64))  # |z| = 5: 5 − 1 → rescaled by 4/5; 5 − 6 → 0
    assert torch.allclose(out, torch.tensor([2.4 + 3.2j, 0j], dtype=torch.complex64))
    assert ComplexValuedNetwork()(torch.randn(3, 8, 2)).shape == (3, 4, 2)


def _hamilton(p: tuple[float, ...], q: tuple[float, ...]) -> tuple[float, ...]:
    a1, b1, c1, d1 = p
    a2, b2, c2, d2 = q
    return (
        a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
        a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
        a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
        a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2,
    )


@pytest.mark.parametrize(
    ("weight", "q"),
    [((0, 1, 0, 0), (0, 0, 1, 0)), ((0, 0, 1, 0), (0, 1, 0, 0)), ((1.5, -2.0, 0.5, 3.0), (0.2, 1.0, -1.0, 2.0))],
)
def test_quaternion_linear_is_the_hamilton_product(weight: tuple[float, ...], q: tuple[float, ...]) -> None:
    layer = QuaternionLinear(1, 1)
    with torch.no_grad():
        for parameter, value in zip((layer.r, layer.i, layer.j, layer.k), weight, strict=True):
            parameter.fill_(value)
    out = layer(torch.tensor([q], dtype=torch.float32))
    assert torch.allclose(out, torch.tensor([_hamilton(weight, q)], dtype=torch.float32))  # i·j = k and j·i = −k among the cases


def test_quaternion_layer_needs_a_quarter_of_the_real_weights() -> None:
    real, quaternion = nn.Linear(32, 16, bias=False), QuaternionLinear(8, 4)
    assert sum(p.numel() for p in (quaternion.r, quaternion.i, quaternion.j, quaternion.k)) * 4 == real.weight.numel()


def test_umbrella_terms_are_registered_as_mlps() -> None:
    for term in ("neural network", "feedforward neural network", "deep neural network"):
        assert get_implementation(term).target == get_implementation("mlp").target
    assert sum(isinstance(m, nn.Linear) for m in create("deep-neural-network")) == 9  # 8 hidden layers and the readout


def test_pointer_network_outputs_a_distribution_over_input_positions() -> None:
    model = PointerNetwork()
    for n in (5, 9):  # the output vocabulary grows with the input
        points, order = torch.rand(3, n, 2), torch.argsort(torch.rand(3, n), dim=1)
        log_probs = model(points, order)
        assert log_probs.shape == (3, n, n)
        assert torch.allclose(log_probs.exp().sum(dim=-1), torch.ones(3, n), atol=1e-6)


def test_seq2seq_with_attention_logits_and_alignment() -> None:
    model = Seq2SeqAttention(src_vocab_size=30, tgt_vocab_size=20)
    logits = model(torch.randint(0, 30, (2, 11)), torch.randint(0, 20, (2, 4)))
    assert logits.shape == (2, 4, 20)
    weights = model.attention.weights
    assert weights is not None and weights.shape == (2, 11)
    assert torch.allclose(weights.sum(dim=-1), torch.ones(2), atol=1e-6)


def test_transformer_is_torch_builtin_and_outputs_the_target_shape() -> None:
    assert get_implementation("transformer").origin is Origin.BUILTIN
    model = create("transformer", d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1)
    assert model(torch.randn(2, 9, 16), torch.randn(2, 5, 16)).shape == (2, 5, 16)
