"""Training techniques registered as modules: properties and closed forms the smoke matrix cannot see."""

from __future__ import annotations

import math

import torch

from implementations.components.layers.blockwise_attention import BlockwiseAttention
from implementations.components.layers.decoding import SpeculativeSampler
from implementations.components.layers.plasticity import OjaHebbian, PairSTDP
from implementations.components.training.efficiency import CheckpointedResidualMLP, PrunedLinear
from implementations.components.training.pretraining import MaskedAutoencoder, linear_scaling


def test_speculative_sampling_emits_the_target_distribution() -> None:
    torch.manual_seed(0)
    n = 40_000
    p, q = torch.tensor([0.5, 0.3, 0.2]), torch.tensor([0.2, 0.2, 0.6])
    target, draft = torch.stack([p, p]).expand(n, 2, 3), q.expand(n, 1, 3)
    tokens = torch.multinomial(q, n, replacement=True)[:, None]
    first = SpeculativeSampler()(target, draft, tokens, torch.rand(n, 2, 2))[:, 0]
    assert torch.allclose(torch.bincount(first, minlength=3).float() / n, p, atol=0.01)


def test_checkpointing_keeps_outputs_and_gradients() -> None:
    torch.manual_seed(0)
    model, x = CheckpointedResidualMLP(), torch.randn(4, 16)
    model(x).square().sum().backward()
    checkpointed = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    model.zero_grad()
    model.eval()
    model(x).square().sum().backward()
    plain = [p.grad for p in model.parameters() if p.grad is not None]
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(checkpointed, plain, strict=True))


def test_pruning_sparsity() -> None:
    unstructured, structured = PrunedLinear(16, 8, amount=0.5), PrunedLinear(16, 8, amount=0.25, structured=True)
    assert int((unstructured.linear.weight == 0).sum()) == 64
    assert int((structured.linear.weight.abs().sum(1) == 0).sum()) == 2


def test_stdp_single_pairs() -> None:
    rule = PairSTDP(a_plus=1.0, a_minus=0.5, tau_plus=2.0, tau_minus=4.0)
    pre, post = torch.zeros(1, 10, 1), torch.zeros(1, 10, 1)
    pre[0, 2, 0], post[0, 5, 0] = 1.0, 1.0  # pre 3 steps before post: potentiation e^{−3/2}
    assert math.isclose(float(rule(pre, post)), math.exp(-1.5), rel_tol=1e-6)
    assert math.isclose(float(rule(post, pre)), -0.5 * math.exp(-0.75), rel_tol=1e-6)  # post first: depression


def test_oja_neuron_finds_the_first_principal_component() -> None:
    torch.manual_seed(0)
    neuron = OjaHebbian(2, 1, lr=0.01)
    data = torch.randn(4000, 2) * torch.tensor([3.0, 0.5])
    for batch in data.split(8):
        neuron.apply_update(batch)
    w = neuron.weight[0]
    assert abs(float(w.norm()) - 1) < 0.05 and abs(abs(float(w[0])) - 1) < 0.05


def test_ring_order_does_not_change_attention() -> None:
    torch.manual_seed(0)
    ring, x = BlockwiseAttention(16, 2, num_blocks=3, causal=True), torch.randn(2, 9, 16)
    full = torch.nn.functional.scaled_dot_product_attention(
        *(t.view(2, 9, 2, 8).transpose(1, 2) for t in (ring.q_proj(x), ring.k_proj(x), ring.v_proj(x))), is_causal=True
    )
    assert torch.allclose(ring(x), ring.out_proj(full.transpose(1, 2).reshape(2, 9, 16)), atol=1e-5)


def test_mae_masks_the_configured_fraction() -> None:
    mae = MaskedAutoencoder(mask_ratio=0.75)
    loss = mae(torch.randn(2, 3, 16, 16))
    assert mae.mask is not None and mae.mask.sum(1).tolist() == [12.0, 12.0] and loss.ndim == 0


def test_linear_scaling_reaches_k_times_the_base_rate() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    schedule = linear_scaling(optimizer, batch_size=1024, base_batch_size=256, warmup_steps=4)
    rates = []
    for _ in range(6):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert [round(r, 6) for r in rates] == [0.1, 0.175, 0.25, 0.325, 0.4, 0.4]


def test_ppo_clip_stops_the_gradient_outside_the_trust_region() -> None:
    from implementations.components.training.alignment import PPOClipKLLoss

    new = torch.tensor([math.log(1.5)], requires_grad=True)  # ratio 1.5 > 1 + ε with a positive advantage: clipped
    PPOClipKLLoss(clip=0.2, kl_coef=0.0)(new, torch.zeros(1), torch.ones(1), torch.zeros(1)).backward()
    assert new.grad is not None and float(new.grad) == 0.0


def test_pipeline_micro_batching_matches_the_whole_batch() -> None:
    from implementations.components.layers.parallelism import PipelineParallel

    torch.manual_seed(0)
    pipe, x = PipelineParallel(micro_batches=3), torch.randn(7, 16)
    whole = x
    for stage in pipe.stages:
        whole = stage(whole)
    assert torch.allclose(pipe(x), whole)
