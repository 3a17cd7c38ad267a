"""Reference CNN classics and point/capsule networks (the code behind :mod:`implementations.architectures.vision_cnn`).

Each builder makes the paper's layer pattern at a small width; the published size is the same
builder with the paper's widths (see the tests for the parameter counts on the meta device).
Images are ``[B, C, H, W]``, point clouds ``[B, N, 3]``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from implementations.components.layers.blocks import DenseBlock, InceptionModule


def build_lenet(in_channels: int = 1, num_classes: int = 10, image_size: int = 32) -> nn.Sequential:
    """LeNet-5: two 5×5 convolution + tanh + 2×2 average-pooling stages, then 120-84-classes fully connected layers.

    LeCun, Bottou, Bengio, Haffner (1998), "Gradient-Based Learning Applied to Document
    Recognition", Proc. IEEE 86(11):2278–2324. Modern form: full C3 connectivity, plain average
    pooling and a linear output instead of the paper's partial C3 table, trainable subsampling and
    RBF units (61,706 parameters at 32×32, 10 classes).
    """
    side = ((image_size - 4) // 2 - 4) // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(16 * side * side, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, num_classes),
    )  # fmt: skip


def build_alexnet(in_channels: int = 3, num_classes: int = 10, width: int = 8, hidden: int = 128, dropout: float = 0.5) -> nn.Sequential:
    """AlexNet: five convolutions (11×11 stride 4, 5×5, three 3×3) with ReLU, LRN and overlapping max-pooling, three FC layers.

    Krizhevsky, Sutskever, Hinton (2012), "ImageNet Classification with Deep Convolutional Neural
    Networks", NeurIPS 25. Channels are ``width × (1, 3, 6, 4, 4)`` (the paper's 64-192-384-256-256
    at ``width=64`` in the single-tower form); an adaptive 6×6 average pool lets smaller inputs in.
    ``LocalResponseNorm`` divides α by the window size, so α = 5·10⁻⁴ is the paper's α = 10⁻⁴, n = 5, k = 2, β = 0.75.
    """
    c1, c2, c3, c4 = width, 3 * width, 6 * width, 4 * width

    def lrn() -> nn.LocalResponseNorm:
        return nn.LocalResponseNorm(5, alpha=5e-4, beta=0.75, k=2.0)

    return nn.Sequential(
        nn.Conv2d(in_channels, c1, 11, stride=4, padding=2), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), lrn(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(), nn.Conv2d(c3, c4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c4, c4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Dropout(dropout), nn.Linear(c4 * 36, hidden), nn.ReLU(),
        nn.Dropout(dropout), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, num_classes),
    )  # fmt: skip


def build_network_in_network(in_channels: int = 3, num_classes: int = 10, width: int = 16, dropout: float = 0.5) -> nn.Sequential:
    """Network in Network: three mlpconv blocks (a k×k convolution then two 1×1 convolutions), global average pooling.

    Lin, Chen, Yan (2014), "Network In Network", ICLR, arXiv:1312.4400. The last mlpconv emits one
    map per class and global average pooling replaces the fully connected classifier.
    """

    def mlpconv(cin: int, cout: int, kernel: int, last: bool = False) -> list[nn.Module]:
        tail: list[nn.Module] = [] if last else [nn.ReLU()]
        return [
            nn.Conv2d(cin, width, kernel, padding=kernel // 2),
            nn.ReLU(),
            nn.Conv2d(width, width, 1),
            nn.ReLU(),
            nn.Conv2d(width, cout, 1),
            *tail,
        ]

    return nn.Sequential(
        *mlpconv(in_channels, width, 5), nn.MaxPool2d(3, 2, padding=1), nn.Dropout(dropout),
        *mlpconv(width, width, 5), nn.MaxPool2d(3, 2, padding=1), nn.Dropout(dropout),
        *mlpconv(width, num_classes, 3, last=True), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )  # fmt: skip


def build_densenet(
    in_channels: int = 3, num_classes: int = 10, growth_rate: int = 4, block_layers: int = 3, num_blocks: int = 3, compression: float = 0.5
) -> nn.Sequential:
    """DenseNet: dense blocks (each layer sees all earlier maps) joined by BN-ReLU-1×1 conv-2×2 average-pool transitions.

    Huang, Liu, van der Maaten, Weinberger (2017), "Densely Connected Convolutional Networks",
    CVPR, arXiv:1608.06993. Transitions keep ``compression`` of the channels (θ = 0.5 in DenseNet-BC).
    """
    stem = 2 * growth_rate
    layers: list[nn.Module] = [nn.Conv2d(in_channels, stem, 3, padding=1, bias=False)]
    channels = stem
    for block in range(num_blocks):
        layers.append(DenseBlock(channels, growth_rate, block_layers))
        channels += growth_rate * block_layers
        if block < num_blocks - 1:
            reduced = max(1, int(channels * compression))
            layers += [nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, reduced, 1, bias=False), nn.AvgPool2d(2)]
            channels = reduced
    return nn.Sequential(
        *layers, nn.BatchNorm2d(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)
    )


def build_inception(in_channels: int = 3, num_classes: int = 10, width: int = 8, dropout: float = 0.4) -> nn.Sequential:
    """GoogLeNet (Inception v1) in miniature: a 7×7 stride-2 stem, inception modules, global average pooling, dropout, linear.

    Szegedy et al. (2015), "Going Deeper with Convolutions", CVPR, arXiv:1409.4842. Every module
    has four equal branches (see :class:`~implementations.components.layers.blocks.InceptionModule`);
    the auxiliary classifiers, used only for the training loss, are left out.
    """
    c = 4 * width  # four branches of `width` channels
    return nn.Sequential(
        nn.Conv2d(in_channels, 2 * width, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.MaxPool2d(3, 2, padding=1), InceptionModule(2 * width, width), InceptionModule(c, width),
        nn.MaxPool2d(3, 2, padding=1), InceptionModule(c, width), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Dropout(dropout), nn.Linear(c, num_classes),
    )  # fmt: skip


class WideBasicBlock(nn.Module):
    """Pre-activation block BN-ReLU-conv3×3-(dropout)-BN-ReLU-conv3×3 with a 1×1 projection when the shape changes."""

    def __init__(self, in_channels: int, out_channels: int, stride: int, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.BatchNorm2d(in_channels), nn.BatchNorm2d(out_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.dropout = nn.Dropout(dropout)
        same = in_channels == out_channels and stride == 1
        self.shortcut = None if same else nn.Conv2d(in_channels, out_channels, 1, stride, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """Residual sum of the widened branch and the (projected) input."""
        pre = torch.relu(self.norm1(x))
        out: Tensor = self.conv2(self.dropout(torch.relu(self.norm2(self.conv1(pre)))))
        return out + (x if self.shortcut is None else self.shortcut(pre))


def build_wide_resnet(
    in_channels: int = 3, num_classes: int = 10, depth: int = 10, widen_factor: int = 2, dropout: float = 0.0
) -> nn.Sequential:
    """WRN-depth-k: a 16-channel stem, three groups of (depth − 4)/6 wide blocks of 16k, 32k, 64k channels.

    Zagoruyko & Komodakis (2016), "Wide Residual Networks", BMVC, arXiv:1605.07146. WRN-28-10 has
    36.5 M parameters on CIFAR-10.
    """
    if depth < 10 or (depth - 4) % 6:
        raise ValueError("depth must be 6n + 4 with n ≥ 1 (10, 16, 22, 28, …)")
    layers: list[nn.Module] = [nn.Conv2d(in_channels, 16, 3, padding=1, bias=False)]
    channels = 16
    for group, stride in enumerate((1, 2, 2)):
        width = 16 * 2**group * widen_factor
        for block in range((depth - 4) // 6):
            layers.append(WideBasicBlock(channels, width, stride if block == 0 else 1, dropout))
            channels = width
    return nn.Sequential(
        *layers, nn.BatchNorm2d(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)
    )


def _double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    """U-Net: a contracting path of double 3×3 convolutions and max-pools, an expanding path of 2×2 up-convolutions.

    Ronneberger, Fischer, Brox (2015), "U-Net: Convolutional Networks for Biomedical Image
    Segmentation", MICCAI, arXiv:1505.04597. Each expanding step concatenates the contracting map of
    the same resolution (the skip connection). Convolutions are padded, so the per-pixel class
    scores have the input's height and width (the paper's unpadded version crops the skips instead).

    Args:
        in_channels: Input channels (1 for the paper's grey-scale cell images).
        num_classes: Output maps (2 in the paper).
        base_channels: Channels of the first level (64 in the paper), doubled at each level.
        depth: Number of down-sampling steps (4 in the paper); height and width must divide by 2**depth.

    """

    def __init__(self, in_channels: int = 1, num_classes: int = 2, base_channels: int = 8, depth: int = 3) -> None:
        super().__init__()
        widths = [base_channels * 2**level for level in range(depth + 1)]
        self.down = nn.ModuleList(_double_conv(cin, cout) for cin, cout in zip([in_channels, *widths[:-2]], widths[:-1], strict=True))
        self.bottleneck = _double_conv(widths[-2], widths[-1])
        self.up = nn.ModuleList(nn.ConvTranspose2d(widths[level + 1], widths[level], 2, stride=2) for level in reversed(range(depth)))
        self.decode = nn.ModuleList(_double_conv(2 * widths[level], widths[level]) for level in reversed(range(depth)))
        self.head = nn.Conv2d(widths[0], num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        """Per-pixel class scores ``[B, num_classes, H, W]``."""
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = nn.functional.max_pool2d(x, 2)
        x = self.bottleneck(x)
        for up, decode, skip in zip(self.up, self.decode, reversed(skips), strict=True):
            x = decode(torch.cat([skip, up(x)], dim=1))
        return self.head(x)  # type: ignore[no-any-return]


def squash(s: Tensor, dim: int = -1, eps: float = 1e-8) -> Tensor:
    """Capsule non-linearity ``v = ‖s‖² / (1 + ‖s‖²) · s / ‖s‖``: keeps the direction, maps the length into [0, 1)."""
    squared = (s * s).sum(dim, keepdim=True)
    return squared / (1 + squared) * s / torch.sqrt(squared + eps)


def dynamic_routing(predictions: Tensor, iterations: int) -> tuple[Tensor, Tensor]:
    """Routing by agreement over ``predictions`` ``û_{j|i}`` of shape ``[B, I, J, D]``.

    Returns:
        The output capsules ``v_j`` ``[B, J, D]`` and the coupling coefficients ``c_ij`` ``[B, I, J]``
        (a softmax over the J parent capsules of each child i).

    """
    logits = predictions.new_zeros(predictions.shape[:3])
    for step in range(iterations):
        coupling = logits.softmax(dim=2)
        outputs = squash((coupling.unsqueeze(-1) * predictions).sum(dim=1))
        if step < iterations - 1:
            logits = logits + (predictions * outputs.unsqueeze(1)).sum(-1)
    return outputs, coupling


class CapsuleNetwork(nn.Module):
    """CapsNet: a ReLU convolution, convolutional primary capsules, class capsules by dynamic routing; output = capsule lengths.

    Sabour, Frosst, Hinton (2017), "Dynamic Routing Between Capsules", NeurIPS, arXiv:1710.09829.
    The paper's sizes are 28×28 inputs, 256 9×9 filters, 32 × 8-D primary and 10 × 16-D class
    capsules; the reconstruction decoder (a regulariser of the margin loss) is left out.
    """

    def __init__(
        self,
        in_channels: int = 1,
        image_size: int = 16,
        conv_channels: int = 16,
        kernel_size: int = 5,
        primary_types: int = 4,
        primary_dim: int = 4,
        num_classes: int = 5,
        class_dim: int = 8,
        routing_iterations: int = 3,
    ) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, conv_channels, kernel_size)
        self.primary = nn.Conv2d(conv_channels, primary_types * primary_dim, kernel_size, stride=2)
        grid = (image_size - 2 * kernel_size + 1) // 2 + 1
        self.primary_dim, self.routing_iterations = primary_dim, routing_iterations
        self.weight = nn.Parameter(0.05 * torch.randn(primary_types * grid * grid, num_classes, class_dim, primary_dim))

    def forward(self, x: Tensor) -> Tensor:
        """Length of each class capsule ``[B, num_classes]`` (the probability that the class is present)."""
        u = self.primary(torch.relu(self.conv(x)))
        batch, _, height, width = u.shape
        u = squash(u.view(batch, -1, self.primary_dim, height, width).permute(0, 1, 3, 4, 2).reshape(batch, -1, self.primary_dim))
        outputs, _ = dynamic_routing(torch.einsum("ijdk,bik->bijd", self.weight, u), self.routing_iterations)
        lengths: Tensor = torch.linalg.vector_norm(outputs, dim=-1)
        return lengths


def _shared_mlp(*widths: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for cin, cout in itertools.pairwise(widths):
        layers += [nn.Conv1d(cin, cout, 1), nn.BatchNorm1d(cout), nn.ReLU()]
    return nn.Sequential(*layers)


class PointNet(nn.Module):
    """PointNet classifier: input T-Net alignment, a shared per-point MLP, max-pooling over points, an FC head.

    Qi, Su, Mo, Guibas (2017), "PointNet: Deep Learning on Point Sets for 3D Classification and
    Segmentation", CVPR, arXiv:1612.00593. The max over points makes the output invariant to
    their order. Paper widths: 64-128-1024 per point, 512-256 head (``width=64``, × 1, 2, 16); the
    64×64 feature transform is left out. The T-Net starts at the identity, as in the paper's code.
    """

    def __init__(self, point_dim: int = 3, num_classes: int = 5, width: int = 16, dropout: float = 0.3) -> None:
        super().__init__()
        self.point_dim = point_dim
        self.tnet = _shared_mlp(point_dim, width, 2 * width, 4 * width)
        self.tnet_head = nn.Linear(4 * width, point_dim * point_dim)
        nn.init.zeros_(self.tnet_head.weight)
        with torch.no_grad():
            self.tnet_head.bias.copy_(torch.eye(point_dim).flatten())
        self.features = _shared_mlp(point_dim, width, 2 * width, 4 * width)
        self.head = nn.Sequential(nn.Linear(4 * width, 2 * width), nn.BatchNorm1d(2 * width), nn.ReLU(), nn.Dropout(dropout))
        self.classifier = nn.Linear(2 * width, num_classes)

    def forward(self, points: Tensor) -> Tensor:
        """Class scores ``[B, num_classes]`` of point clouds ``[B, N, point_dim]``."""
        x = points.transpose(1, 2)
        transform = self.tnet_head(self.tnet(x).amax(dim=2)).view(-1, self.point_dim, self.point_dim)
        aligned = torch.bmm(transform.transpose(1, 2), x)  # each point p ↦ p·T
        return self.classifier(self.head(self.features(aligned).amax(dim=2)))  # type: ignore[no-any-return]


def image_batch(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two images ``[2, in_channels, image_size, image_size]`` (32×32, CIFAR's size, when the builder takes no ``image_size``)."""
    size = int(args.get("image_size", 32))
    return (torch.randn(2, int(args.get("in_channels", 3)), size, size),)


def large_image_batch(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two 64×64 images: AlexNet's 11×11/4 stem and three stride-2 pools need at least 63 pixels."""
    return image_batch({**args, "image_size": 64})


def point_cloud(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two clouds of 32 points ``[2, 32, point_dim]``."""
    return (torch.randn(2, 32, int(args.get("point_dim", 3))),)


def class_scores_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch, num_classes]``."""
    return (int(inputs[0].shape[0]), int(args["num_classes"]))


def segmentation_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch, num_classes, H, W]``: one score map per class at the input's resolution."""
    batch, _, height, width = inputs[0].shape
    return (int(batch), int(args["num_classes"]), int(height), int(width))
