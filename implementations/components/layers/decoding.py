"""Speculative decoding: the accept/reject step of speculative sampling and Medusa's drafting heads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def _inverse_cdf(probs: Tensor, uniform: Tensor) -> Tensor:
    """Index ``i`` with ``F(i − 1) ≤ u < F(i)`` for each row of ``probs`` ``[B, V]``."""
    return (probs.cumsum(-1) <= uniform[:, None]).sum(-1).clamp(max=probs.shape[-1] - 1)


class SpeculativeSampler(nn.Module):
    """One verification step of speculative sampling: accept draft tokens, fix the first rejection.

    Draft token ``x_i ~ q_i`` is accepted with probability ``min(1, p_i(x_i) / q_i(x_i))``; at the
    first rejection a token is drawn from the residual ``norm(max(0, p_i − q_i))`` and decoding
    stops; if all ``K`` drafts pass, a bonus token is drawn from ``p_K``. Every emitted token is then
    distributed exactly as the target model's ``p`` — ``K`` tokens can come from one target pass.
    Randomness comes in as uniforms so the step is reproducible and checkable.

    References: Leviathan, Kalman, Matias (2023), "Fast Inference from Transformers via Speculative
    Decoding", arXiv:2211.17192; Chen, Borgeaud, Irving, Lespiau, Sifre, Jumper (2023),
    "Accelerating Large Language Model Decoding with Speculative Sampling", arXiv:2302.01318.
    """

    def forward(self, target: Tensor, draft: Tensor, tokens: Tensor, uniforms: Tensor) -> Tensor:
        """Target probabilities ``[B, K+1, V]``, draft probabilities ``[B, K, V]``, draft tokens ``[B, K]``, uniforms ``[B, K+1, 2]``.

        Returns:
            Emitted tokens ``[B, K+1]``, ``−1`` after the last emitted one.

        """
        batch, steps, _ = target.shape
        out = torch.full((batch, steps), -1, dtype=torch.long, device=target.device)
        alive = torch.ones(batch, dtype=torch.bool, device=target.device)
        for i in range(steps):
            if i < steps - 1:
                x = tokens[:, i]
                ratio = target[:, i].gather(1, x[:, None]) / draft[:, i].gather(1, x[:, None])
                accept = alive & (uniforms[:, i, 0] < ratio.squeeze(1).clamp(max=1.0))
                residual = (target[:, i] - draft[:, i]).clamp_min(0.0)
                total = residual.sum(-1, keepdim=True)
                dist = torch.where(total > 0, residual / total.clamp_min(1e-30), target[:, i])
            else:
                x, accept, dist = torch.zeros_like(out[:, 0]), torch.zeros_like(alive), target[:, i]
            fallback = torch.where(alive, _inverse_cdf(dist, uniforms[:, i, 1]), -1)
            out[:, i] = torch.where(accept, x, fallback)
            alive = accept
        return out


class MedusaHeads(nn.Module):
    """``K`` extra decoding heads on the last hidden state, head ``k`` guessing the token ``k + 1`` steps ahead.

    Head ``k``: ``logits = W_k^{out} (h + SiLU(W_k h + b_k))``. The drafts are verified by the target
    model as in speculative decoding (tree attention in the paper).

    Reference: Cai, Li, Geng, Peng, Lee, Chen, Dao (2024), "Medusa: Simple LLM Inference
    Acceleration Framework with Multiple Decoding Heads", arXiv:2401.10774.

    Args:
        hidden_size: Width of the hidden state.
        vocab_size: Vocabulary.
        num_heads: Heads ``K``.

    """

    def __init__(self, hidden_size: int = 16, vocab_size: int = 50, num_heads: int = 3) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(hidden_size, hidden_size) for _ in range(num_heads))
        self.outputs = nn.ModuleList(nn.Linear(hidden_size, vocab_size, bias=False) for _ in range(num_heads))

    def forward(self, hidden: Tensor) -> Tensor:
        """``[B, T, hidden_size]`` → logits ``[B, T, K, vocab_size]``."""
        return torch.stack([out(hidden + F.silu(block(hidden))) for block, out in zip(self.blocks, self.outputs, strict=True)], dim=-2)


# --- samples and oracles --------------------------------------------------------------------------


def speculative_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Target/draft distributions for 64 sequences, 4 drafts over 6 tokens, drafts sampled from ``q``, uniforms."""
    target, draft = torch.softmax(torch.randn(64, 5, 6), -1), torch.softmax(torch.randn(64, 4, 6), -1)
    tokens = torch.multinomial(draft.reshape(-1, 6), 1).reshape(64, 4)
    return target, draft, tokens, torch.rand(64, 5, 2)


def speculative_oracle(module: SpeculativeSampler, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Sequence by sequence with Python floats: accept while ``u < p/q``, then one residual (or bonus) draw."""
    target, draft, tokens, uniforms = (t.double() if t.is_floating_point() else t for t in inputs)
    rows = []
    for b in range(target.shape[0]):
        emitted: list[int] = []
        for i in range(target.shape[1]):
            p = target[b, i].tolist()
            if i < draft.shape[1]:
                x, q = int(tokens[b, i]), draft[b, i].tolist()
                if float(uniforms[b, i, 0]) < min(1.0, p[x] / q[x]):
                    emitted.append(x)
                    continue
                residual = [max(0.0, a - c) for a, c in zip(p, q, strict=True)]
                p = [r / sum(residual) for r in residual] if sum(residual) > 0 else p
            u, cumulative, choice = float(uniforms[b, i, 1]), 0.0, len(p) - 1
            for index, mass in enumerate(p):
                cumulative += mass
                if u < cumulative:
                    choice = index
                    break
            emitted.append(choice)
            break
        rows.append(emitted + [-1] * (target.shape[1] - len(emitted)))
    return torch.tensor(rows)


def medusa_oracle(module: MedusaHeads, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Head by head in float64: ``W_out (h + h W_kᵀ + b_k) ⊙ σ(…)`` written with ``SiLU(z) = z·σ(z)``."""
    h = inputs[0].double()
    heads = []
    for block, out in zip(module.blocks, module.outputs, strict=True):
        assert isinstance(block, nn.Linear) and isinstance(out, nn.Linear)
        z = h @ block.weight.double().T + block.bias.double()
        heads.append((h + z * torch.sigmoid(z)) @ out.weight.double().T)
    return torch.stack(heads, dim=-2)
