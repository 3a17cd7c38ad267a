"""The sentence encoder in a child process, so that a server's event loop never shares its core or its GIL with the model.

``nnvocab serve`` runs the model this way (``NNV_EMBEDDING_PROCESS=1``, see :func:`ontology.search.semantic.get_model`).
Embedding a question is some 10 ms of numpy work, much of it small array operations that hold the GIL, which the
serving thread would wait behind; the vectors of a new graph's texts (half a minute for the built-in graph on a cold
cache) are computed in the child too. The parent keeps none of the model's 111 MB.

The child is ``python -m ontology.search.encoder_process``: it loads the model, answers an empty "ready" message, then
answers requests one at a time on its standard input and output until its input closes (the server stopped or died);
it ignores Ctrl-C, which is the server's to handle. A request is a length-prefixed JSON array of texts; an answer is a
row count and the rows' float32 values, or :data:`_FAILED` and a length-prefixed UTF-8 message.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ontology.search.encoder import Floats

_FAILED = 0xFFFFFFFF  # in place of a row count: a message follows


class EncoderProcessError(RuntimeError):
    """The encoder's child process could not load the model, failed on a request, or ended."""


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the encoder process closed its output")
    return data


def _read_count(stream: IO[bytes]) -> int:
    return int.from_bytes(_read_exactly(stream, 4), "big")


def _write_message(stream: IO[bytes], count: int, payload: bytes) -> None:
    stream.write(count.to_bytes(4, "big") + payload)
    stream.flush()


def _write_error(stream: IO[bytes], message: str) -> None:
    text = message.encode()
    _write_message(stream, _FAILED, len(text).to_bytes(4, "big") + text)


class EncoderProcess:
    """:meth:`encode` like :class:`~ontology.search.encoder.SentenceEncoder`'s, computed in a child process.

    The child starts (and loads the model) when this is made; one that died is replaced on the next
    request, once. Threads share it: their requests are answered one at a time.

    Args:
        dimensions: The length of a vector (all-MiniLM-L6-v2: 384).

    Raises:
        EncoderProcessError: The child could not load the model.

    """

    def __init__(self, dimensions: int) -> None:
        self.dimensions = dimensions
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        with self._lock:
            self._start()

    def encode(self, texts: Sequence[str]) -> Floats:
        """Unit-length float32 embeddings of ``texts``, one row each.

        Raises:
            EncoderProcessError: The child failed on this request, or died and its replacement did too.

        """
        request = json.dumps(list(texts)).encode()
        with self._lock:
            try:
                return self._ask(request)
            except EOFError:  # the child died (killed, out of memory): one more try with a new one
                self._start()
                try:
                    return self._ask(request)
                except EOFError as exc:
                    raise EncoderProcessError("the encoder process ended while answering") from exc

    def close(self) -> None:
        """Stop the child (closing its input ends it); the next request would start another."""
        with self._lock:
            self._stop()

    @property
    def pid(self) -> int | None:
        """The child's process id (``None`` when stopped)."""
        return self._child.pid if self._child else None

    def _ask(self, request: bytes) -> Floats:
        import numpy as np

        child = self._child
        assert child is not None and child.stdin is not None and child.stdout is not None
        try:
            _write_message(child.stdin, len(request), request)
        except BrokenPipeError:
            raise EOFError("the encoder process closed its input") from None
        rows = self._answer_rows(child.stdout)
        size = rows * self.dimensions
        return np.frombuffer(_read_exactly(child.stdout, 4 * size), dtype="<f4").reshape(rows, self.dimensions).astype(np.float32)

    @staticmethod
    def _answer_rows(stream: IO[bytes]) -> int:
        rows = _read_count(stream)
        if rows == _FAILED:
            raise EncoderProcessError(_read_exactly(stream, _read_count(stream)).decode(errors="replace"))
        return rows

    def _start(self) -> None:
        self._stop()
        command = [sys.executable, "-m", __name__]
        self._child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._child.stdout is not None
        try:
            self._answer_rows(self._child.stdout)  # the "ready" answer: no rows
        except (EOFError, EncoderProcessError) as exc:
            self._stop()
            raise EncoderProcessError(f"the encoder process did not start: {exc}") from exc

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def main() -> None:
    """The child: load the model, say so, then answer requests until the input closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    try:
        from ontology.search.encoder import load_default_encoder

        model = load_default_encoder()
    except Exception as exc:  # the parent reports it
        _write_error(answers, f"the embedding model did not load: {exc!r}")
        return
    _write_message(answers, 0, b"")
    while True:
        try:
            request = _read_exactly(requests, _read_count(requests))
        except EOFError:
            return
        try:
            vectors = model.encode(json.loads(request))
        except Exception as exc:  # one bad request must not end the child
            _write_error(answers, f"embedding failed: {exc!r}")
            continue
        _write_message(answers, len(vectors), vectors.astype("<f4").tobytes())


if __name__ == "__main__":
    main()
