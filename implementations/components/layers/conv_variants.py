"""Convolution variants: deformable, octave and causal convolution, with their oracles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class DeformableConv2d(nn.Module):
    """Deformable convolution: every kernel tap samples the input at a learned, per-position offset.

    ``y(p) = Σ_k w_k · x(p + p_k + Δp_k)``, with ``Δp`` predicted by a plain convolution on the input
    (initialised to zero, so training starts from an ordinary convolution) and ``x(·)`` read by
    bilinear interpolation (``F.grid_sample``, zero outside the image).

    Reference: Dai, Qi, Xiong, Li, Zhang, Hu, Wei (2017), "Deformable Convolutional Networks",
    arXiv:1703.06211.

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Square kernel size ``K``.
        padding: Zero padding (``K // 2`` keeps the size).
        bias: Learn an additive bias.

    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, padding: int | None = None, bias: bool = True) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.padding = kernel_size // 2 if padding is None else padding
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, kernel_size, kernel_size))
        nn.init.kaiming_uniform_(self.weight, a=5**0.5)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.offset = nn.Conv2d(in_channels, 2 * kernel_size * kernel_size, kernel_size, padding=self.padding)
        nn.init.zeros_(self.offset.weight)
        nn.init.zeros_(self.offset.bias)  # type: ignore[arg-type]

    def forward(self, x: Tensor, offsets: Tensor | None = None) -> Tensor:
        """``[B, C, H, W]`` → ``[B, out, H', W']``; ``offsets`` ``[B, 2K², H', W']`` (Δy, Δx per tap) overrides the learned ones."""
        return deform_conv2d(x, self.offset(x) if offsets is None else offsets, self.weight, self.bias, self.padding)


def deform_conv2d(x: Tensor, offsets: Tensor, weight: Tensor, bias: Tensor | None, padding: int) -> Tensor:
    """Deformable convolution (stride 1) by bilinear sampling of every tap with ``grid_sample``."""
    batch, channels, height, width = x.shape
    k = weight.shape[-1]
    out_h, out_w = height + 2 * padding - k + 1, width + 2 * padding - k + 1
    base_y = torch.arange(out_h, dtype=x.dtype, device=x.device)[:, None] - padding
    base_x = torch.arange(out_w, dtype=x.dtype, device=x.device)[None, :] - padding
    delta = offsets.reshape(batch, k * k, 2, out_h, out_w)
    taps = []
    for tap in range(k * k):
        y = base_y + tap // k + delta[:, tap, 0]
        xs = base_x + tap % k + delta[:, tap, 1]
        grid = torch.stack([2 * xs / (width - 1) - 1, 2 * y / (height - 1) - 1], dim=-1)  # grid_sample wants (x, y) in [−1, 1]
        taps.append(F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True))
    columns = torch.stack(taps, dim=2)  # [B, C, K², H', W']
    out = torch.einsum("bckhw,ock->bohw", columns, weight.reshape(weight.shape[0], channels, k * k))
    return out + bias[None, :, None, None] if bias is not None else out


class OctaveConv2d(nn.Module):
    """Octave convolution: features split into a full-resolution and a half-resolution part.

    ``Y_H = f(X_H; W_HH) + up(f(X_L; W_LH))`` and ``Y_L = f(X_L; W_LL) + f(pool(X_H); W_HL)``, where
    ``up`` is 2× nearest upsampling and ``pool`` 2× average pooling; ``alpha_in``/``alpha_out`` are
    the low-frequency fractions of the input/output channels. Storing the low part at half
    resolution cuts memory and FLOPs.

    Reference: Chen, Fan, Xu, Yan, Kalantidis, Rohrbach, Yan, Feng (2019), "Drop an Octave:
    Reducing Spatial Redundancy in Convolutional Neural Networks with Octave Convolution",
    arXiv:1904.05049.

    Args:
        in_channels: Input channels (high + low).
        out_channels: Output channels (high + low).
        kernel_size: Odd kernel size (same padding).
        alpha_in: Low-frequency fraction of the input channels.
        alpha_out: Low-frequency fraction of the output channels.

    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, alpha_in: float = 0.5, alpha_out: float = 0.5) -> None:
        super().__init__()
        self.low_in, self.low_out = int(alpha_in * in_channels), int(alpha_out * out_channels)
        high_in, high_out = in_channels - self.low_in, out_channels - self.low_out

        def conv(cin: int, cout: int) -> nn.Conv2d | None:
            return nn.Conv2d(cin, cout, kernel_size, padding=kernel_size // 2, bias=False) if cin and cout else None

        self.high_to_high, self.high_to_low = conv(high_in, high_out), conv(high_in, self.low_out)
        self.low_to_high, self.low_to_low = conv(self.low_in, high_out), conv(self.low_in, self.low_out)

    def forward(self, x_high: Tensor, x_low: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """``X_H [B, C_H, H, W]`` and ``X_L [B, C_L, H/2, W/2]`` → ``(Y_H, Y_L)`` (a missing part is ``None``)."""
        y_high = self.high_to_high(x_high) if self.high_to_high else None
        y_low = self.high_to_low(F.avg_pool2d(x_high, 2)) if self.high_to_low else None
        if x_low is not None and self.low_to_high is not None:
            up = F.interpolate(self.low_to_high(x_low), scale_factor=2.0, mode="nearest")
            y_high = up if y_high is None else y_high + up
        if x_low is not None and self.low_to_low is not None:
            y_low = self.low_to_low(x_low) if y_low is None else y_low + self.low_to_low(x_low)
        if y_high is None:
            raise ValueError("alpha_out = 1 leaves no high-frequency output")
        return y_high, y_low


class CausalConv1d(nn.Conv1d):
    """A 1-D convolution padded ``(k − 1)·dilation`` steps on the left only: output ``t`` sees inputs ``≤ t``.

    Reference: van den Oord et al. (2016), "WaveNet: A Generative Model for Raw Audio",
    arXiv:1609.03499 (causal, dilated convolutions).

    Args:
        in_channels: Input channels.
        out_channels: Output channels.
        kernel_size: Taps ``k``.
        dilation: Gap between taps.
        bias: Learn an additive bias.

    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, dilation: int = 1, bias: bool = True) -> None:
        super().__init__(in_channels, out_channels, kernel_size, dilation=dilation, bias=bias)
        self.left = (kernel_size - 1) * dilation

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C, L]`` → ``[B, out, L]``."""
        return super().forward(F.pad(x, (self.left, 0)))


# --- samples and float64 oracles ------------------------------------------------------------------


def octave_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """High part ``[4, C_H, 8, 8]`` and low part ``[4, C_L, 4, 4]`` of ``in_channels`` channels."""
    channels = int(args.get("in_channels", 8))
    low = int(float(args.get("alpha_in", 0.5)) * channels)
    return torch.randn(4, channels - low, 8, 8), torch.randn(4, low, 4, 4)


def deformed_images(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Images ``[2, in_channels, 6, 6]`` with random offsets ``[2, 2K², 6, 6]`` of up to ±2 pixels."""
    k = int(args.get("kernel_size", 3))
    return torch.randn(2, int(args.get("in_channels", 4)), 6, 6), 4 * torch.rand(2, 2 * k * k, 6, 6) - 2


def _bilinear(image: Tensor, y: float, x: float) -> Tensor:
    """``image [C, H, W]`` at a real position, zero outside (the four-neighbour formula)."""
    y0, x0 = int(torch.floor(torch.tensor(y))), int(torch.floor(torch.tensor(x)))
    total = torch.zeros(image.shape[0], dtype=torch.float64)
    for yy in (y0, y0 + 1):
        for xx in (x0, x0 + 1):
            if 0 <= yy < image.shape[1] and 0 <= xx < image.shape[2]:
                total = total + (1 - abs(y - yy)) * (1 - abs(x - xx)) * image[:, yy, xx]
    return total


def deformable_oracle(module: DeformableConv2d, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """The defining sum ``Σ_k w_k x(p + p_k + Δp_k)`` position by position, with four-neighbour bilinear reads."""
    x = inputs[0].double()
    offsets = (inputs[1] if len(inputs) > 1 else module.offset(inputs[0])).double()
    w, k, pad = module.weight.double(), module.kernel_size, module.padding
    out_h, out_w = offsets.shape[-2:]
    out = torch.zeros(x.shape[0], w.shape[0], out_h, out_w, dtype=torch.float64)
    for b in range(x.shape[0]):
        for i in range(out_h):
            for j in range(out_w):
                for tap in range(k * k):
                    dy, dx = float(offsets[b, 2 * tap, i, j]), float(offsets[b, 2 * tap + 1, i, j])
                    value = _bilinear(x[b], i - pad + tap // k + dy, j - pad + tap % k + dx)
                    out[b, :, i, j] += w[:, :, tap // k, tap % k] @ value
    return out + module.bias.double()[None, :, None, None] if module.bias is not None else out


def octave_oracle(module: OctaveConv2d, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """The paper's four paths with pooling and upsampling written as reshapes, in float64."""
    high, low = inputs[0].double(), inputs[1].double()

    def conv(layer: nn.Conv2d | None, x: Tensor) -> Tensor | int:
        return 0 if layer is None else F.conv2d(x, layer.weight.double(), padding=layer.padding)

    b, c, h, w = high.shape
    pooled = high.reshape(b, c, h // 2, 2, w // 2, 2).mean(dim=(3, 5))
    from_low = conv(module.low_to_high, low)
    up = from_low.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3) if isinstance(from_low, Tensor) else 0
    y_high = conv(module.high_to_high, high) + up
    y_low = conv(module.low_to_low, low) + conv(module.high_to_low, pooled)
    return tuple(y for y in (y_high, y_low) if isinstance(y, Tensor))


def causal_conv_oracle(module: CausalConv1d, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """``y_t = b + Σ_i W_i x_{t − (k−1−i)·d}`` with absent (negative-time) inputs counted as zero."""
    x, w = inputs[0].double(), module.weight.double()
    k, d = w.shape[-1], module.dilation[0]
    out = torch.zeros(x.shape[0], w.shape[0], x.shape[-1], dtype=torch.float64)
    for t in range(x.shape[-1]):
        for i in range(k):
            source = t - (k - 1 - i) * d
            if source >= 0:
                out[:, :, t] += x[:, :, source] @ w[:, :, i].T
    return out + module.bias.double()[None, :, None] if module.bias is not None else out
