"""Sample inputs and float64 oracles for the reference losses of :mod:`implementations.components.training.losses`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from implementations.components.training.losses import (
    ArcFaceLoss,
    ContrastiveLoss,
    DiceLoss,
    FocalLoss,
    IoULoss,
    NTXentLoss,
    WassersteinLoss,
    reduce_values,
)


def two_views(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two views ``[4, 8]`` of the same embeddings (the first requiring grad)."""
    z1 = torch.randn(4, 8)
    return z1.requires_grad_(), z1.detach() + 0.3 * torch.randn(4, 8)


def pairs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Pair embeddings ``[6, 8]`` and 0/1 dissimilarity labels."""
    return torch.randn(6, 8, requires_grad=True), torch.randn(6, 8), torch.tensor([0, 1, 0, 1, 1, 0])


def iou_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Overlapping boxes ``[5, 4]`` (box mode) or predicted and 0/1 masks ``[4, 1, 8, 8]`` (mask mode)."""
    if args.get("mode", "box") == "mask":
        prediction = torch.randn(4, 1, 8, 8) if args.get("from_logits", False) else torch.rand(4, 1, 8, 8)
        return prediction.requires_grad_(), torch.randint(0, 2, (4, 1, 8, 8)).float()
    corner, size = torch.rand(5, 2) * 4, 1 + torch.rand(5, 2) * 4
    target = torch.cat([corner, corner + size], 1)
    return (target + 0.5 * torch.randn(5, 4)).requires_grad_(), target


def embeddings_with_labels(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Embeddings ``[6, embedding_dim]`` and labels below ``num_classes``."""
    return torch.randn(6, int(args.get("embedding_dim", 128)), requires_grad=True), torch.randint(0, int(args.get("num_classes", 10)), (6,))


def critic_scores(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Critic scores of 8 generated (requiring grad) and 8 real samples."""
    return torch.randn(8, 1, requires_grad=True), torch.randn(8, 1) + 1.0


def soft_targets(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Logits ``[4, 3]`` (requiring grad) and soft targets in ``[0, 1]`` (label smoothing, distillation)."""
    return torch.randn(4, 3, requires_grad=True), torch.rand(4, 3)


def focal_oracle(loss_fn: FocalLoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Binary focal loss in float64 from ``p = σ(x)`` (no log-sum-exp tricks).

    Lin et al. 2017 define ``p_t`` (``p`` for a positive, ``1 − p`` for a negative) and
    ``α_t`` for 0/1 targets; a soft target ``y`` interpolates both geometrically,
    ``p_t = p^y (1 − p)^(1−y)``, so ``−log p_t`` is the binary cross-entropy with ``y``, and
    linearly, ``α_t = α·y + (1 − α)(1 − y)``; with 0/1 targets these are the paper's.
    """
    x, y = inputs[0].detach().double(), inputs[1].double()
    p = torch.sigmoid(x)
    log_p_t = y * torch.log(p) + (1 - y) * torch.log(1 - p)
    alpha = args.get("alpha")
    a_t = torch.ones_like(p) if alpha is None else float(alpha) * y + (1 - float(alpha)) * (1 - y)
    return reduce_values(-a_t * (1 - torch.exp(log_p_t)) ** args.get("gamma", 2.0) * log_p_t, args.get("reduction", "mean"))


def dice_oracle(loss_fn: DiceLoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """V-Net Dice loss in float64 with an explicit loop over samples (sigmoid activation)."""
    x, y = inputs[0].detach().double(), inputs[1].double()
    smooth, losses = args.get("smooth", 1.0), []
    for p, g in zip(torch.sigmoid(x), y, strict=True):
        losses.append(1 - (2 * (p * g).sum() + smooth) / ((p * p).sum() + (g * g).sum() + smooth))
    return reduce_values(torch.stack(losses), args.get("reduction", "mean"))


def nt_xent_oracle(loss_fn: NTXentLoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """NT-Xent in float64, one anchor at a time with explicit loops over the 2B embeddings."""
    z = torch.cat([inputs[0].detach(), inputs[1]]).double()
    n, tau = z.shape[0], float(args.get("temperature", 0.5))

    def sim(i: int, j: int) -> float:
        return float(z[i] @ z[j] / (z[i].norm() * z[j].norm()) / tau)

    terms = []
    for i in range(n):
        positive = (i + n // 2) % n
        denominator = sum(math.exp(sim(i, k)) for k in range(n) if k != i)
        terms.append(-math.log(math.exp(sim(i, positive)) / denominator))
    return torch.tensor(sum(terms) / n, dtype=torch.float64)


def contrastive_oracle(loss_fn: ContrastiveLoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Contrastive loss in float64, pair by pair."""
    margin, values = float(args.get("margin", 1.0)), []
    for a, b, y in zip(inputs[0].detach().double(), inputs[1].double(), inputs[2].tolist(), strict=True):
        d = float((a - b).norm())
        values.append(0.5 * d**2 if y == 0 else 0.5 * max(0.0, margin - d) ** 2)
    return reduce_values(torch.tensor(values, dtype=torch.float64), args.get("reduction", "mean"))


def iou_oracle(loss_fn: IoULoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """``1 − IoU`` in float64: box by box from the overlap's sides, or mask by mask from sums."""
    eps, values = float(args.get("eps", 1e-7)), []
    if args.get("mode", "box") == "mask":
        prediction = inputs[0].detach().double()
        for p, g in zip(prediction.sigmoid() if args.get("from_logits") else prediction, inputs[1].double(), strict=True):
            inter = float((p * g).sum())
            values.append(1 - inter / (float(p.sum()) + float(g.sum()) - inter + eps))
        return reduce_values(torch.tensor(values, dtype=torch.float64), args.get("reduction", "mean"))
    for (a1, b1, a2, b2), (c1, d1, c2, d2) in zip(inputs[0].detach().double().tolist(), inputs[1].double().tolist(), strict=True):
        inter = max(0.0, min(a2, c2) - max(a1, c1)) * max(0.0, min(b2, d2) - max(b1, d1))
        union = max(0.0, a2 - a1) * max(0.0, b2 - b1) + (c2 - c1) * (d2 - d1) - inter
        values.append(1 - inter / (union + eps))
    return reduce_values(torch.tensor(values, dtype=torch.float64), args.get("reduction", "mean"))


def arcface_oracle(loss_fn: ArcFaceLoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """ArcFace in float64 through explicit angles ``θ = arccos(cos θ)``."""
    x, labels = inputs[0].detach().double(), inputs[1]
    w = loss_fn.weight.detach().double()
    theta = torch.arccos((F.normalize(x, dim=1) @ F.normalize(w, dim=1).T).clamp(-1, 1))
    s, m = args.get("s", 64.0), args.get("m", 0.5)
    logits = torch.cos(theta)
    for row, label in enumerate(labels.tolist()):
        angle = float(theta[row, label])
        logits[row, label] = math.cos(angle + m) if angle + m < math.pi else math.cos(angle) - m * math.sin(m)
    return F.cross_entropy(s * logits, labels)


def wasserstein_oracle(loss_fn: WassersteinLoss, inputs: Sequence[Tensor], args: Mapping[str, Any]) -> Tensor:
    """Critic loss ``mean(fake) − mean(real)`` in float64 (generator: ``−mean(fake)``)."""
    fake = inputs[0].detach().double()
    if args.get("mode", "critic") == "generator":
        return -fake.sum() / fake.numel()
    real = inputs[1].double()
    return fake.sum() / fake.numel() - real.sum() / real.numel()
