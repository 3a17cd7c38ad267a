"""Pre-training objectives and large-batch scaling: masked autoencoder, next-sentence prediction, linear scaling rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR


class MaskedAutoencoder(nn.Module):
    """A tiny masked autoencoder: encode a random 25 % of the patches, reconstruct the other 75 %.

    Patches are embedded with positions, a random ``mask_ratio`` of them is dropped per image, a
    Transformer encoder sees only the visible ones; a lighter decoder receives the encoded tokens
    plus a shared mask token at every removed position and predicts the pixels. The loss is the
    mean squared error on the removed patches only (per-patch normalised targets optional).
    :attr:`mask` records which patches were removed (1) in the last call.

    Reference: He, Chen, Xie, Li, Dollár, Girshick (2022), "Masked Autoencoders Are Scalable Vision
    Learners", arXiv:2111.06377.

    Args:
        image_size: Square image side.
        patch_size: Square patch side.
        in_channels: Image channels.
        dim: Encoder width.
        decoder_dim: Decoder width.
        heads: Attention heads (encoder and decoder).
        mask_ratio: Fraction of patches removed.
        norm_pix_loss: Normalise each target patch to zero mean and unit variance.

    """

    def __init__(
        self,
        image_size: int = 16,
        patch_size: int = 4,
        in_channels: int = 3,
        dim: int = 32,
        decoder_dim: int = 16,
        heads: int = 4,
        mask_ratio: float = 0.75,
        norm_pix_loss: bool = False,
    ) -> None:
        super().__init__()
        self.patch_size, self.mask_ratio, self.norm_pix_loss = patch_size, mask_ratio, norm_pix_loss
        patches, patch_dim = (image_size // patch_size) ** 2, patch_size * patch_size * in_channels
        self.embed = nn.Linear(patch_dim, dim)
        self.position = nn.Parameter(0.02 * torch.randn(patches, dim))
        self.encoder = nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.0, batch_first=True)
        self.to_decoder = nn.Linear(dim, decoder_dim)
        self.mask_token = nn.Parameter(0.02 * torch.randn(decoder_dim))
        self.decoder_position = nn.Parameter(0.02 * torch.randn(patches, decoder_dim))
        self.decoder = nn.TransformerEncoderLayer(decoder_dim, heads, 2 * decoder_dim, dropout=0.0, batch_first=True)
        self.head = nn.Linear(decoder_dim, patch_dim)
        self.mask: Tensor | None = None

    def patchify(self, images: Tensor) -> Tensor:
        """``[B, C, H, W]`` → ``[B, N, p·p·C]``."""
        b, c, h, w = images.shape
        p = self.patch_size
        return images.reshape(b, c, h // p, p, w // p, p).permute(0, 2, 4, 3, 5, 1).reshape(b, (h // p) * (w // p), p * p * c)

    def forward(self, images: Tensor) -> Tensor:
        """Images ``[B, C, H, W]`` → the reconstruction loss on the masked patches (scalar)."""
        patches = self.patchify(images)
        batch, count, _ = patches.shape
        keep = max(1, int(count * (1 - self.mask_ratio)))
        order = torch.rand(batch, count, device=images.device).argsort(dim=1)  # a random shuffle per image
        visible = order[:, :keep]
        tokens = (self.embed(patches) + self.position).gather(1, visible[..., None].expand(-1, -1, self.position.shape[1]))
        encoded = self.to_decoder(self.encoder(tokens))
        full = self.mask_token.expand(batch, count, -1).scatter(1, visible[..., None].expand_as(encoded), encoded)
        prediction = self.head(self.decoder(full + self.decoder_position))
        self.mask = torch.ones(batch, count, device=images.device).scatter(1, visible, 0.0)
        target = patches
        if self.norm_pix_loss:
            target = (target - target.mean(-1, keepdim=True)) / (target.var(-1, keepdim=True) + 1e-6).sqrt()
        per_patch = ((prediction - target) ** 2).mean(-1)
        loss: Tensor = (per_patch * self.mask).sum() / self.mask.sum()
        return loss


class NextSentencePredictionLoss(nn.Module):
    """BERT's next-sentence-prediction head and loss: ``CE(W_c · tanh(W_p h_[CLS] + b_p) + b_c, is_next)``.

    Reference: Devlin, Chang, Lee, Toutanova (2019), "BERT: Pre-training of Deep Bidirectional
    Transformers for Language Understanding", arXiv:1810.04805 (section 3.1, task #2).

    Args:
        hidden_size: Width of the ``[CLS]`` state.

    """

    def __init__(self, hidden_size: int = 16) -> None:
        super().__init__()
        self.pooler = nn.Linear(hidden_size, hidden_size)
        self.classifier = nn.Linear(hidden_size, 2)

    def forward(self, cls_states: Tensor, is_next: Tensor) -> Tensor:
        """``[CLS]`` states ``[B, H]`` and labels ``[B]`` (1: the second segment follows) → scalar."""
        return F.cross_entropy(self.classifier(torch.tanh(self.pooler(cls_states))), is_next)


def linear_scaling(optimizer: Optimizer, batch_size: int = 1024, base_batch_size: int = 256, warmup_steps: int = 5) -> LambdaLR:
    """The linear scaling rule with gradual warm-up: the learning rate becomes ``lr · batch_size / base_batch_size``.

    The optimizer's ``lr`` is the rate tuned for ``base_batch_size``; the factor ramps linearly
    from 1 to ``k = batch_size / base_batch_size`` over ``warmup_steps`` steps, then stays at ``k``
    (combine with any decay schedule by chaining).

    Reference: Goyal et al. (2017), "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
    arXiv:1706.02677 (sections 2.1–2.2).
    """
    k = batch_size / base_batch_size
    return LambdaLR(optimizer, lambda step: 1 + (k - 1) * min(step, warmup_steps) / warmup_steps if warmup_steps else k)


# --- samples and float64 oracles ------------------------------------------------------------------


def next_sentence_inputs(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """``[CLS]`` states ``[8, hidden_size]`` (requiring grad) and 0/1 labels."""
    return torch.randn(8, int(args.get("hidden_size", 16)), requires_grad=True), torch.randint(0, 2, (8,))


def mae_images(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Images ``[4, in_channels, image_size, image_size]``."""
    side = int(args.get("image_size", 16))
    return (torch.randn(4, int(args.get("in_channels", 3)), side, side),)


def next_sentence_oracle(loss_fn: NextSentencePredictionLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Row by row: pooled state, two logits, ``−log softmax`` of the true label, averaged (float64)."""
    h, labels = inputs[0].detach().double(), inputs[1].tolist()
    total = torch.zeros((), dtype=torch.float64)
    for row, label in zip(h, labels, strict=True):
        pooled = torch.tanh(loss_fn.pooler.weight.double() @ row + loss_fn.pooler.bias.double())
        logits = loss_fn.classifier.weight.double() @ pooled + loss_fn.classifier.bias.double()
        total = total - (logits[label] - torch.logsumexp(logits, 0))
    return total / len(labels)


def linear_scaling_oracle(scheduler: Any, lrs: Sequence[float], args: Mapping[str, Any]) -> list[float]:
    """``lr₀ · (1 + (k − 1) · min(t, w) / w)`` for each recorded step."""
    k, warmup = args["batch_size"] / args["base_batch_size"], args["warmup_steps"]
    return [lrs[0] * (1 + (k - 1) * min(t, warmup) / warmup if warmup else k) for t in range(len(lrs))]
