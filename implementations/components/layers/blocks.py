"""Reference building blocks of CNNs and Transformers, each the small standard form from its paper.

Residual, bottleneck, inverted-residual, squeeze-and-excitation, fire, inception and dense blocks,
depthwise-separable convolution, position-wise feed-forward, patch embedding, and linear layers
with weight, spectral or sparse masking.
Image blocks take ``[B, C, H, W]``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def _conv_bn(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, act: type[nn.Module] | None = nn.ReLU) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    """Basic two-convolution residual block, y = ReLU(F(x) + x).

    He, Zhang, Ren, Sun (2016), "Deep Residual Learning for Image Recognition", arXiv:1512.03385.
    """

    def __init__(self, channels: int = 8) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv_bn(channels, channels, 3), _conv_bn(channels, channels, 3, act=None))

    def forward(self, x: Tensor) -> Tensor:
        """Add the identity shortcut to the convolutional branch."""
        return torch.relu(self.body(x) + x)


class BottleneckBlock(nn.Module):
    """1×1 reduce → 3×3 → 1×1 expand residual block (ResNet-50 style), He et al. 2016, arXiv:1512.03385."""

    def __init__(self, channels: int = 16, bottleneck: int = 4) -> None:
        super().__init__()
        self.body = nn.Sequential(
            _conv_bn(channels, bottleneck, 1), _conv_bn(bottleneck, bottleneck, 3), _conv_bn(bottleneck, channels, 1, act=None)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Residual sum through the narrow branch."""
        return torch.relu(self.body(x) + x)


class InvertedResidualBlock(nn.Module):
    """Expand (1×1) → depthwise 3×3 → linear project (1×1), shortcut when shapes match.

    Sandler, Howard, Zhu, Zhmoginov, Chen (2018), "MobileNetV2: Inverted Residuals and Linear
    Bottlenecks", arXiv:1801.04381.
    """

    def __init__(self, channels: int = 8, expansion: int = 4) -> None:
        super().__init__()
        hidden = channels * expansion
        self.body = nn.Sequential(
            _conv_bn(channels, hidden, 1, act=nn.ReLU6),
            _conv_bn(hidden, hidden, 3, groups=hidden, act=nn.ReLU6),
            _conv_bn(hidden, channels, 1, act=None),
        )

    def forward(self, x: Tensor) -> Tensor:
        """Linear bottleneck output plus the shortcut."""
        return x + self.body(x)  # type: ignore[no-any-return]


class SqueezeExcitation(nn.Module):
    """Channel attention: global pool → FC → ReLU → FC → sigmoid → rescale channels.

    Hu, Shen, Sun (2018), "Squeeze-and-Excitation Networks", arXiv:1709.01507.
    """

    def __init__(self, channels: int = 8, reduction: int = 4) -> None:
        super().__init__()
        self.fc1 = nn.Linear(channels, max(1, channels // reduction))
        self.fc2 = nn.Linear(max(1, channels // reduction), channels)

    def forward(self, x: Tensor) -> Tensor:
        """Rescale every channel by its learned gate."""
        gate = torch.sigmoid(self.fc2(torch.relu(self.fc1(x.mean(dim=(2, 3))))))
        return x * gate[:, :, None, None]


class FireModule(nn.Module):
    """Squeeze 1×1 then parallel expand 1×1 and 3×3, concatenated.

    Iandola et al. (2016), "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters", arXiv:1602.07360.
    """

    def __init__(self, in_channels: int = 8, squeeze: int = 4, expand: int = 8) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(in_channels, squeeze, 1)
        self.expand1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3 = nn.Conv2d(squeeze, expand, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        """Squeeze, then expand along two kernel sizes."""
        s = torch.relu(self.squeeze(x))
        return torch.cat([torch.relu(self.expand1(s)), torch.relu(self.expand3(s))], dim=1)


class InceptionModule(nn.Module):
    """Parallel 1×1, 3×3, 5×5 convolutions and 3×3 max-pool (with 1×1 reductions), concatenated.

    Szegedy et al. (2015), "Going Deeper with Convolutions", arXiv:1409.4842.
    """

    def __init__(self, in_channels: int = 8, branch_channels: int = 4) -> None:
        super().__init__()
        c, b = in_channels, branch_channels
        self.b1 = _conv_bn(c, b, 1)
        self.b3 = nn.Sequential(_conv_bn(c, b, 1), _conv_bn(b, b, 3))
        self.b5 = nn.Sequential(_conv_bn(c, b, 1), _conv_bn(b, b, 5))
        self.pool = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), _conv_bn(c, b, 1))

    def forward(self, x: Tensor) -> Tensor:
        """Concatenate the four branches along channels."""
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], dim=1)


class DenseBlock(nn.Module):
    """Each layer sees the concatenation of all earlier feature maps (BN-ReLU-Conv3×3).

    Huang, Liu, van der Maaten, Weinberger (2017), "Densely Connected Convolutional Networks", arXiv:1608.06993.
    """

    def __init__(self, in_channels: int = 8, growth_rate: int = 4, num_layers: int = 3) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Sequential(
                nn.BatchNorm2d(in_channels + i * growth_rate),
                nn.ReLU(),
                nn.Conv2d(in_channels + i * growth_rate, growth_rate, 3, padding=1),
            )
            for i in range(num_layers)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Grow the feature map by ``growth_rate`` channels per layer."""
        for layer in self.layers:
            x = torch.cat([x, layer(x)], dim=1)
        return x


class DepthwiseSeparableConv(nn.Module):
    """Depthwise k×k convolution (one filter per channel) followed by a pointwise 1×1 convolution.

    Chollet (2017), "Xception", arXiv:1610.02357; Howard et al. (2017), "MobileNets", arXiv:1704.04861.
    """

    def __init__(self, in_channels: int = 8, out_channels: int = 16, kernel_size: int = 3) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, padding=kernel_size // 2, groups=in_channels)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Spatial filtering per channel, then channel mixing."""
        return self.pointwise(self.depthwise(x))  # type: ignore[no-any-return]


class PositionwiseFeedForward(nn.Module):
    """The Transformer's per-token MLP: Linear → activation → dropout → Linear.

    Vaswani et al. (2017), "Attention Is All You Need", arXiv:1706.03762.
    """

    def __init__(self, d_model: int = 16, d_ff: int = 64, dropout: float = 0.0, activation: str = "relu") -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d_model, d_ff), nn.Linear(d_ff, d_model)
        self.act = {"relu": nn.ReLU(), "gelu": nn.GELU()}[activation]
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """Apply the same two-layer MLP at every position."""
        return self.fc2(self.dropout(self.act(self.fc1(x))))  # type: ignore[no-any-return]


class WeightNormLinear(nn.Module):
    """A linear layer reparameterised as w = g · v / ‖v‖ per output unit.

    Salimans & Kingma (2016), "Weight Normalization", arXiv:1602.07868.
    """

    def __init__(self, in_features: int = 16, out_features: int = 8) -> None:
        super().__init__()
        self.linear = nn.utils.parametrizations.weight_norm(nn.Linear(in_features, out_features))

    def forward(self, x: Tensor) -> Tensor:
        """Affine map with the normalised weight."""
        return self.linear(x)  # type: ignore[no-any-return]


class SpectralNormLinear(nn.Module):
    """A linear layer whose weight is divided by its largest singular value (power iteration).

    Miyato, Kataoka, Koyama, Yoshida (2018), "Spectral Normalization for Generative Adversarial
    Networks", arXiv:1802.05957.
    """

    def __init__(self, in_features: int = 16, out_features: int = 8, n_power_iterations: int = 1) -> None:
        super().__init__()
        self.linear = nn.utils.parametrizations.spectral_norm(nn.Linear(in_features, out_features), n_power_iterations=n_power_iterations)

    def forward(self, x: Tensor) -> Tensor:
        """Affine map with the spectrally normalised weight."""
        return self.linear(x)  # type: ignore[no-any-return]


class PatchEmbedding(nn.Module):
    """Split an image into non-overlapping p×p patches and project each to a token of width D.

    Dosovitskiy et al. (2021), "An Image is Worth 16x16 Words", arXiv:2010.11929.
    """

    def __init__(self, in_channels: int = 4, embed_dim: int = 16, patch_size: int = 4) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C, H, W]`` → ``[B, (H/p)(W/p), D]`` tokens."""
        return self.proj(x).flatten(2).transpose(1, 2)  # type: ignore[no-any-return]


class SparseLinear(nn.Module):
    """A linear layer with a fixed random binary mask keeping a ``density`` fraction of the weights.

    Masked (unstructured) sparsity as studied in Frankle & Carbin (2019), "The Lottery Ticket
    Hypothesis", arXiv:1803.03635; the masked weights receive zero gradient.
    """

    mask: Tensor

    def __init__(self, in_features: int = 16, out_features: int = 8, density: float = 0.1) -> None:
        super().__init__()
        if not 0.0 < density <= 1.0:
            raise ValueError(f"density must be in (0, 1], got {density}")
        self.linear = nn.Linear(in_features, out_features)
        self.register_buffer("mask", (torch.rand(out_features, in_features) < density).float())

    def forward(self, x: Tensor) -> Tensor:
        """Affine map with the masked weight."""
        return nn.functional.linear(x, self.linear.weight * self.mask, self.linear.bias)
