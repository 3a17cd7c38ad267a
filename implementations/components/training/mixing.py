"""Batch-mixing augmentations on ``(images, labels)`` batches: Mixup and CutMix.

Both draw ``λ ~ Beta(α, α)`` and a permutation of the batch from torch's global generator (seed
it for reproducibility) and return the mixed images with soft labels ``[B, num_classes]``; train
with a soft-target cross-entropy. The draws of the last call stay on the module
(:attr:`lam`, :attr:`permutation`) for inspection.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class _BatchMix(nn.Module):
    def __init__(self, alpha: float, num_classes: int) -> None:
        super().__init__()
        self.alpha, self.num_classes = alpha, num_classes
        self.lam = 1.0
        self.permutation: Tensor | None = None

    def draw(self, batch: int) -> Tensor:
        self.lam = float(torch.distributions.Beta(self.alpha, self.alpha).sample())
        self.permutation = torch.randperm(batch)
        return self.permutation

    def soft_labels(self, labels: Tensor, lam: float) -> Tensor:
        assert self.permutation is not None
        one_hot = F.one_hot(labels, self.num_classes).float()
        return lam * one_hot + (1 - lam) * one_hot[self.permutation]


class Mixup(_BatchMix):
    """Mixup: ``x̃ = λ x_i + (1 − λ) x_j``, ``ỹ = λ y_i + (1 − λ) y_j`` for a random pairing ``j = π(i)``.

    Reference: Zhang, Cisse, Dauphin, Lopez-Paz (2018), "mixup: Beyond Empirical Risk
    Minimization", arXiv:1710.09412.

    Args:
        alpha: Beta-distribution parameter (0.2 in the paper's ImageNet runs).
        num_classes: Classes of the soft labels.

    """

    def __init__(self, alpha: float = 0.2, num_classes: int = 10) -> None:
        super().__init__(alpha, num_classes)

    def forward(self, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Inputs ``[B, …]`` and class ids ``[B]`` → mixed inputs and soft labels ``[B, num_classes]``."""
        perm = self.draw(x.shape[0])
        return self.lam * x + (1 - self.lam) * x[perm], self.soft_labels(labels, self.lam)


class CutMix(_BatchMix):
    """CutMix: a random box of each image is replaced by the same box of its partner ``π(i)``.

    The box has area ``(1 − λ)·H·W`` (side ratios ``√(1 − λ)``) around a uniform random centre and
    is clipped to the image; the label weight is then the kept area fraction
    ``λ = 1 − box area / (H·W)``, recorded in :attr:`lam` (and the box in :attr:`box`).

    Reference: Yun, Han, Oh, Chun, Choe, Yoo (2019), "CutMix: Regularization Strategy to Train
    Strong Classifiers with Localizable Features", arXiv:1905.04899.

    Args:
        alpha: Beta-distribution parameter (1 in the paper: λ uniform).
        num_classes: Classes of the soft labels.

    """

    def __init__(self, alpha: float = 1.0, num_classes: int = 10) -> None:
        super().__init__(alpha, num_classes)
        self.box = (0, 0, 0, 0)

    def forward(self, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """Images ``[B, C, H, W]`` and class ids ``[B]`` → mixed images and soft labels ``[B, num_classes]``."""
        perm = self.draw(x.shape[0])
        height, width = x.shape[-2:]
        cut = math.sqrt(1.0 - self.lam)
        cy, cx = int(torch.randint(height, ())), int(torch.randint(width, ()))
        half_h, half_w = int(height * cut) // 2, int(width * cut) // 2
        top, bottom = max(cy - half_h, 0), min(cy + half_h, height)
        left, right = max(cx - half_w, 0), min(cx + half_w, width)
        self.box = (top, bottom, left, right)
        inside = torch.zeros(height, width, dtype=torch.bool, device=x.device)
        inside[top:bottom, left:right] = True
        self.lam = 1.0 - (bottom - top) * (right - left) / (height * width)
        return torch.where(inside, x[perm], x), self.soft_labels(labels, self.lam)


# --- samples and float64 oracles ------------------------------------------------------------------


def labelled_images(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Images ``[8, 3, 16, 16]`` and class ids below ``num_classes``."""
    return torch.randn(8, 3, 16, 16), torch.randint(0, int(args.get("num_classes", 10)), (8,))


def mixup_oracle(module: Mixup, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> tuple[Tensor, Tensor]:
    """Pair by pair with the module's last draws: ``λ x_i + (1 − λ) x_π(i)`` and the same for one-hot labels."""
    assert module.permutation is not None
    x, labels, lam = inputs[0].double(), inputs[1].tolist(), module.lam
    mixed = torch.stack([lam * x[i] + (1 - lam) * x[int(j)] for i, j in enumerate(module.permutation)])
    soft = torch.zeros(len(labels), module.num_classes, dtype=torch.float64)
    for i, j in enumerate(module.permutation.tolist()):
        soft[i, labels[i]] += lam
        soft[i, labels[j]] += 1 - lam
    return mixed, soft


def cutmix_oracle(module: CutMix, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> tuple[Tensor, Tensor]:
    """Pixel by pixel from the recorded box; the label weight is the kept area fraction."""
    assert module.permutation is not None
    x, labels = inputs[0].double(), inputs[1].tolist()
    top, bottom, left, right = module.box
    height, width = x.shape[-2:]
    mixed = x.clone()
    for i, j in enumerate(module.permutation.tolist()):
        for r in range(top, bottom):
            for c in range(left, right):
                mixed[i, :, r, c] = x[j, :, r, c]
    kept = 1.0 - (bottom - top) * (right - left) / (height * width)
    soft = torch.zeros(len(labels), module.num_classes, dtype=torch.float64)
    for i, j in enumerate(module.permutation.tolist()):
        soft[i, labels[i]] += kept
        soft[i, labels[j]] += 1 - kept
    return mixed, soft
