"""Policy and preference objectives: Bradley–Terry reward modelling, RLHF's PPO-clip with a KL penalty, A3C's actor-critic loss."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class RewardModelLoss(nn.Module):
    """Pairwise preference loss ``−log σ(r(x, y_w) − r(x, y_l))`` averaged over comparisons.

    Trains a scalar reward head so that the preferred response scores higher (Bradley–Terry).

    Reference: Ouyang et al. (2022), "Training language models to follow instructions with human
    feedback", arXiv:2203.02155 (equation 1); Bradley, Terry (1952), Biometrika 39:324–345.
    """

    def forward(self, chosen: Tensor, rejected: Tensor) -> Tensor:
        """Rewards of the preferred and the other response ``[B]`` → scalar."""
        return -F.logsigmoid(chosen - rejected).mean()


class PPOClipKLLoss(nn.Module):
    """RLHF's policy loss: PPO's clipped surrogate plus a KL penalty to the reference (SFT) policy.

    ``L = −E[min(ρ A, clip(ρ, 1 − ε, 1 + ε) A)] + β · E[log π(a) − log π_ref(a)]`` per token, with
    ``ρ = exp(log π(a) − log π_old(a))``.

    References: Schulman, Wolski, Dhariwal, Radford, Klimov (2017), "Proximal Policy Optimization
    Algorithms", arXiv:1707.06347 (equation 7); Ouyang et al. (2022), arXiv:2203.02155
    (equation 2, the KL-penalised objective).

    Args:
        clip: ``ε``.
        kl_coef: ``β``.

    """

    def __init__(self, clip: float = 0.2, kl_coef: float = 0.1) -> None:
        super().__init__()
        self.clip, self.kl_coef = clip, kl_coef

    def forward(self, logprobs: Tensor, old_logprobs: Tensor, advantages: Tensor, ref_logprobs: Tensor) -> Tensor:
        """Per-token log-probabilities of the taken actions (current, behaviour, reference) and advantages → scalar."""
        ratio = torch.exp(logprobs - old_logprobs)
        surrogate = torch.minimum(ratio * advantages, ratio.clamp(1 - self.clip, 1 + self.clip) * advantages)
        return -surrogate.mean() + self.kl_coef * (logprobs - ref_logprobs).mean()


class ActorCriticLoss(nn.Module):
    """Advantage actor-critic loss: ``−log π(a)·(R − V) + c_v·(R − V)² − c_e·H(π)``, averaged.

    The advantage is detached in the policy term; A3C computes this loss in many asynchronous
    workers that update shared parameters (the asynchrony is a systems choice outside the loss).

    Reference: Mnih, Badia, Mirza, Graves, Lillicrap, Harley, Silver, Kavukcuoglu (2016),
    "Asynchronous Methods for Deep Reinforcement Learning", arXiv:1602.01783 (Algorithm S3).

    Args:
        value_coef: ``c_v``.
        entropy_coef: ``c_e``.

    """

    def __init__(self, value_coef: float = 0.5, entropy_coef: float = 0.01) -> None:
        super().__init__()
        self.value_coef, self.entropy_coef = value_coef, entropy_coef

    def forward(self, logits: Tensor, values: Tensor, actions: Tensor, returns: Tensor) -> Tensor:
        """Policy logits ``[B, A]``, value estimates ``[B]``, taken actions ``[B]``, n-step returns ``[B]`` → scalar."""
        log_probs = torch.log_softmax(logits, dim=-1)
        advantage = returns - values
        policy = -(log_probs.gather(1, actions[:, None]).squeeze(1) * advantage.detach()).mean()
        entropy = -(log_probs.exp() * log_probs).sum(-1).mean()
        return policy + self.value_coef * advantage.square().mean() - self.entropy_coef * entropy


# --- samples and float64 oracles ------------------------------------------------------------------


def preference_pairs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Rewards of 8 chosen (requiring grad) and 8 rejected responses."""
    return torch.randn(8, requires_grad=True), torch.randn(8)


def policy_batch(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Log-probabilities of 16 tokens: current (requiring grad), behaviour, advantages, reference."""
    old = -torch.rand(16) * 3
    return (old + 0.3 * torch.randn(16)).requires_grad_(), old, torch.randn(16), old + 0.1 * torch.randn(16)


def actor_critic_batch(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Policy logits ``[8, 4]`` (requiring grad), values, actions and returns."""
    return torch.randn(8, 4, requires_grad=True), torch.randn(8), torch.randint(0, 4, (8,)), torch.randn(8)


def reward_oracle(loss_fn: RewardModelLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """``mean log(1 + e^{−(r_w − r_l)})`` pair by pair."""
    pairs = zip(inputs[0].tolist(), inputs[1].tolist(), strict=True)
    return torch.tensor(sum(math.log1p(math.exp(-(w - lose))) for w, lose in pairs) / inputs[0].numel(), dtype=torch.float64)


def ppo_oracle(loss_fn: PPOClipKLLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Token by token: the clipped surrogate as a case split on the advantage's sign, plus β·(log π − log π_ref)."""
    total, eps = 0.0, loss_fn.clip
    for new, old, adv, ref in zip(*(t.tolist() for t in inputs), strict=True):
        ratio = math.exp(new - old)
        bounded = min(ratio, 1 + eps) if adv >= 0 else max(ratio, 1 - eps)
        total += -bounded * adv + loss_fn.kl_coef * (new - ref)
    return torch.tensor(total / inputs[0].numel(), dtype=torch.float64)


def actor_critic_oracle(loss_fn: ActorCriticLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Sample by sample with an explicit softmax."""
    logits, values, actions, returns = inputs
    total = 0.0
    for row, value, action, ret in zip(logits.tolist(), values.tolist(), actions.tolist(), returns.tolist(), strict=True):
        z = sum(math.exp(v) for v in row)
        probs = [math.exp(v) / z for v in row]
        entropy = -sum(p * math.log(p) for p in probs)
        total += -math.log(probs[action]) * (ret - value) + loss_fn.value_coef * (ret - value) ** 2 - loss_fn.entropy_coef * entropy
    return torch.tensor(total / len(actions), dtype=torch.float64)
