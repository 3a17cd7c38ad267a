"""Sample inputs for smoke tests, in the spirit of PyTorch's OpInfo ``sample_inputs``.

Each function takes the validated constructor arguments and returns the positional inputs of
one forward call (for losses: ``(prediction, target)``, with ``prediction.requires_grad``).
Sizes are small so a whole smoke run stays fast on a CPU.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

BATCH = 4
LENGTH = 8
SPATIAL = 8


def _width(args: Mapping[str, Any], *names: str, default: int = 16) -> int:
    for name in names:
        value = args.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        if isinstance(value, list | tuple) and value and isinstance(value[-1], int) and value[-1] > 0:
            return int(value[-1])
    return default


def vectors(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """A batch of feature vectors ``[B, D]``."""
    width = _width(args, "in_features", "normalized_shape", "num_features", "dim", "d_model", "embed_dim", "num_parameters")
    return (torch.randn(BATCH, width),)


def vector_pairs(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Two batches of vectors for bilinear layers."""
    return torch.randn(BATCH, _width(args, "in1_features")), torch.randn(BATCH, _width(args, "in2_features"))


def sequences(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """A batch of sequences ``[B, T, D]``."""
    width = _width(args, "embed_dim", "d_model", "dim", "normalized_shape", "input_size", "in_features", "hidden_size")
    return (torch.randn(BATCH, LENGTH, width),)


def attention_inputs(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Query, key and value sequences ``[B, T, D]`` for ``nn.MultiheadAttention``-style modules."""
    (x,) = sequences(args)
    return x, x, x


def signals(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """1-D signals ``[B, C, L]``."""
    return (torch.randn(BATCH, _width(args, "in_channels", "num_features", "num_channels", default=4), 4 * LENGTH),)


def images(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Images ``[B, C, H, W]``."""
    channels = _width(args, "in_channels", "num_features", "num_channels", "channels", default=4)
    return (torch.randn(BATCH, channels, SPATIAL, SPATIAL),)


def volumes(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Volumes ``[B, C, D, H, W]``."""
    channels = _width(args, "in_channels", "num_features", default=4)
    return (torch.randn(2, channels, 4, SPATIAL, SPATIAL),)


def tokens(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Token ids ``[B, T]`` below ``num_embeddings``."""
    return (torch.randint(0, _width(args, "num_embeddings", "vocab_size", default=100), (BATCH, LENGTH)),)


def classification(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Logits ``[B, C]`` (requiring grad) and integer class targets."""
    classes = _width(args, "num_classes", default=5)
    return torch.randn(BATCH, classes, requires_grad=True), torch.randint(0, classes, (BATCH,))


def binary(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Logits ``[B, K]`` (requiring grad) and 0/1 float targets."""
    return torch.randn(BATCH, 3, requires_grad=True), torch.randint(0, 2, (BATCH, 3)).float()


def regression(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Predictions ``[B, K]`` (requiring grad) and real targets."""
    return torch.randn(BATCH, 3, requires_grad=True), torch.randn(BATCH, 3)


def distributions(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Log-probabilities (requiring grad) and target probabilities, as ``nn.KLDivLoss`` expects."""
    log_probs = torch.log_softmax(torch.randn(BATCH, 5), dim=-1).requires_grad_()
    return log_probs, torch.softmax(torch.randn(BATCH, 5), dim=-1)


def triplets(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Anchor (requiring grad), positive and negative embeddings."""
    return torch.randn(BATCH, 8, requires_grad=True), torch.randn(BATCH, 8), torch.randn(BATCH, 8)


def ctc(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Log-probs ``[T, B, C]``, targets and lengths for ``nn.CTCLoss``."""
    time_steps, classes, target_len = 12, 6, 4
    log_probs = torch.randn(time_steps, BATCH, classes).log_softmax(2).detach().requires_grad_()
    targets = torch.randint(1, classes, (BATCH, target_len))
    return log_probs, targets, torch.full((BATCH,), time_steps), torch.full((BATCH,), target_len)


def cross_attention_inputs(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Queries ``[B, T, D]`` attending to a longer memory ``[B, 2T, D]`` (keys = values)."""
    width = _width(args, "embed_dim", "d_model")
    memory = torch.randn(BATCH, 2 * LENGTH, width)
    return torch.randn(BATCH, LENGTH, width), memory, memory


def decoder_inputs(args: Mapping[str, Any]) -> tuple[torch.Tensor, ...]:
    """Target sequence and encoder memory for a Transformer decoder layer."""
    width = _width(args, "d_model", "embed_dim")
    return torch.randn(BATCH, LENGTH, width), torch.randn(BATCH, 2 * LENGTH, width)
