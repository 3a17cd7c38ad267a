"""Components that finish the coverage list: closed forms and properties the smoke matrix cannot see."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from implementations.components.layers.attention_extras import FlashAttention, KVCacheAttention
from implementations.components.layers.attention_patterns import SparsePatternAttention
from implementations.components.layers.continuous_cells import LiquidTimeConstant
from implementations.components.layers.conv_variants import CausalConv1d, DeformableConv2d, OctaveConv2d
from implementations.components.layers.spiking import LeakyIntegrateAndFire, SurrogateSpike
from implementations.components.training.mixing import CutMix, Mixup
from implementations.components.training.optim_wrappers import GradientClipping, zero_redundancy
from implementations.components.training.penalties import GradientPenalty
from implementations.components.training.perceptual import PerceptualLoss
from implementations.components.training.rnnt import RNNTLoss


def test_deformable_conv_with_zero_offsets_is_a_plain_conv() -> None:
    torch.manual_seed(0)
    layer, x = DeformableConv2d(3, 5), torch.randn(2, 3, 7, 7)
    assert torch.allclose(layer(x), F.conv2d(x, layer.weight, layer.bias, padding=1), atol=1e-5)


def test_deformable_conv_with_integer_offsets_shifts_the_taps() -> None:
    torch.manual_seed(0)
    layer, x = DeformableConv2d(2, 3, padding=0, bias=False), torch.randn(1, 2, 8, 8)
    offsets = torch.zeros(1, 18, 6, 6)
    offsets[:, 1::2] = 1.0  # every tap one pixel to the right
    shifted = F.conv2d(F.pad(x[..., 1:], (0, 1)), layer.weight)
    assert torch.allclose(layer(x, offsets), shifted, atol=1e-5)


def test_octave_conv_without_low_frequencies_is_a_plain_conv() -> None:
    layer, x = OctaveConv2d(4, 6, alpha_in=0.0, alpha_out=0.0), torch.randn(2, 4, 8, 8)
    high, low = layer(x)
    assert low is None and layer.high_to_high is not None
    assert torch.allclose(high, layer.high_to_high(x))


def test_causal_conv_ignores_the_future() -> None:
    layer, x = CausalConv1d(2, 3, kernel_size=3, dilation=2), torch.randn(1, 2, 12)
    changed = x.clone()
    changed[..., 7:] += 1.0
    assert torch.equal(layer(x)[..., :7], layer(changed)[..., :7])


def test_sparse_pattern_masks() -> None:
    window = SparsePatternAttention(8, 2, window_size=3, dilation=2).allowed(6, 6, torch.device("cpu"))
    assert window[3].tolist() == [False, True, False, True, False, True]
    global_mask = SparsePatternAttention(8, 2, window_size=0, global_tokens=1).allowed(5, 5, torch.device("cpu"))
    assert global_mask[0].all() and global_mask[:, 0].all() and global_mask.sum() == 5 + 4 + 4
    rand = SparsePatternAttention(8, 2, window_size=0, num_random=2, seed=3).allowed(6, 6, torch.device("cpu"))
    assert (rand.sum(1) >= 2).all() and (rand.sum(1) <= 3).all()


def test_kv_cache_decoding_equals_full_causal_attention() -> None:
    torch.manual_seed(0)
    layer, x = KVCacheAttention(16, 4, num_kv_heads=2), torch.randn(2, 6, 16)
    full = super(KVCacheAttention, layer).forward(x)  # GroupedQueryAttention, causal, whole sequence
    assert torch.allclose(layer(x), full, atol=1e-5)
    assert layer.cache is not None and layer.cache[0].shape == (2, 2, 6, 4)  # the cache holds the KV heads only


def test_flash_backend_matches_explicit_softmax() -> None:
    torch.manual_seed(0)
    layer, x = FlashAttention(16, 4, causal=True), torch.randn(2, 5, 16)
    q, k, v = (t.view(2, 5, 4, 4).transpose(1, 2) for t in (layer.q_proj(x), layer.k_proj(x), layer.v_proj(x)))
    scores = (q @ k.transpose(-2, -1) / 2.0).masked_fill(torch.ones(5, 5, dtype=torch.bool).triu(1), float("-inf"))
    expected = layer.out_proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(2, 5, 16))
    assert torch.allclose(layer(x), expected, atol=1e-5)


def test_ltc_fused_solver_approaches_the_ode_solution() -> None:
    from torchdiffeq import odeint

    torch.manual_seed(0)
    cell, x = LiquidTimeConstant(3, 4, unfolds=400).double(), torch.randn(1, 1, 3, dtype=torch.float64)
    drive = cell.input_proj(x[:, 0])

    def field(t: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        f = cell.gate(s, drive)
        return -(torch.exp(-cell.log_tau) + f) * s + f * cell.target

    exact = odeint(field, torch.zeros(1, 4, dtype=torch.float64), torch.tensor([0.0, 1.0], dtype=torch.float64), rtol=1e-10, atol=1e-10)[-1]
    assert torch.allclose(cell(x)[:, 0], exact, atol=1e-3)


def test_lif_first_spike_time_closed_form() -> None:
    layer = LeakyIntegrateAndFire(1, 1, beta=0.8, threshold=1.0)
    with torch.no_grad():
        layer.synapse.weight.fill_(1.0)
        layer.synapse.bias.zero_()
    current = 0.3  # v_t = I (1 − β^t) / (1 − β) crosses θ = 1 first at t = 5 (1-based)
    spikes = layer(torch.full((1, 8, 1), current))[0, :, 0]
    first = next(t for t in itertools.count(1) if current * (1 - 0.8**t) / 0.2 > 1.0)
    assert int(spikes.nonzero()[0]) + 1 == first


def test_surrogate_gradient_is_the_fast_sigmoid_derivative() -> None:
    x = torch.tensor([-0.5, 0.0, 0.2], requires_grad=True)
    SurrogateSpike(slope=10.0)(x).sum().backward()
    assert x.grad is not None and torch.allclose(x.grad, 1 / (1 + 10 * x.detach().abs()) ** 2)


def test_mixup_label_mass_sums_to_one_and_cutmix_area_is_lambda() -> None:
    torch.manual_seed(0)
    x, y = torch.randn(6, 3, 16, 16), torch.randint(0, 4, (6,))
    _, soft = Mixup(alpha=0.4, num_classes=4)(x, y)
    assert torch.allclose(soft.sum(1), torch.ones(6))
    cutmix = CutMix(alpha=1.0, num_classes=4)
    mixed, soft = cutmix(x, y)
    assert cutmix.permutation is not None
    changed = (mixed != x).any(dim=1)  # pixels taken from the partner (a partner equal to itself changes none)
    partner_differs = cutmix.permutation != torch.arange(6)
    top, bottom, left, right = cutmix.box
    assert torch.allclose(soft.sum(1), torch.ones(6))
    assert 1 - (bottom - top) * (right - left) / 256 == pytest.approx(cutmix.lam)
    assert int(changed[partner_differs].sum()) == int(partner_differs.sum()) * (bottom - top) * (right - left)


def test_gradient_penalty_of_a_linear_critic() -> None:
    penalty = GradientPenalty(4, hidden_features=0, weight=10.0)
    w = penalty.critic[0].weight
    expected = 10.0 * (w.norm() - 1) ** 2
    assert torch.allclose(penalty(torch.randn(5, 4), torch.randn(5, 4)), expected)


def test_perceptual_loss_is_zero_for_identical_images_and_quadratic_when_linear() -> None:
    loss, x = PerceptualLoss(activation=False, pool="avg"), torch.randn(1, 3, 8, 8)
    assert float(loss(x, x)) == 0.0
    y = torch.randn(1, 3, 8, 8)
    assert torch.allclose(loss(x + 2 * (y - x), x), 4 * loss(y, x), rtol=1e-4)  # φ linear: L(x+2d, x) = 4 L(x+d, x)


def test_rnnt_loss_single_frame_closed_form() -> None:
    logits = torch.randn(1, 1, 2, 3)  # T = 1, U = 1: the only path emits y then blank
    lp = logits.log_softmax(-1)
    expected = -(lp[0, 0, 0, 2] + lp[0, 0, 1, 0])
    assert torch.allclose(RNNTLoss()(logits, torch.tensor([[2]]), torch.tensor([1]), torch.tensor([1])), expected)


def test_gradient_clipping_caps_the_update() -> None:
    p = torch.nn.Parameter(torch.zeros(3))
    opt = GradientClipping([p], lr=1.0, max_norm=0.5)
    p.grad = torch.tensor([3.0, 4.0, 0.0])
    opt.step()
    assert torch.allclose(p.detach(), torch.tensor([-0.3, -0.4, 0.0]))


def test_zero_state_dict_round_trip() -> None:
    model = torch.nn.Linear(4, 2)
    opt = zero_redundancy(model.parameters(), lr=0.1)
    model(torch.randn(3, 4)).sum().backward()
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"state", "param_groups"} and len(state["state"]) == 2
