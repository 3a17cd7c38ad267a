"""Reference implementations of losses: focal, Dice, NT-Xent, contrastive, IoU, ArcFace, Wasserstein.

Each loss is an ``nn.Module`` whose ``forward`` takes the prediction first and returns a scalar
(``reduction="mean"`` or ``"sum"``) or per-item values (``"none"``). Sample inputs and float64
oracles for the smoke tests are in :mod:`implementations.components.training.loss_checks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_REDUCTIONS = ("mean", "sum", "none")


def reduce_values(values: Tensor, reduction: str) -> Tensor:
    """Reduce per-item losses by ``"mean"``, ``"sum"`` or ``"none"``."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


class _Loss(nn.Module):
    def __init__(self, reduction: str) -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction


class FocalLoss(_Loss):
    """Focal loss ``FL(p_t) = −α_t (1 − p_t)^γ log p_t``.

    Lin, Goyal, Girshick, He, Dollár (2017), "Focal Loss for Dense Object Detection",
    arXiv:1708.02002. Binary mode (sigmoid, the paper's form) is chosen when the target has the
    prediction's shape; otherwise the target holds class indices and a softmax is used. With
    ``gamma=0`` and ``alpha=None`` it is exactly (binary) cross-entropy.

    Args:
        alpha: Binary: weight of positives (negatives get ``1 − alpha``). Multi-class: one weight
            for every class, or a per-class sequence. ``None`` disables the weighting.
        gamma: Focusing parameter γ ≥ 0.
        reduction: ``"mean"``, ``"sum"`` or ``"none"``.

    """

    def __init__(self, alpha: float | Sequence[float] | None = 0.25, gamma: float = 2.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if gamma < 0:
            raise ValueError("gamma must be non-negative")
        self.alpha = alpha
        self.gamma = gamma

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        """Logits ``[B, ...]`` with 0/1 targets of the same shape, or ``[B, C, ...]`` with class ids."""
        if target.shape == logits.shape:
            target = target.to(logits.dtype)
            ce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
            weight = 1.0 if self.alpha is None else self._binary_alpha(target)
        else:
            log_probs = F.log_softmax(logits, dim=1)
            ce = -log_probs.gather(1, target.unsqueeze(1)).squeeze(1)
            weight = 1.0 if self.alpha is None else self._class_alpha(target, logits)
        p_t = torch.exp(-ce)
        return reduce_values(weight * (1.0 - p_t) ** self.gamma * ce, self.reduction)

    def _binary_alpha(self, target: Tensor) -> Tensor:
        if not isinstance(self.alpha, float | int):
            raise ValueError("binary focal loss takes a scalar alpha")
        return self.alpha * target + (1.0 - self.alpha) * (1.0 - target)

    def _class_alpha(self, target: Tensor, logits: Tensor) -> Tensor | float:
        if isinstance(self.alpha, float | int):
            return float(self.alpha)
        table = torch.as_tensor(self.alpha, dtype=logits.dtype, device=logits.device)
        return table[target]


class DiceLoss(_Loss):
    """Soft Dice loss ``1 − (2Σpg + s) / (Σp² + Σg² + s)``, per sample.

    Milletari, Navab, Ahmadi (2016), "V-Net: Fully Convolutional Neural Networks for Volumetric
    Medical Image Segmentation", arXiv:1606.04797 (squared denominator); ``squared=False`` gives
    the plain ``Σp + Σg`` form. Sums run over every dimension except the batch.

    Args:
        smooth: Constant ``s`` added to numerator and denominator (keeps empty masks finite).
        activation: ``"sigmoid"`` or ``"softmax"`` (over dim 1; targets are then class ids) applied
            to the prediction, or ``"none"`` for probabilities.
        squared: Use squared terms in the denominator, as in V-Net.
        reduction: Over the batch: ``"mean"``, ``"sum"`` or ``"none"``.

    """

    def __init__(self, smooth: float = 1.0, activation: str = "sigmoid", squared: bool = True, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if activation not in ("sigmoid", "softmax", "none"):
            raise ValueError("activation must be 'sigmoid', 'softmax' or 'none'")
        self.smooth, self.activation, self.squared = smooth, activation, squared

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        """Prediction ``[B, ...]`` (logits or probabilities) and target masks (or class ids for softmax)."""
        if self.activation == "softmax":
            probs = prediction.softmax(dim=1)
            target = F.one_hot(target.long(), prediction.shape[1]).movedim(-1, 1)
        else:
            probs = prediction.sigmoid() if self.activation == "sigmoid" else prediction
        probs, target = probs.flatten(1), target.to(probs.dtype).flatten(1)
        overlap = (probs * target).sum(1)
        total = (probs.square() + target.square()).sum(1) if self.squared else (probs + target).sum(1)
        dice = (2.0 * overlap + self.smooth) / (total + self.smooth)
        return reduce_values(1.0 - dice, self.reduction)


class NTXentLoss(_Loss):
    """Normalised temperature-scaled cross-entropy over two augmented views.

    Chen, Kornblith, Norouzi, Hinton (2020), "A Simple Framework for Contrastive Learning of
    Visual Representations" (SimCLR), arXiv:2002.05709. For 2B embeddings, each anchor's positive
    is its other view and the 2B − 2 remaining embeddings are negatives; similarity is cosine
    divided by the temperature τ. The loss is averaged over all 2B anchors.

    Args:
        temperature: τ > 0.
        reduction: Over the 2B anchors.

    """

    def __init__(self, temperature: float = 0.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if temperature <= 0:
            raise ValueError("temperature must be positive")
        self.temperature = temperature

    def forward(self, z1: Tensor, z2: Tensor) -> Tensor:
        """Embeddings of the first and second views, each ``[B, D]``."""
        batch = z1.shape[0]
        z = F.normalize(torch.cat([z1, z2]), dim=1)
        logits = (z @ z.T) / self.temperature
        logits = logits.masked_fill(torch.eye(2 * batch, dtype=torch.bool, device=z.device), float("-inf"))
        positives = torch.arange(2 * batch, device=z.device).roll(batch)
        return reduce_values(F.cross_entropy(logits, positives, reduction="none"), self.reduction)


InfoNCE = NTXentLoss
"""InfoNCE with in-batch negatives on two views is NT-Xent (Oord et al. 2018, arXiv:1807.03748)."""


class ContrastiveLoss(_Loss):
    """Margin contrastive loss ``(1 − Y)·½D² + Y·½·max(0, m − D)²``.

    Hadsell, Chopra, LeCun (2006), "Dimensionality Reduction by Learning an Invariant Mapping",
    CVPR. ``D`` is the Euclidean distance of a pair; following the paper, ``Y = 0`` marks a similar
    pair and ``Y = 1`` a dissimilar one.

    Args:
        margin: Distance beyond which dissimilar pairs cost nothing.
        reduction: Over the pairs.

    """

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, x1: Tensor, x2: Tensor, y: Tensor) -> Tensor:
        """Pair embeddings ``[B, D]`` and labels ``[B]`` (0 similar, 1 dissimilar)."""
        squared = (x1 - x2).square().sum(-1)
        distance = squared.clamp_min(1e-12).sqrt()
        y = y.to(x1.dtype)
        values = 0.5 * (1.0 - y) * squared + 0.5 * y * F.relu(self.margin - distance).square()
        return reduce_values(values, self.reduction)


def box_iou_pairs(boxes1: Tensor, boxes2: Tensor, eps: float = 1e-7) -> Tensor:
    """IoU of matched ``(x1, y1, x2, y2)`` boxes ``[..., 4]``, elementwise over the leading dims."""
    top_left = torch.maximum(boxes1[..., :2], boxes2[..., :2])
    bottom_right = torch.minimum(boxes1[..., 2:], boxes2[..., 2:])
    inter = (bottom_right - top_left).clamp_min(0).prod(-1)
    area1 = (boxes1[..., 2:] - boxes1[..., :2]).clamp_min(0).prod(-1)
    area2 = (boxes2[..., 2:] - boxes2[..., :2]).clamp_min(0).prod(-1)
    return inter / (area1 + area2 - inter + eps)


class IoULoss(_Loss):
    """``1 − IoU`` for matched boxes or (soft) masks.

    Box mode follows Yu, Jiang, Wang, Cao, Huang (2016), "UnitBox: An Advanced Object Detection
    Network", arXiv:1608.01471, with the ``1 − IoU`` form rather than ``−ln IoU``. Mask mode is the
    soft Jaccard loss ``1 − Σpg / (Σp + Σg − Σpg)`` per sample (Rahman & Wang 2016, "Optimizing
    Intersection-over-Union in Deep Neural Networks for Image Segmentation", ISVC).

    Args:
        mode: ``"box"`` (``[N, 4]`` corner boxes) or ``"mask"`` (``[B, ...]`` masks).
        from_logits: Mask mode only: apply a sigmoid to the prediction first.
        eps: Added to the union.
        reduction: Over boxes or samples.

    """

    def __init__(self, mode: str = "box", from_logits: bool = False, eps: float = 1e-7, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if mode not in ("box", "mask"):
            raise ValueError("mode must be 'box' or 'mask'")
        self.mode, self.from_logits, self.eps = mode, from_logits, eps

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        """Predicted and target boxes ``[N, 4]``, or predicted and target masks ``[B, ...]``."""
        if self.mode == "box":
            return reduce_values(1.0 - box_iou_pairs(prediction, target, self.eps), self.reduction)
        probs = (prediction.sigmoid() if self.from_logits else prediction).flatten(1)
        target = target.to(probs.dtype).flatten(1)
        inter = (probs * target).sum(1)
        union = probs.sum(1) + target.sum(1) - inter
        return reduce_values(1.0 - inter / (union + self.eps), self.reduction)


class ArcFaceLoss(_Loss):
    """Additive angular margin softmax: the target logit becomes ``s·cos(θ_y + m)``.

    Deng, Guo, Xue, Zafeiriou (2019), "ArcFace: Additive Angular Margin Loss for Deep Face
    Recognition", arXiv:1801.07698. Embeddings and class centres are L2-normalised, so logits are
    ``s·cos θ``. Where ``θ_y + m`` would pass π (and the cosine stop decreasing), the target logit
    falls back to ``s·(cos θ_y − m·sin m)``, the paper's code's linear continuation.

    Args:
        embedding_dim: Size of the embeddings.
        num_classes: Number of identities (rows of the learnable centre matrix).
        s: Scale (radius of the hypersphere).
        m: Additive angular margin in radians.
        reduction: Over the batch.

    """

    def __init__(self, embedding_dim: int = 128, num_classes: int = 10, s: float = 64.0, m: float = 0.5, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.s, self.m = s, m
        self.weight = nn.Parameter(torch.empty(num_classes, embedding_dim))
        nn.init.xavier_uniform_(self.weight)

    def logits(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        """Margin-adjusted scaled logits ``[B, num_classes]``."""
        cosine = F.normalize(embeddings, dim=1) @ F.normalize(self.weight, dim=1).T
        target_cos = cosine.gather(1, labels.unsqueeze(1))
        sine = (1.0 - target_cos.square()).clamp_min(0.0).sqrt()
        with_margin = target_cos * math.cos(self.m) - sine * math.sin(self.m)
        past_pi = target_cos <= math.cos(math.pi - self.m)
        with_margin = torch.where(past_pi, target_cos - self.m * math.sin(self.m), with_margin)
        return self.s * cosine.scatter(1, labels.unsqueeze(1), with_margin)

    def forward(self, embeddings: Tensor, labels: Tensor) -> Tensor:
        """Embeddings ``[B, embedding_dim]`` and class ids ``[B]``."""
        return F.cross_entropy(self.logits(embeddings, labels), labels, reduction=self.reduction)


class WassersteinLoss(_Loss):
    """Wasserstein GAN losses from critic scores.

    Arjovsky, Chintala, Bottou (2017), "Wasserstein GAN", arXiv:1701.07875. The critic minimises
    ``E[f(fake)] − E[f(real)]`` (the negative of its Wasserstein-1 estimate); the generator
    minimises ``−E[f(fake)]``. The Lipschitz constraint (weight clipping or a gradient penalty) is
    not part of the loss.

    Args:
        mode: ``"critic"`` or ``"generator"``.

    """

    def __init__(self, mode: str = "critic") -> None:
        super().__init__("mean")
        if mode not in ("critic", "generator"):
            raise ValueError("mode must be 'critic' or 'generator'")
        self.mode = mode

    def forward(self, fake_scores: Tensor, real_scores: Tensor | None = None) -> Tensor:
        """Critic scores of generated samples and (critic mode) of real samples."""
        if self.mode == "generator":
            return -fake_scores.mean()
        if real_scores is None:
            raise ValueError("critic mode needs real_scores")
        return fake_scores.mean() - real_scores.mean()
