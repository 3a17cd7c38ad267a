"""Tasks on scikit-learn's bundled handwritten digits: an MLP, a small CNN and a mixture-of-experts classifier.

The data are ``sklearn.datasets.load_digits`` (1,797 images of 8×8 pixels, values 0–16, 10
classes), shipped with scikit-learn, so nothing is downloaded. Each seed draws its own 80/20
train/validation split; pixels are standardised with the training rows' statistics (standard
deviations below 1 count as 1, so the border pixels that are blank in training stay small). The metric
is validation accuracy (chance 0.1).
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor, nn

from implementations.pairing.protocol import TrialConfig
from implementations.pairing.tasks._common import Problem, classifier, split_indices
from implementations.registry.factory import create

VAL_FRACTION = 0.2
BATCH = 64
CLASSES = 10


@functools.lru_cache(maxsize=1)
def load_digits() -> tuple[Tensor, Tensor]:
    """All digits as ``(pixels [1797, 64] float in 0–16, labels [1797] long)``; cached per process."""
    from sklearn.datasets import load_digits as sklearn_digits

    data = sklearn_digits()
    return torch.tensor(data.data, dtype=torch.float32), torch.tensor(data.target, dtype=torch.long)


def digits_split(seed: int) -> tuple[Tensor, Tensor, tuple[Tensor, Tensor]]:
    """Standardised pixels ``[1797, 64]``, labels, and the seed's (train, validation) row indices."""
    pixels, labels = load_digits()
    train, val = split_indices(len(labels), seed, VAL_FRACTION)
    mean, std = pixels[train].mean(0), pixels[train].std(0)
    return (pixels - mean) / std.clamp_min(1.0), labels, (train, val)


def build_linear(config: TrialConfig) -> Problem:
    """MLP 64 → 128 → 128 → 10 of registered ``linear`` layers with ReLU, on the flattened digits."""
    x, y, split = digits_split(config.seed)
    model = nn.Sequential(
        create("linear", in_features=64, out_features=128),
        create("relu"),
        create("linear", in_features=128, out_features=128),
        create("relu"),
        create("linear", in_features=128, out_features=CLASSES),
    )
    return classifier(model, x, y, split, BATCH, config.seed)


def build_convolution(config: TrialConfig) -> Problem:
    """CNN on 1×8×8 digits: two 3×3 conv stages (16, 32 channels) with max pooling, global average pooling, linear.

    The extra ``batch-norm`` puts a BatchNorm2d after each convolution (off: none).
    """
    x, y, split = digits_split(config.seed)
    norm = "batch-norm" in config.extras

    def stage(cin: int, cout: int) -> list[nn.Module]:
        conv = create("conv2d", in_channels=cin, out_channels=cout, kernel_size=3, padding=1)
        return [conv, *([create("batch-normalization", num_features=cout)] if norm else []), create("relu")]

    model = nn.Sequential(
        *stage(1, 16),
        create("max-pooling", kernel_size=2),
        *stage(16, 32),
        create("global-average-pooling", output_size=1),
        nn.Flatten(),
        create("linear", in_features=32, out_features=CLASSES),
    )
    return classifier(model, x.view(-1, 1, 8, 8), y, split, BATCH, config.seed)


def build_moe(config: TrialConfig) -> Problem:
    """Mixture-of-experts classifier: linear 64 → 32, a top-2 mixture of 4 expert MLPs (residual), linear → 10.

    The extra ``load-balancing`` adds the Switch Transformer's auxiliary loss (× 0.01) of the router
    (Fedus, Zoph, Shazeer 2022, arXiv:2101.03961) to the training loss.
    """
    x, y, split = digits_split(config.seed)
    moe = create("mixture-of-experts", dim=32, num_experts=4, k=2, hidden_dim=64)
    model = _ResidualMoE(create("linear", in_features=64, out_features=32), moe, create("linear", in_features=32, out_features=CLASSES))
    problem = classifier(model, x, y, split, BATCH, config.seed)
    if "load-balancing" in config.extras:
        problem.aux_loss = lambda: moe.aux_loss
    return problem


class _ResidualMoE(nn.Module):
    """``head(h + moe(h))`` with ``h = relu(stem(x))``."""

    def __init__(self, stem: nn.Module, moe: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.stem, self.moe, self.head = stem, moe, head

    def forward(self, x: Tensor) -> Tensor:
        h = torch.relu(self.stem(x))
        return self.head(h + self.moe(h))  # type: ignore[no-any-return]
