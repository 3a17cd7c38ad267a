"""The encoder's child process: the same vectors as in-process, replaced when it dies, stopped with its parent."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from ontology.search import semantic
from ontology.search.encoder import SentenceEncoder, load_default_encoder
from ontology.search.encoder_process import EncoderProcess, EncoderProcessError

TEXTS = ["layernrom", "normalization that does not depend on batch size", "share key/value heads to shrink the KV cache"]


@pytest.fixture(scope="module")
def process() -> Iterator[EncoderProcess]:
    encoder = EncoderProcess(semantic.DIMENSIONS)
    yield encoder
    encoder.close()


@pytest.fixture(scope="module")
def in_process() -> SentenceEncoder:
    return load_default_encoder()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not reaped, does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_vectors_equal_the_in_process_encoder(process: EncoderProcess, in_process: SentenceEncoder) -> None:
    got, expected = process.encode(TEXTS), in_process.encode(TEXTS)
    assert got.dtype == np.float32 and got.shape == (3, semantic.DIMENSIONS)
    np.testing.assert_array_equal(got, expected)  # the same code on the same numbers
    assert process.encode([]).shape == (0, semantic.DIMENSIONS)


def test_a_killed_child_is_replaced(process: EncoderProcess, in_process: SentenceEncoder) -> None:
    pid = process.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    np.testing.assert_array_equal(process.encode(TEXTS[:1]), in_process.encode(TEXTS[:1]))
    assert process.pid not in (None, pid)
    assert not _alive(pid)


def test_closing_stops_the_child() -> None:
    encoder = EncoderProcess(semantic.DIMENSIONS)
    pid = encoder.pid
    assert pid is not None and _alive(pid)
    encoder.close()
    assert encoder.pid is None and not _alive(pid)


def test_a_child_that_cannot_start_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(EncoderProcessError, match="did not start"):
        EncoderProcess(semantic.DIMENSIONS)


def test_the_environment_chooses_where_the_model_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_model", None)
    monkeypatch.setenv("NNV_EMBEDDING_PROCESS", "1")
    model = semantic.get_model()
    assert isinstance(model, EncoderProcess)
    try:
        assert semantic.get_model() is model  # once per process
        assert semantic.embed(TEXTS[:1]).shape == (1, semantic.DIMENSIONS)
    finally:
        model.close()
    monkeypatch.setattr(semantic, "_model", None)
    monkeypatch.setenv("NNV_EMBEDDING_PROCESS", "0")
    assert isinstance(semantic.get_model(), SentenceEncoder)


def test_a_failed_request_is_an_error_and_the_child_goes_on(process: EncoderProcess) -> None:
    pid = process.pid
    with pytest.raises(EncoderProcessError, match="embedding failed"):
        process.encode([None])  # type: ignore[list-item]  # not a text: the tokenizer refuses it
    assert process.pid == pid and process.encode(TEXTS[:1]).shape == (1, semantic.DIMENSIONS)
