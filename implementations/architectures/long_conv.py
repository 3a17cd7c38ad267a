"""The temporal convolutional network: causal dilated convolutions.

Registered in :mod:`implementations.architectures.sequence`.
"""

from __future__ import annotations

import itertools

import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import weight_norm


class CausalConv1d(nn.Conv1d):
    """A Conv1d padded ``(k − 1)·dilation`` steps on the left only, so ``y_t`` sees ``x_{≤t}``."""

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C_in, T]`` → ``[B, C_out, T]``."""
        return super().forward(F.pad(x, ((self.kernel_size[0] - 1) * self.dilation[0], 0)))


class TemporalBlock(nn.Module):
    """Two weight-normalised causal dilated convolutions with ReLU and dropout, and a residual (1×1 when widths differ)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(
            weight_norm(CausalConv1d(in_channels, out_channels, kernel_size, dilation=dilation)),
            nn.ReLU(),
            nn.Dropout(dropout),
            weight_norm(CausalConv1d(out_channels, out_channels, kernel_size, dilation=dilation)),
            nn.ReLU(),
            nn.Dropout(dropout),
        )
        self.residual = nn.Conv1d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """``[B, C_in, T]`` → ``[B, C_out, T]``."""
        return F.relu(self.net(x) + self.residual(x))


class TemporalConvNet(nn.Module):
    """Temporal convolutional network: residual blocks of causal convolutions with dilations 1, 2, 4 and so on.

    Bai, Kolter, Koltun (2018), "An Empirical Evaluation of Generic Convolutional and Recurrent
    Networks for Sequence Modeling", arXiv:1803.01271. The receptive field is
    ``1 + 2(k − 1)(2^L − 1)`` steps for ``L`` blocks; every output depends only on past inputs.

    Args:
        in_channels: Input channels.
        channels: Output channels of each block.
        kernel_size: Kernel size ``k``.
        dropout: Dropout after each convolution.

    """

    def __init__(self, in_channels: int = 4, channels: list[int] | None = None, kernel_size: int = 3, dropout: float = 0.1) -> None:
        super().__init__()
        widths = [in_channels, *(channels or [16, 16, 16])]
        self.blocks = nn.Sequential(
            *(TemporalBlock(a, b, kernel_size, 2**i, dropout) for i, (a, b) in enumerate(itertools.pairwise(widths)))
        )

    def forward(self, x: Tensor) -> Tensor:
        """``[B, in_channels, T]`` → ``[B, channels[-1], T]``."""
        out: Tensor = self.blocks(x)
        return out
