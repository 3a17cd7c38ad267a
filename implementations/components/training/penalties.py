"""Training penalties and distillation: L1 weight penalty, WGAN-GP gradient penalty, knowledge distillation, CosFace."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from implementations.components.training.losses import ArcFaceLoss


class L1Penalty(nn.Module):
    """``λ · Σ |w|`` over the given tensors: add ``penalty(*model.parameters())`` to the loss.

    Its subgradient ``λ · sign(w)`` drives small weights to exactly zero (sparse solutions),
    unlike weight decay's ``λ w``.

    Reference: Tibshirani (1996), "Regression Shrinkage and Selection via the Lasso", Journal of
    the Royal Statistical Society B 58(1):267–288, doi:10.1111/j.2517-6161.1996.tb02080.x.

    Args:
        weight: ``λ``.

    """

    def __init__(self, weight: float = 1e-4) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, *tensors: Tensor) -> Tensor:
        """Any tensors (typically parameters) → the scalar penalty."""
        return self.weight * sum((t.abs().sum() for t in tensors), torch.zeros(()))


def gradient_penalty(critic: nn.Module, real: Tensor, fake: Tensor, epsilon: Tensor | None = None) -> Tensor:
    """``E[(‖∇_x̂ D(x̂)‖₂ − 1)²]`` at interpolates ``x̂ = ε x_real + (1 − ε) x_fake``, differentiable in the critic.

    Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville (2017), "Improved Training of Wasserstein
    GANs", arXiv:1704.00028 (Algorithm 1).

    Args:
        critic: ``D``; any module mapping samples ``[B, …]`` to scores.
        real: Real samples ``[B, …]``.
        fake: Generated samples of the same shape.
        epsilon: Mixing weights ``[B, 1, …]`` (broadcast over a sample); uniform draws when ``None``.

    """
    shape = (real.shape[0], *([1] * (real.dim() - 1)))
    eps = torch.rand(shape, dtype=real.dtype, device=real.device) if epsilon is None else epsilon.reshape(shape)
    mixed = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    penalty: Tensor = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
    return penalty


class GradientPenalty(nn.Module):
    """WGAN-GP's penalty ``λ · E[(‖∇_x̂ D(x̂)‖₂ − 1)²]`` at ``x̂ = ε x_real + (1 − ε) x_fake``.

    Holds a small critic ``D`` (``Linear → tanh → Linear``; ``hidden_features=0``: linear) so the
    term can be run and checked alone; in a GAN, pass the real critic. The gradient is taken with
    ``create_graph=True`` so the penalty trains the critic.

    Reference: Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville (2017), "Improved Training of
    Wasserstein GANs", arXiv:1704.00028 (Algorithm 1).

    Args:
        in_features: Sample width.
        hidden_features: Critic hidden width (0: a linear critic).
        weight: ``λ`` (10 in the paper).

    """

    def __init__(self, in_features: int = 8, hidden_features: int = 16, weight: float = 10.0) -> None:
        super().__init__()
        self.weight = weight
        layers: list[nn.Module] = [nn.Linear(in_features, hidden_features), nn.Tanh()] if hidden_features else []
        # No output bias: it has no effect on ∇D, so it would receive no gradient.
        layers.append(nn.Linear(hidden_features or in_features, 1, bias=False))
        self.critic = nn.Sequential(*layers)

    def forward(self, real: Tensor, fake: Tensor, epsilon: Tensor | None = None) -> Tensor:
        """Samples ``[B, D]`` (and optional mixing weights ``[B, 1]``, drawn uniformly if absent) → scalar."""
        return self.weight * gradient_penalty(self.critic, real, fake, epsilon)


class KnowledgeDistillationLoss(nn.Module):
    """``α · T² · KL(softmax(t/T) ‖ softmax(s/T)) + (1 − α) · CE(s, y)``.

    The ``T²`` factor keeps the soft term's gradients on the scale of the hard term's.

    Reference: Hinton, Vinyals, Dean (2015), "Distilling the Knowledge in a Neural Network",
    arXiv:1503.02531.

    Args:
        temperature: ``T``.
        alpha: Weight of the soft (teacher) term.

    """

    def __init__(self, temperature: float = 4.0, alpha: float = 0.9) -> None:
        super().__init__()
        self.temperature, self.alpha = temperature, alpha

    def forward(self, student: Tensor, teacher: Tensor, labels: Tensor) -> Tensor:
        """Student and teacher logits ``[B, C]``, class ids ``[B]`` → scalar."""
        t = self.temperature
        soft = F.kl_div(F.log_softmax(student / t, dim=-1), F.log_softmax(teacher / t, dim=-1), reduction="batchmean", log_target=True)
        return self.alpha * t * t * soft + (1 - self.alpha) * F.cross_entropy(student, labels)


class CosFaceLoss(ArcFaceLoss):
    """Large-margin cosine loss: the target logit becomes ``s·(cos θ_y − m)``.

    Reference: Wang, Wang, Zhou, Ji, Gong, Zhou, Li, Liu (2018), "CosFace: Large Margin Cosine Loss
    for Deep Face Recognition", arXiv:1801.09414.

    Args:
        embedding_dim: Size of the embeddings.
        num_classes: Number of identities.
        s: Scale.
        m: Cosine margin (0.35 in the paper).
        reduction: Over the batch.

    """

    def __init__(self, embedding_dim: int = 128, num_classes: int = 10, s: float = 64.0, m: float = 0.35, reduction: str = "mean") -> None:
        super().__init__(embedding_dim, num_classes, s, m, reduction)

    def logits(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        """``s·(cos θ − m·onehot(y))``."""
        cosine = F.normalize(embeddings, dim=1) @ F.normalize(self.weight, dim=1).T
        return self.s * (cosine - self.m * F.one_hot(labels, cosine.shape[1]).to(cosine.dtype))


# --- samples and float64 oracles ------------------------------------------------------------------


def weights_to_penalise(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """A weight matrix and a bias vector, both requiring grad."""
    return torch.randn(8, 4, requires_grad=True), torch.randn(4, requires_grad=True)


def real_fake_pairs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Real and fake samples ``[8, in_features]`` and mixing weights ``ε ~ U(0, 1)`` ``[8, 1]``."""
    width = int(args.get("in_features", 8))
    return torch.randn(8, width) + 1.0, torch.randn(8, width), torch.rand(8, 1)


def distillation_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Student logits (requiring grad), teacher logits ``[8, 5]`` and class ids."""
    return torch.randn(8, 5, requires_grad=True), 2.0 * torch.randn(8, 5), torch.randint(0, 5, (8,))


def l1_oracle(loss_fn: L1Penalty, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """``λ Σ |w|`` element by element."""
    return torch.tensor(loss_fn.weight * sum(abs(v) for t in inputs for v in t.detach().double().flatten().tolist()), dtype=torch.float64)


def gradient_penalty_oracle(module: GradientPenalty, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Closed-form critic gradient: ``w`` for a linear critic, ``W₁ᵀ (w₂ ⊙ (1 − tanh²(W₁ x̂ + b₁)))`` otherwise."""
    real, fake, eps = (t.double() for t in inputs)
    mixed = eps * real + (1 - eps) * fake
    layers = [m for m in module.critic if isinstance(m, nn.Linear)]
    out_weight = layers[-1].weight.double()[0]
    if len(layers) == 1:
        grads = out_weight.expand_as(mixed)
    else:
        first = layers[0]
        pre = mixed @ first.weight.double().T + first.bias.double()
        grads = (out_weight * (1 - torch.tanh(pre) ** 2)) @ first.weight.double()
    penalty: Tensor = module.weight * ((grads.norm(dim=1) - 1) ** 2).mean()
    return penalty


def distillation_oracle(loss_fn: KnowledgeDistillationLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Row by row: ``α T² Σ_c p_c log(p_c / q_c) + (1 − α)(−log softmax(s)_y)`` averaged over the batch."""
    student, teacher, labels = inputs[0].detach().double(), inputs[1].double(), inputs[2].tolist()
    t, alpha, total = loss_fn.temperature, loss_fn.alpha, 0.0
    for row, label in enumerate(labels):
        p = [math.exp(v / t) for v in teacher[row].tolist()]
        q = [math.exp(v / t) for v in student[row].tolist()]
        p, q = [v / sum(p) for v in p], [v / sum(q) for v in q]
        kl = sum(pc * math.log(pc / qc) for pc, qc in zip(p, q, strict=True))
        hard = -float(torch.log_softmax(student[row], dim=0)[label])
        total += alpha * t * t * kl + (1 - alpha) * hard
    return torch.tensor(total / len(labels), dtype=torch.float64)


def cosface_oracle(loss_fn: CosFaceLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Cosines through explicit norms, the margin subtracted from each target cosine, then cross-entropy (float64)."""
    x, labels = inputs[0].detach().double(), inputs[1]
    w = loss_fn.weight.detach().double()
    cosine = (x / x.norm(dim=1, keepdim=True)) @ (w / w.norm(dim=1, keepdim=True)).T
    for row, label in enumerate(labels.tolist()):
        cosine[row, label] -= loss_fn.m
    return F.cross_entropy(loss_fn.s * cosine, labels)
