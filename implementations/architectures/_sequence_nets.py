"""Reference encoder-decoder networks (registered in :mod:`implementations.architectures.feedforward`).

The pointer network and the RNN encoder-decoder with additive attention, plus the sample inputs
of these and of ``torch.nn.Transformer``. Teacher forcing: the decoder reads the true previous
outputs, so one forward call scores a whole target sequence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from implementations.components.layers.attention_extras import BahdanauAttention


class PointerNetwork(nn.Module):
    """Ptr-Net: an LSTM encoder and decoder whose attention over the inputs is itself the output distribution.

    Vinyals, Fortunato, Jaitly (2015), "Pointer Networks", NeurIPS, arXiv:1506.03134. At step i,
    ``u_j = vᵀ tanh(W₁ e_j + W₂ d_i)`` and ``p(C_i = j) = softmax_j(u)``: the output vocabulary is the
    input positions, so it grows with the input. The decoder reads the embedding of the point
    chosen at the previous step (a learned start vector first).
    """

    def __init__(self, input_dim: int = 2, hidden_size: int = 32) -> None:
        super().__init__()
        self.embed = nn.Linear(input_dim, hidden_size)
        self.encoder = nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.decoder = nn.LSTM(hidden_size, hidden_size, batch_first=True)
        self.start = nn.Parameter(torch.randn(hidden_size) / hidden_size**0.5)
        self.w_encoder = nn.Linear(hidden_size, hidden_size, bias=False)
        self.w_decoder = nn.Linear(hidden_size, hidden_size, bias=False)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, points: Tensor, order: Tensor) -> Tensor:
        """Log-probabilities ``[B, T, N]`` over the ``N`` input positions for each of the ``T`` steps of ``order`` ``[B, T]``."""
        embedded = self.embed(points)
        encoded, state = self.encoder(embedded)
        previous = torch.gather(embedded, 1, order[:, :-1, None].expand(-1, -1, embedded.shape[-1]))
        decoded, _ = self.decoder(torch.cat([self.start.expand(points.shape[0], 1, -1), previous], dim=1), state)
        scores: Tensor = self.v(torch.tanh(self.w_encoder(encoded)[:, None] + self.w_decoder(decoded)[:, :, None])).squeeze(-1)
        return scores.log_softmax(dim=-1)


class Seq2SeqAttention(nn.Module):
    """RNNsearch: a bidirectional GRU encoder and a GRU decoder attending to its annotations at every step.

    Bahdanau, Cho, Bengio (2015), "Neural Machine Translation by Jointly Learning to Align and
    Translate", ICLR, arXiv:1409.0473. ``s₀ = tanh(W_s h←₁)``; step i computes the context
    ``c_i`` from ``s_{i−1}`` (additive attention), ``s_i = GRU([y_{i−1}; c_i], s_{i−1})`` and logits from
    ``(s_i, c_i, y_{i−1})`` (a linear readout instead of the paper's maxout layer).
    """

    def __init__(self, src_vocab_size: int = 50, tgt_vocab_size: int = 50, embed_dim: int = 16, hidden_size: int = 32) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.src_embed, self.tgt_embed = nn.Embedding(src_vocab_size, embed_dim), nn.Embedding(tgt_vocab_size, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_size, batch_first=True, bidirectional=True)
        self.init_state = nn.Linear(hidden_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size, 2 * hidden_size, hidden_size)
        self.cell = nn.GRUCell(embed_dim + 2 * hidden_size, hidden_size)
        self.readout = nn.Linear(3 * hidden_size + embed_dim, tgt_vocab_size)

    def forward(self, source: Tensor, previous: Tensor) -> Tensor:
        """Logits ``[B, T, tgt_vocab_size]`` for source ids ``[B, S]`` and the previous target ids ``[B, T]``."""
        annotations, _ = self.encoder(self.src_embed(source))
        state = torch.tanh(self.init_state(annotations[:, 0, self.hidden_size :]))
        logits = []
        for y in self.tgt_embed(previous).unbind(dim=1):
            context = self.attention(state, annotations)
            state = self.cell(torch.cat([y, context], dim=-1), state)
            logits.append(self.readout(torch.cat([state, context, y], dim=-1)))
        return torch.stack(logits, dim=1)


def points_and_order(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Two sets of 6 points ``[2, 6, input_dim]`` and a random visiting order of them ``[2, 6]``."""
    return torch.rand(2, 6, int(args["input_dim"])), torch.argsort(torch.rand(2, 6), dim=1)


def pointer_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch, steps, input positions]``."""
    return (*(int(n) for n in inputs[1].shape), int(inputs[0].shape[1]))


def source_and_previous_tokens(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Source ids ``[2, 9]`` and previous target ids ``[2, 7]``."""
    return torch.randint(0, int(args["src_vocab_size"]), (2, 9)), torch.randint(0, int(args["tgt_vocab_size"]), (2, 7))


def translation_logits_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """``[batch, target length, tgt_vocab_size]``."""
    return (*(int(n) for n in inputs[1].shape), int(args["tgt_vocab_size"]))


def source_and_target(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Embedded source ``[2, 10, d_model]`` and target ``[2, 7, d_model]`` sequences (batch first)."""
    width = int(args["d_model"])
    return torch.randn(2, 10, width), torch.randn(2, 7, width)


def target_shape(args: Mapping[str, Any], inputs: tuple[Tensor, ...]) -> tuple[int, ...]:
    """The decoder output has the target's shape."""
    return tuple(int(n) for n in inputs[1].shape)
