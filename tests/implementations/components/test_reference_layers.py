"""Reference layers: attention variants, position encodings, gated FFNs, mixture of experts."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from implementations.components.layers.attention import GroupedQueryAttention, LinearAttention, MultiQueryAttention, SlidingWindowAttention
from implementations.components.layers.moe import LoadBalancingLoss, MixtureOfExperts
from implementations.components.layers.positional import ALiBi, RotaryPositionEmbedding, alibi_slopes
from implementations.registry.factory import create, get_implementation
from implementations.registry.smoke import run_smoke_test

SLUGS = [
    "grouped-query-attention",
    "multi-query-attention",
    "sliding-window-attention",
    "linear-attention",
    "rotary-position-embedding",
    "alibi",
    "sinusoidal-positional-encoding",
    "learned-positional-embedding",
    "swiglu",
    "geglu",
    "mixture-of-experts",
    "top-k-routing",
    "load-balancing-loss",
]


def affine64(x: torch.Tensor, layer: nn.Linear) -> torch.Tensor:
    y = x.double() @ layer.weight.double().T
    return y + layer.bias.double() if layer.bias is not None else y


# --- registry and smoke ---------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_smoke_with_oracle(slug: str) -> None:
    spec = get_implementation(slug)
    assert spec.oracle, f"{slug} should register an oracle"
    result = run_smoke_test(slug)
    assert result.ok, (result.error, [(c.name, c.detail) for c in result.checks if not c.ok])
    assert any(c.name == "oracle" and c.ok for c in result.checks)


@pytest.mark.parametrize(
    ("term", "args"),
    [
        ("gqa", {"causal": True, "num_kv_heads": 1, "bias": False}),
        ("sliding-window-attention", {"causal": False, "window_size": 4, "num_kv_heads": 2}),
        ("linear-attention", {"causal": True}),
        ("rope", {"interleaved": False, "base": 500}),
        ("mixture-of-experts", {"k": 1, "normalize": False}),
        ("load-balancing-loss", {"k": 2, "from_logits": False}),
    ],
)
def test_smoke_with_other_arguments(term: str, args: dict[str, object]) -> None:
    result = run_smoke_test(term, args)
    assert result.ok, (result.error, [(c.name, c.detail) for c in result.checks if not c.ok])


def test_aliases_resolve_and_meta_construction() -> None:
    assert get_implementation("GQA").concept == "grouped-query-attention"
    assert get_implementation("MQA").concept == "multi-query-attention"
    assert get_implementation("RoPE").concept == "rotary-position-embedding"
    assert get_implementation("MoE").concept == "mixture-of-experts"
    with torch.device("meta"):
        for slug in SLUGS:
            create(slug)


# --- gated feed-forward ---------------------------------------------------------------------------


def test_swiglu_closed_form() -> None:
    torch.manual_seed(0)
    module = create("swiglu", dim=64)
    assert module.hidden_dim == (8 * 64) // 3
    x = torch.randn(3, 5, 64)
    expected = affine64(F.silu(affine64(x, module.w)) * affine64(x, module.v), module.w2)
    torch.testing.assert_close(module(x).double(), expected, atol=1e-5, rtol=0)
    module64 = create("swiglu", dim=6, hidden_dim=5, bias=True).double()
    assert torch.autograd.gradcheck(module64, (torch.randn(2, 6, dtype=torch.float64, requires_grad=True),))


def test_geglu_closed_form() -> None:
    torch.manual_seed(0)
    module = create("geglu", dim=32, hidden_dim=48, bias=True)
    x = torch.randn(4, 32)
    expected = affine64(F.gelu(affine64(x, module.w)) * affine64(x, module.v), module.w2)
    torch.testing.assert_close(module(x).double(), expected, atol=1e-5, rtol=0)


# --- attention ------------------------------------------------------------------------------------


@pytest.mark.parametrize("causal", [False, True])
def test_gqa_equals_torch_mha_when_kv_heads_equal_heads(causal: bool) -> None:
    torch.manual_seed(0)
    gqa = create("gqa", embed_dim=24, num_heads=4, num_kv_heads=4, causal=causal).eval()
    mha = nn.MultiheadAttention(24, 4, batch_first=True)
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([gqa.q_proj.weight, gqa.k_proj.weight, gqa.v_proj.weight]))
        mha.in_proj_bias.copy_(torch.cat([gqa.q_proj.bias, gqa.k_proj.bias, gqa.v_proj.bias]))
        mha.out_proj.load_state_dict(gqa.out_proj.state_dict())
    x = torch.randn(2, 7, 24)
    mask = nn.Transformer.generate_square_subsequent_mask(7) if causal else None
    expected, _ = mha.eval()(x, x, x, attn_mask=mask, need_weights=False)
    torch.testing.assert_close(gqa(x), expected, atol=1e-5, rtol=0)
    # Cross-attention with a different key length.
    if not causal:
        memory = torch.randn(2, 5, 24)
        expected, _ = mha(x, memory, memory, need_weights=False)
        torch.testing.assert_close(gqa(x, memory), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kv_heads", [1, 2, 3])
def test_gqa_equals_mha_with_repeated_kv_heads(kv_heads: int) -> None:
    torch.manual_seed(1)
    gqa = GroupedQueryAttention(36, 6, num_kv_heads=kv_heads, bias=False).eval()
    group, head_dim = 6 // kv_heads, 6
    # Head h of the equivalent MHA reads key/value head h // group: repeat the weight rows blockwise.
    blocks = list(range(kv_heads))
    order = [blocks[h // group] for h in range(6)]
    k_rows = torch.cat([gqa.k_proj.weight[i * head_dim : (i + 1) * head_dim] for i in order])
    v_rows = torch.cat([gqa.v_proj.weight[i * head_dim : (i + 1) * head_dim] for i in order])
    mha = nn.MultiheadAttention(36, 6, bias=False, batch_first=True, dtype=torch.float64).eval()
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([gqa.q_proj.weight, k_rows, v_rows]))
        mha.out_proj.weight.copy_(gqa.out_proj.weight)
    x = torch.randn(3, 5, 36)
    expected, _ = mha(x.double(), x.double(), x.double(), need_weights=False)
    torch.testing.assert_close(gqa(x).double(), expected, atol=1e-5, rtol=0)
    assert gqa.k_proj.weight.shape == (kv_heads * head_dim, 36)


def test_mqa_is_gqa_with_one_kv_head() -> None:
    torch.manual_seed(2)
    mqa = MultiQueryAttention(32, 4, causal=True)
    gqa = GroupedQueryAttention(32, 4, num_kv_heads=1, causal=True)
    gqa.load_state_dict(mqa.state_dict())
    x = torch.randn(2, 6, 32)
    torch.testing.assert_close(mqa(x), gqa(x))
    assert mqa.k_proj.out_features == 8


def test_gqa_rejects_bad_head_counts() -> None:
    with pytest.raises(ValueError):
        GroupedQueryAttention(32, 4, num_kv_heads=3)
    with pytest.raises(ValueError):
        GroupedQueryAttention(30, 4)


def test_gqa_gradcheck_and_causality() -> None:
    torch.manual_seed(3)
    gqa = GroupedQueryAttention(8, 4, num_kv_heads=2, causal=True).double()
    x = torch.randn(1, 4, 8, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(gqa, (x,))
    changed = x.detach().clone()
    changed[:, 3] += 1.0
    torch.testing.assert_close(gqa(changed)[:, :3], gqa(x.detach())[:, :3])


def test_sliding_window_locality_and_limits() -> None:
    torch.manual_seed(4)
    swa = SlidingWindowAttention(16, 2, window_size=3)
    x = torch.randn(1, 10, 16)
    base = swa(x)
    # Position 7 sees keys 5, 6, 7 only: changing token 4 (or any future token) leaves it unchanged.
    for pos in (4, 8):
        changed = x.clone()
        changed[:, pos] += 5.0
        torch.testing.assert_close(swa(changed)[:, 7], base[:, 7])
    changed = x.clone()
    changed[:, 5] += 5.0
    assert not torch.allclose(swa(changed)[:, 7], base[:, 7])
    # A window longer than the sequence is plain causal attention.
    wide = SlidingWindowAttention(16, 2, window_size=10)
    causal = GroupedQueryAttention(16, 2, causal=True)
    causal.load_state_dict(wide.state_dict())
    torch.testing.assert_close(wide(x), causal(x))
    bidirectional = SlidingWindowAttention(16, 2, window_size=4, causal=False)
    allowed = bidirectional.allowed(6, 6, torch.device("cpu"))
    assert allowed[3].tolist() == [False, True, True, True, True, True]


@pytest.mark.parametrize("causal", [False, True])
def test_linear_attention_matches_quadratic_kernel_form(causal: bool) -> None:
    torch.manual_seed(5)
    attn = LinearAttention(16, 2, causal=causal)
    x = torch.randn(2, 6, 16)
    q = torch.stack(affine64(x, attn.q_proj).split(8, dim=-1), dim=1)
    k = torch.stack(affine64(x, attn.k_proj).split(8, dim=-1), dim=1)
    v = torch.stack(affine64(x, attn.v_proj).split(8, dim=-1), dim=1)
    sim = (F.elu(q) + 1) @ (F.elu(k) + 1).transpose(-2, -1)
    if causal:
        sim = sim * torch.ones(6, 6, dtype=torch.float64).tril()
    heads = (sim @ v) / (sim.sum(-1, keepdim=True) + attn.eps)
    expected = affine64(torch.cat(heads.unbind(1), dim=-1), attn.out_proj)
    torch.testing.assert_close(attn(x).double(), expected, atol=1e-5, rtol=0)


def test_linear_attention_gradcheck() -> None:
    torch.manual_seed(6)
    attn = LinearAttention(4, 2, causal=True).double()
    assert torch.autograd.gradcheck(attn, (torch.randn(1, 3, 4, dtype=torch.float64, requires_grad=True),))


# --- position encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("interleaved", [True, False])
def test_rope_complex_formulation(interleaved: bool) -> None:
    rope = RotaryPositionEmbedding(8, interleaved=interleaved)
    x = torch.randn(2, 3, 5, 8, dtype=torch.float64)
    pairs = x.reshape(2, 3, 5, 4, 2) if interleaved else torch.stack([x[..., :4], x[..., 4:]], dim=-1)
    z = torch.complex(pairs[..., 0], pairs[..., 1])
    theta = torch.tensor([10000.0 ** (-2 * i / 8) for i in range(4)], dtype=torch.float64)
    angle = torch.arange(5, dtype=torch.float64)[:, None] * theta
    rotated = z * torch.exp(1j * angle)
    expected = torch.stack([rotated.real, rotated.imag], -1).flatten(-2) if interleaved else torch.cat([rotated.real, rotated.imag], -1)
    torch.testing.assert_close(rope(x), expected)
    # Offsets shift positions.
    torch.testing.assert_close(rope(x[..., 2:, :], offset=2), expected[..., 2:, :])


def test_rope_preserves_norms_and_depends_on_relative_position() -> None:
    rope = RotaryPositionEmbedding(16).double()
    q, k = torch.randn(1, 1, 16, dtype=torch.float64), torch.randn(1, 1, 16, dtype=torch.float64)
    x = torch.randn(4, 12, 16, dtype=torch.float64)
    torch.testing.assert_close(rope(x).norm(dim=-1), x.norm(dim=-1))

    def score(m: int, n: int) -> torch.Tensor:
        return (rope(q, positions=torch.tensor([m])) * rope(k, positions=torch.tensor([n]))).sum()

    torch.testing.assert_close(score(7, 3), score(4, 0))
    torch.testing.assert_close(score(2, 9), score(102, 109))
    assert not torch.allclose(score(7, 3), score(7, 4))
    # Position 0 is the identity.
    torch.testing.assert_close(rope(q), q)


def test_alibi_slopes_and_bias() -> None:
    for heads in (1, 2, 4, 8, 16):
        assert alibi_slopes(heads) == pytest.approx([2 ** (-8 * i / heads) for i in range(1, heads + 1)])
    assert alibi_slopes(8) == pytest.approx([1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256])
    # Non power of two: slopes of 4 heads, then every other slope of 8 heads.
    assert alibi_slopes(6) == pytest.approx([2**-2, 2**-4, 2**-6, 2**-8, 2**-1, 2**-3])
    alibi = ALiBi(4)
    bias = alibi.bias(5)
    assert bias.shape == (4, 5, 5)
    for h in range(4):
        slope = 2 ** (-8 * (h + 1) / 4)
        for i in range(5):
            for j in range(i + 1):
                assert float(bias[h, i, j]) == pytest.approx(-slope * (i - j))
    # Cached decoding: 2 queries against 5 keys are the last two rows.
    torch.testing.assert_close(alibi.bias(2, 5), bias[:, 3:])
    scores = torch.randn(3, 4, 5, 5)
    torch.testing.assert_close(alibi(scores), scores + bias)


def test_alibi_inside_causal_attention() -> None:
    torch.manual_seed(7)
    attn = GroupedQueryAttention(16, 4, causal=True).eval()
    x = torch.randn(2, 6, 16)
    q = torch.stack(attn.q_proj(x).split(4, -1), 1)
    k = torch.stack(attn.k_proj(x).split(4, -1), 1)
    v = torch.stack(attn.v_proj(x).split(4, -1), 1)
    scores = q @ k.transpose(-2, -1) / 2.0 + ALiBi(4).bias(6)
    scores = scores.masked_fill(torch.ones(6, 6, dtype=torch.bool).triu(1), float("-inf"))
    expected = attn.out_proj(torch.cat((scores.softmax(-1) @ v).unbind(1), -1))
    torch.testing.assert_close(attn(x, attn_bias=ALiBi(4).bias(6)), expected, atol=1e-5, rtol=0)


def test_sinusoidal_formula() -> None:
    module = create("sinusoidal-positional-encoding", dim=10, max_len=50)
    x = torch.zeros(1, 50, 10)
    pe = module(x)[0].double()
    for pos in (0, 1, 17, 49):
        for i in range(5):
            angle = pos / 10000 ** (2 * i / 10)
            assert float(pe[pos, 2 * i]) == pytest.approx(math.sin(angle), abs=1e-6)
            assert float(pe[pos, 2 * i + 1]) == pytest.approx(math.cos(angle), abs=1e-6)
    torch.testing.assert_close(module(x[:, :5], offset=3), module(x)[:, 3:8])
    with pytest.raises(ValueError):
        module(torch.zeros(1, 51, 10))


def test_learned_positional_embedding() -> None:
    module = create("learned-positional-embedding", max_len=8, dim=4)
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(module(x), x + module.weight[:5])
    module(x).sum().backward()
    assert module.weight.grad is not None
    assert bool((module.weight.grad[:5] == 2.0).all()) and bool((module.weight.grad[5:] == 0.0).all())


# --- mixture of experts ---------------------------------------------------------------------------


def test_load_balancing_loss_values() -> None:
    loss = LoadBalancingLoss(k=1, from_logits=False)
    # Token i prefers expert i % 4: f is uniform, so the loss is Σ_i P_i = 1.
    balanced = torch.full((8, 4), 0.24) + 0.04 * F.one_hot(torch.arange(8) % 4, 4)
    assert float(loss(balanced)) == pytest.approx(1.0, abs=1e-6)
    collapsed = torch.tensor([[1.0, 0.0, 0.0, 0.0]] * 8)
    assert float(loss(collapsed)) == pytest.approx(4.0)
    # The same by hand on random probabilities.
    probs = torch.softmax(torch.randn(10, 4), -1)
    chosen = probs.argmax(-1)
    f = torch.stack([(chosen == e).double().mean() for e in range(4)])
    assert float(loss(probs)) == pytest.approx(4 * float((f * probs.double().mean(0)).sum()), abs=1e-6)


def test_load_balancing_gradient_flows_through_probabilities_only() -> None:
    logits = torch.randn(16, 4, requires_grad=True)
    LoadBalancingLoss(k=2)(logits).backward()
    assert logits.grad is not None and bool(torch.isfinite(logits.grad).all()) and float(logits.grad.abs().sum()) > 0


def test_moe_matches_dense_evaluation_and_exposes_aux_loss() -> None:
    torch.manual_seed(8)
    moe = MixtureOfExperts(8, num_experts=4, k=2, hidden_dim=16)
    x = torch.randn(2, 5, 8)
    y = moe(x)
    tokens = x.reshape(-1, 8)
    probs = torch.softmax(affine64(tokens, moe.router.proj), -1)
    top, idx = probs.topk(2, -1)
    expected = torch.zeros(10, 8, dtype=torch.float64)
    for n in range(10):
        for slot in range(2):
            expert = moe.experts[int(idx[n, slot])].double()
            expected[n] += top[n, slot] / top[n].sum() * expert(tokens[n].double())
    torch.testing.assert_close(y.double().reshape(-1, 8), expected, atol=1e-5, rtol=0)
    moe.float()
    assert moe.aux_loss.shape == ()
    assert moe.router_logits is not None
    torch.testing.assert_close(moe.aux_loss, LoadBalancingLoss(k=2)(moe.router_logits))
    (y.sum() + 0.01 * moe.aux_loss).backward()
    assert all(p.grad is not None for p in moe.parameters())


def test_moe_with_all_experts_is_a_soft_mixture() -> None:
    torch.manual_seed(9)
    moe = MixtureOfExperts(6, num_experts=3, k=3, hidden_dim=8)
    x = torch.randn(4, 6)
    gates = torch.softmax(moe.router.proj(x), -1)
    expected = sum(gates[:, e : e + 1] * moe.experts[e](x) for e in range(3))
    torch.testing.assert_close(moe(x), expected, atol=1e-6, rtol=0)
