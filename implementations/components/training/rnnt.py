"""The RNN-Transducer loss: forward-variable dynamic programme in log space, and a brute-force oracle."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn


class RNNTLoss(nn.Module):
    """Negative log-likelihood of the target under an RNN transducer's output lattice.

    ``logits [B, T, U+1, V]`` come from the joint network at every (frame ``t``, emitted-label
    count ``u``) node. From node ``(t, u)`` a path either emits blank (to ``(t+1, u)``) or the
    next target label ``y_{u+1}`` (to ``(t, u+1)``); the likelihood of ``y`` sums over all paths
    from ``(0, 0)`` that end with a blank at ``(T−1, U)``. The forward variables
    ``α(t, u) = logaddexp(α(t−1, u) + blank(t−1, u), α(t, u−1) + label(t, u−1))`` give
    ``−log P(y|x) = −(α(T−1, U) + blank(T−1, U))``.

    Reference: Graves (2012), "Sequence Transduction with Recurrent Neural Networks",
    arXiv:1211.3711 (section 2.4, equations 16–18).

    Args:
        blank: Index of the blank symbol.
        reduction: ``"mean"`` (over the batch), ``"sum"`` or ``"none"``.

    """

    def __init__(self, blank: int = 0, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be mean, sum or none, got {reduction!r}")
        self.blank, self.reduction = blank, reduction

    def forward(self, logits: Tensor, targets: Tensor, logit_lengths: Tensor, target_lengths: Tensor) -> Tensor:
        """Joint logits ``[B, T, U+1, V]``, targets ``[B, U]``, lengths ``[B]`` → loss."""
        log_probs = torch.log_softmax(logits, dim=-1)
        batch, frames, nodes, _ = log_probs.shape
        blank = log_probs[..., self.blank]  # [B, T, U+1]
        index = targets.long().clamp_min(0)[:, None, :, None].expand(batch, frames, nodes - 1, 1)
        emit = log_probs[:, :, :-1].gather(3, index).squeeze(3)  # [B, T, U]: log P(y_{u+1} | t, u)
        minus_inf = torch.full((batch,), -math.inf, dtype=log_probs.dtype, device=log_probs.device)
        rows: list[list[Tensor]] = []
        for t in range(frames):
            row: list[Tensor] = []
            for u in range(nodes):
                if t == 0 and u == 0:
                    row.append(torch.zeros_like(minus_inf))
                    continue
                from_above = rows[t - 1][u] + blank[:, t - 1, u] if t > 0 else minus_inf
                from_left = row[u - 1] + emit[:, t, u - 1] if u > 0 else minus_inf
                row.append(torch.logaddexp(from_above, from_left))
            rows.append(row)
        alpha = torch.stack([torch.stack(row, dim=1) for row in rows], dim=1)  # [B, T, U+1]
        last_t, last_u, batch_index = logit_lengths.long() - 1, target_lengths.long(), torch.arange(batch)
        losses = -(alpha[batch_index, last_t, last_u] + blank[batch_index, last_t, last_u])
        if self.reduction == "none":
            return losses
        return losses.sum() if self.reduction == "sum" else losses.mean()


# --- sample and brute-force oracle ----------------------------------------------------------------


def transducer_lattice(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """A tiny lattice: logits ``[2, 4, 3, 4]`` (requiring grad), targets ``[2, 2]`` (no blanks), lengths (4, 3) and (2, 1)."""
    logits = torch.randn(2, 4, 3, 4, requires_grad=True)
    blank = int(args.get("blank", 0))
    targets = torch.tensor([[1, 2], [3, 1]])
    targets = torch.where(targets == blank, 0, targets)  # 0 is a label whenever blank ≠ 0
    return logits, targets, torch.tensor([4, 3]), torch.tensor([2, 1])


def rnnt_oracle(loss_fn: RNNTLoss, inputs: tuple[Tensor, ...], args: Mapping[str, Any]) -> Tensor:
    """Enumerate every alignment (positions of the ``U`` labels among ``T + U − 1`` steps, a final blank) and sum."""
    logits, targets, logit_lengths, target_lengths = inputs
    log_probs = torch.log_softmax(logits.detach().double(), dim=-1)
    losses = []
    for b in range(log_probs.shape[0]):
        frames, labels = int(logit_lengths[b]), targets[b, : int(target_lengths[b])].tolist()
        paths = []
        for emit_steps in itertools.combinations(range(frames + len(labels) - 1), len(labels)):
            t = u = 0
            total = 0.0
            for step in range(frames + len(labels) - 1):
                if step in emit_steps:
                    total += float(log_probs[b, t, u, labels[u]])
                    u += 1
                else:
                    total += float(log_probs[b, t, u, loss_fn.blank])
                    t += 1
            paths.append(total + float(log_probs[b, t, u, loss_fn.blank]))  # the final blank at (T−1, U)
        losses.append(-math.log(sum(math.exp(p) for p in paths)))
    out = torch.tensor(losses, dtype=torch.float64)
    return out if loss_fn.reduction == "none" else out.sum() if loss_fn.reduction == "sum" else out.mean()
