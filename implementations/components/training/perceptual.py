"""Perceptual (feature-reconstruction) loss on a small VGG-style feature extractor built here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class PerceptualLoss(nn.Module):
    """``Σ_l mean((φ_l(x) − φ_l(y))²)`` over the feature maps ``φ_l`` after each VGG-style stage.

    Each stage is ``conv3×3 → ReLU → conv3×3 → ReLU → max-pool 2×2``; the extractor is frozen. The
    paper uses an ImageNet-trained VGG-16, whose weights cannot be loaded offline: this one is
    randomly initialised (seeded by ``seed``), which still gives a useful structural loss (random
    deep features are known to carry texture and structure). ``activation=False`` drops the
    ReLUs and ``pool="avg"`` averages, making ``φ`` linear — then the loss is a quadratic form
    of ``x − y``.

    Reference: Johnson, Alahi, Fei-Fei (2016), "Perceptual Losses for Real-Time Style Transfer and
    Super-Resolution", arXiv:1603.08155 (the feature reconstruction loss, section 3.2).

    Args:
        in_channels: Image channels.
        widths: Channels of each stage.
        activation: ReLU after each convolution.
        pool: ``"max"`` (VGG) or ``"avg"``.
        seed: Seed of the random extractor.

    """

    def __init__(
        self, in_channels: int = 3, widths: Sequence[int] = (8, 16), activation: bool = True, pool: str = "max", seed: int = 0
    ) -> None:
        super().__init__()
        if pool not in ("max", "avg"):
            raise ValueError(f"pool must be 'max' or 'avg', got {pool!r}")
        self.activation, self.pool = activation, pool
        generator = torch.Generator().manual_seed(seed)
        convs: list[nn.Conv2d] = []
        for cin, width in zip([in_channels, *widths[:-1]], widths, strict=True):
            convs += [nn.Conv2d(cin, width, 3, padding=1), nn.Conv2d(width, width, 3, padding=1)]
        with torch.no_grad():
            for conv in convs:  # He initialisation from a private generator
                conv.weight.copy_(torch.randn(conv.weight.shape, generator=generator) * (2.0 / conv.weight[0].numel()) ** 0.5)
                nn.init.zeros_(conv.bias)  # type: ignore[arg-type]
        self.convs = nn.ModuleList(convs)  # two per stage
        self.requires_grad_(False)

    def stages(self) -> list[tuple[nn.Conv2d, nn.Conv2d]]:
        """The two convolutions of each stage."""
        convs = [conv for conv in self.convs if isinstance(conv, nn.Conv2d)]
        return list(zip(convs[::2], convs[1::2], strict=True))

    def features(self, x: Tensor) -> list[Tensor]:
        """The feature map after each stage."""
        maps = []
        for convs in self.stages():
            for conv in convs:
                x = conv(x)
                x = F.relu(x) if self.activation else x
            x = F.max_pool2d(x, 2) if self.pool == "max" else F.avg_pool2d(x, 2)
            maps.append(x)
        return maps

    def forward(self, prediction: Tensor, target: Tensor) -> Tensor:
        """Images ``[B, C, H, W]`` → scalar."""
        pairs = zip(self.features(prediction), self.features(target), strict=True)
        return sum((F.mse_loss(a, b) for a, b in pairs), torch.zeros(()))


# --- sample and float64 oracle --------------------------------------------------------------------


def image_pairs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Predicted (requiring grad) and target images ``[2, in_channels, 16, 16]``."""
    channels = int(args.get("in_channels", 3))
    return torch.randn(2, channels, 16, 16, requires_grad=True), torch.randn(2, channels, 16, 16)


def _conv_by_matmul(x: Tensor, conv: nn.Conv2d) -> Tensor:
    """3×3 same convolution as patches (``F.unfold``) times the flattened kernel."""
    batch, _, height, width = x.shape
    patches = F.unfold(x, 3, padding=1)  # [B, C·9, H·W]
    assert conv.bias is not None
    out = conv.weight.double().reshape(conv.out_channels, -1) @ patches + conv.bias.double()[:, None]
    return out.reshape(batch, conv.out_channels, height, width)


def perceptual_oracle(loss_fn: PerceptualLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The same sum with convolutions as patch products and pooling as reshapes, in float64."""
    total = torch.zeros((), dtype=torch.float64)
    x, y = inputs[0].detach().double(), inputs[1].double()
    for convs in loss_fn.stages():
        for conv in convs:
            x, y = _conv_by_matmul(x, conv), _conv_by_matmul(y, conv)
            x, y = (x.clamp_min(0), y.clamp_min(0)) if loss_fn.activation else (x, y)
        b, c, h, w = x.shape
        blocks = [t.reshape(b, c, h // 2, 2, w // 2, 2) for t in (x, y)]
        x, y = ((t.amax(dim=(3, 5)) if loss_fn.pool == "max" else t.mean(dim=(3, 5))) for t in blocks)
        total = total + ((x - y) ** 2).mean()
    return total
