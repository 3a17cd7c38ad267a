"""Networks with an external memory: the neural Turing machine, end-to-end memory networks, key-value memory networks.

Registered in :mod:`implementations.architectures.sequence`. Memory networks read bags of words:
token ids ``[..., W]`` are embedded and summed over ``W`` (id 0 is padding).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

STORY_SENTENCES, SENTENCE_WORDS = 6, 5


def content_weights(keys: Tensor, memory: Tensor, strength: Tensor) -> Tensor:
    """Content addressing ``softmax_i(β · cos(k, M_i))``: keys ``[B, M]``, memory ``[B, N, M]``, strengths ``[B, 1]`` → ``[B, N]``."""
    return torch.softmax(strength * F.cosine_similarity(memory, keys[:, None, :], dim=-1, eps=1e-8), dim=-1)


class NTMHead(nn.Module):
    """Addressing of one NTM head: content, interpolation with the last weights, circular shift, sharpening."""

    def __init__(self, hidden_size: int, memory_width: int, extra: int = 0) -> None:
        super().__init__()
        self.memory_width, self.extra = memory_width, extra
        self.params = nn.Linear(hidden_size, memory_width + 6 + extra)  # k, β, g, shift(3), γ, then erase/add

    def forward(self, h: Tensor, memory: Tensor, previous: Tensor) -> tuple[Tensor, Tensor]:
        """New weights ``[B, N]`` and the head's extra outputs."""
        k, beta, g, shift, gamma, extra = self.params(h).split([self.memory_width, 1, 1, 3, 1, self.extra], -1)
        w = content_weights(k, memory, F.softplus(beta))
        w = torch.sigmoid(g) * w + (1 - torch.sigmoid(g)) * previous
        s = torch.softmax(shift, -1)
        w = s[:, :1] * w.roll(-1, 1) + s[:, 1:2] * w + s[:, 2:] * w.roll(1, 1)  # shifts −1, 0, +1
        w = w.clamp_min(1e-12) ** (1 + F.softplus(gamma))
        return w / w.sum(-1, keepdim=True), extra


class NeuralTuringMachine(nn.Module):
    """A neural Turing machine with an LSTM controller, one read head and one write head.

    Graves, Wayne, Danihelka (2014), "Neural Turing Machines", arXiv:1410.5401 (§3.3 addressing:
    content weights ``softmax(β K[k, M_i])``, interpolation gate ``g``, shift ``s``, sharpening
    ``γ``; writes ``M ← M ⊙ (1 − w eᵀ) + w aᵀ``; reads ``r = Σ_i w_i M_i``). The initial memory
    is learned.

    Args:
        in_features: Input width per step.
        out_features: Output width per step.
        hidden_size: Controller width.
        memory_slots: Rows ``N``.
        memory_width: Row width ``M``.

    """

    def __init__(
        self, in_features: int = 8, out_features: int = 8, hidden_size: int = 64, memory_slots: int = 16, memory_width: int = 16
    ) -> None:
        super().__init__()
        self.controller = nn.LSTMCell(in_features + memory_width, hidden_size)
        self.read_head = NTMHead(hidden_size, memory_width)
        self.write_head = NTMHead(hidden_size, memory_width, extra=2 * memory_width)
        self.memory0 = nn.Parameter(torch.full((memory_slots, memory_width), 1e-6) + 1e-2 * torch.randn(memory_slots, memory_width))
        self.output = nn.Linear(hidden_size + memory_width, out_features)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, in_features]`` → ``[B, T, out_features]``."""
        batch = x.shape[0]
        memory = self.memory0.expand(batch, -1, -1)
        slots = memory.shape[1]
        read_w = write_w = x.new_full((batch, slots), 1.0 / slots)
        read = memory.mean(1)
        state = (x.new_zeros(batch, self.controller.hidden_size), x.new_zeros(batch, self.controller.hidden_size))
        outputs = []
        for t in range(x.shape[1]):
            state = self.controller(torch.cat([x[:, t], read], -1), state)
            write_w, erase_add = self.write_head(state[0], memory, write_w)
            erase, add = erase_add.chunk(2, -1)
            memory = memory * (1 - write_w[..., None] * torch.sigmoid(erase)[:, None]) + write_w[..., None] * add[:, None]
            read_w, _ = self.read_head(state[0], memory, read_w)
            read = (read_w[..., None] * memory).sum(1)
            outputs.append(self.output(torch.cat([state[0], read], -1)))
        return torch.stack(outputs, 1)


def bag(embedding: nn.Embedding, ids: Tensor) -> Tensor:
    """Bag-of-words vectors: the embeddings of ``ids [..., W]`` summed over ``W``."""
    vectors: Tensor = embedding(ids)
    return vectors.sum(-2)


class EndToEndMemoryNetwork(nn.Module):
    """End-to-end memory network (MemN2N) with adjacent weight tying and temporal encoding.

    Sukhbaatar, Szlam, Weston, Fergus (2015), "End-To-End Memory Networks", arXiv:1503.08895
    (after Weston, Chopra, Bordes (2015), "Memory Networks", arXiv:1410.3916). Embeddings
    ``E_0 … E_K`` with ``A^k = E_{k−1}``, ``C^k = E_k``, ``B = A^1`` and answer matrix ``Wᵀ = C^K``.
    Each hop: ``p = softmax(uᵀ m_i)``, ``o = Σ_i p_i c_i``, ``u ← u + o``; logits ``= W u``.

    Args:
        vocab_size: Words (id 0 is padding).
        embed_dim: Embedding width.
        hops: Memory hops ``K``.
        max_sentences: Longest story (temporal-encoding rows).

    """

    def __init__(self, vocab_size: int = 50, embed_dim: int = 32, hops: int = 3, max_sentences: int = 10) -> None:
        super().__init__()
        self.embeddings: list[nn.Embedding] = nn.ModuleList(nn.Embedding(vocab_size, embed_dim, padding_idx=0) for _ in range(hops + 1))  # type: ignore[assignment]
        self.temporal = nn.Parameter(0.1 * torch.randn(hops + 1, max_sentences, embed_dim))

    def memories(self, story: Tensor, hop: int) -> Tensor:
        """Memory vectors ``[B, S, d]`` of embedding ``hop`` (with its temporal encoding)."""
        return bag(self.embeddings[hop], story) + self.temporal[hop, : story.shape[1]]

    def attention(self, story: Tensor, query: Tensor) -> list[Tensor]:
        """The attention ``p`` ``[B, S]`` of every hop."""
        return self._run(story, query)[1]

    def _run(self, story: Tensor, query: Tensor) -> tuple[Tensor, list[Tensor]]:
        u, attentions = bag(self.embeddings[0], query), []
        for hop in range(1, len(self.embeddings)):
            p = torch.softmax((self.memories(story, hop - 1) @ u[..., None])[..., 0], -1)
            u = u + (p[..., None] * self.memories(story, hop)).sum(1)
            attentions.append(p)
        return u @ self.embeddings[-1].weight.T, attentions

    def forward(self, story: Tensor, query: Tensor) -> Tensor:
        """Story ``[B, S, W]`` and question ``[B, W]`` token ids → answer logits ``[B, vocab_size]``."""
        return self._run(story, query)[0]


class KeyValueMemoryNetwork(nn.Module):
    """Key-value memory network: address by keys, read values, refine the query each hop.

    Miller, Fisch, Dodge, Karimi, Bordes, Weston (2016), "Key-Value Memory Networks for Directly
    Reading Documents", arXiv:1606.03126. ``q = AΦ(x)``; per hop ``p_i = softmax(q · AΦ(k_i))``,
    ``o = Σ_i p_i AΦ(v_i)``, ``q ← R_j(q + o)``; candidate scores ``q · BΦ(y)`` over the vocabulary.

    Args:
        vocab_size: Words (id 0 is padding).
        embed_dim: Embedding width.
        hops: Hops ``H``.

    """

    def __init__(self, vocab_size: int = 50, embed_dim: int = 32, hops: int = 2) -> None:
        super().__init__()
        self.a = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.b = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.r = nn.ModuleList(nn.Linear(embed_dim, embed_dim, bias=False) for _ in range(hops))

    def forward(self, keys: Tensor, values: Tensor, query: Tensor) -> Tensor:
        """Keys and values ``[B, N, W]``, question ``[B, W]`` token ids → candidate scores ``[B, vocab_size]``."""
        q, k, v = bag(self.a, query), bag(self.a, keys), bag(self.a, values)
        for r in self.r:
            p = torch.softmax((k @ q[..., None])[..., 0], -1)
            q = r(q + (p[..., None] * v).sum(1))
        return q @ self.b.weight.T


def story_and_question(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """A story ``[4, 6, 5]`` and a question ``[4, 5]`` of token ids below ``vocab_size`` (0 pads)."""
    vocab = int(args.get("vocab_size", 50))
    return torch.randint(0, vocab, (4, STORY_SENTENCES, SENTENCE_WORDS)), torch.randint(1, vocab, (4, SENTENCE_WORDS))


def keys_values_question(args: Mapping[str, Any]) -> tuple[Tensor, ...]:
    """Key and value memories ``[4, 6, 5]`` and a question ``[4, 5]`` of token ids."""
    story, question = story_and_question(args)
    return story, torch.randint(0, int(args.get("vocab_size", 50)), story.shape), question


def encoder_layer(d_model: int, num_heads: int) -> nn.TransformerEncoderLayer:
    """A pre-norm, dropout-free ``nn.TransformerEncoderLayer`` (batch first) with a 2× GELU feed-forward."""
    return nn.TransformerEncoderLayer(d_model, num_heads, 2 * d_model, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)


class RecurrentMemoryTransformer(nn.Module):
    """Recurrent memory transformer: memory tokens carried from one segment to the next.

    Bulatov, Kuratov, Burtsev (2022), "Recurrent Memory Transformer", arXiv:2207.06881. The
    sequence is cut into segments; each runs through the same Transformer as
    ``[read memory ‖ segment ‖ write memory]`` and the outputs at the write positions become the
    next segment's memory (the first segment reads a learned initial memory). Gradients flow
    through the memory across segments (full BPTT). This is the encoder form (bidirectional
    attention inside a segment).

    Args:
        d_model: Width.
        num_heads: Attention heads.
        num_layers: Transformer layers.
        num_memory: Memory tokens.
        segment_length: Tokens per segment.

    """

    def __init__(self, d_model: int = 32, num_heads: int = 4, num_layers: int = 2, num_memory: int = 4, segment_length: int = 4) -> None:
        super().__init__()
        self.segment_length, self.num_memory = segment_length, num_memory
        self.memory0 = nn.Parameter(torch.randn(num_memory, d_model) * 0.02)
        self.write0 = nn.Parameter(torch.randn(num_memory, d_model) * 0.02)  # placeholders at the write positions
        self.encoder = nn.TransformerEncoder(encoder_layer(d_model, num_heads), num_layers, enable_nested_tensor=False)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` → ``[B, T, D]``; returns the outputs of every segment, concatenated."""
        memory, outputs = self.memory0.expand(x.shape[0], -1, -1), []
        write = self.write0.expand(x.shape[0], -1, -1)
        for segment in torch.split(x, self.segment_length, dim=1):
            out = self.encoder(torch.cat([memory, segment, write], 1))
            outputs.append(out[:, self.num_memory : -self.num_memory])
            memory = out[:, -self.num_memory :]
        return torch.cat(outputs, 1)
