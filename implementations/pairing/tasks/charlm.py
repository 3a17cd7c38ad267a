"""Character-level language models on the shipped corpus: a small causal Transformer and an LSTM.

The corpus (``implementations/pairing/data/corpus.txt``, MIT, see its README) holds one line per
curated concept. Each seed sends a fixed 10% of the lines to validation; training windows of
``CONTEXT`` characters are drawn from the training text at positions fixed by ``(seed, step)``,
and validation uses ``VAL_WINDOWS`` evenly spaced windows of the validation text. The metric is
validation bits per character (mean next-character cross-entropy / ln 2, lower is better; a
uniform guess over the vocabulary scores log2(vocabulary)).
"""

from __future__ import annotations

import functools
from importlib.resources import files

import torch
from torch import Tensor, nn

from implementations.pairing.protocol import TrialConfig
from implementations.pairing.tasks._common import LN2, Problem, generator
from implementations.registry.factory import create

CONTEXT = 32
BATCH = 16
VAL_FRACTION = 0.1
VAL_WINDOWS = 64


@functools.lru_cache(maxsize=1)
def load_corpus() -> tuple[str, ...]:
    """The corpus lines (one per curated concept); cached per process."""
    text = files("implementations.pairing").joinpath("data/corpus.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


@functools.lru_cache(maxsize=1)
def vocabulary() -> str:
    """The corpus's distinct characters, sorted, with the newline that separates lines."""
    return "".join(sorted({"\n", *"".join(load_corpus())}))


@functools.lru_cache(maxsize=8)
def corpus_split(seed: int) -> tuple[Tensor, Tensor]:
    """Character ids of the seed's (training text, validation text), lines joined by newlines."""
    lines = load_corpus()
    order = torch.randperm(len(lines), generator=generator(seed)).tolist()
    n_val = round(len(lines) * VAL_FRACTION)
    index = {c: i for i, c in enumerate(vocabulary())}

    def encode(picked: list[int]) -> Tensor:
        return torch.tensor([index[c] for c in "\n".join(lines[i] for i in sorted(picked))], dtype=torch.long)

    return encode(order[n_val:]), encode(order[:n_val])


def _windows(text: Tensor, starts: Tensor) -> tuple[Tensor, Tensor]:
    """Inputs ``[N, CONTEXT]`` and next-character targets at ``starts``."""
    offsets = starts[:, None] + torch.arange(CONTEXT + 1)
    chunk = text[offsets]
    return chunk[:, :-1], chunk[:, 1:]


def _language_model(model: nn.Module, seed: int) -> Problem:
    train, val = corpus_split(seed)
    val_x, val_y = _windows(val, torch.linspace(0, len(val) - CONTEXT - 1, VAL_WINDOWS).long())
    loss = nn.CrossEntropyLoss()

    def batch_loss(i: int) -> Tensor:
        starts = torch.randint(0, len(train) - CONTEXT - 1, (BATCH,), generator=generator(seed * 1_000_003 + i))
        x, y = _windows(train, starts)
        return loss(model(x).flatten(0, 1), y.flatten())  # type: ignore[no-any-return]

    def validate() -> tuple[float, float]:
        nats = float(loss(model(val_x).flatten(0, 1), val_y.flatten()))
        return nats, nats / LN2

    return Problem(model, batch_loss, validate)


class CausalTransformer(nn.Module):
    """Token and learned position embeddings, pre-norm ``transformer-block`` layers under a causal mask, LayerNorm, linear head."""

    def __init__(self, vocab: int, width: int = 48, layers: int = 2, heads: int = 4) -> None:
        super().__init__()
        self.embed = create("token-embedding", num_embeddings=vocab, embedding_dim=width)
        self.position = create("learned-positional-embedding", max_len=CONTEXT, dim=width)
        self.blocks = nn.ModuleList(
            create("transformer-block", d_model=width, nhead=heads, dim_feedforward=2 * width, dropout=0.0) for _ in range(layers)
        )
        self.norm = create("layer-normalization", normalized_shape=width)
        self.head = create("linear", in_features=width, out_features=vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(CONTEXT), persistent=False)

    def forward(self, ids: Tensor) -> Tensor:
        """Ids ``[B, T]`` → next-character logits ``[B, T, vocab]``."""
        h = self.position(self.embed(ids))
        for block in self.blocks:
            h = block(h, src_mask=self.mask, is_causal=True)
        return self.head(self.norm(h))  # type: ignore[no-any-return]


class CharLSTM(nn.Module):
    """Embedding, one registered ``lstm`` layer, linear head."""

    def __init__(self, vocab: int, width: int = 32, hidden: int = 96) -> None:
        super().__init__()
        self.embed = create("embedding", num_embeddings=vocab, embedding_dim=width)
        self.lstm = create("lstm", input_size=width, hidden_size=hidden)
        self.head = create("linear", in_features=hidden, out_features=vocab)

    def forward(self, ids: Tensor) -> Tensor:
        """Ids ``[B, T]`` → next-character logits ``[B, T, vocab]``."""
        out, _ = self.lstm(self.embed(ids))
        return self.head(out)  # type: ignore[no-any-return]


def build_transformer(config: TrialConfig) -> Problem:
    """A 2-layer, 48-wide, 4-head causal Transformer LM over 32-character windows."""
    return _language_model(CausalTransformer(len(vocabulary())), config.seed)


def build_recurrent(config: TrialConfig) -> Problem:
    """A 96-unit LSTM LM over 32-character windows."""
    return _language_model(CharLSTM(len(vocabulary())), config.seed)
