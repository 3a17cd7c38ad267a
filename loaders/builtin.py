"""Build the built-in nnvocab graph: the ontology, every curated file and the committed pairing trials."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from loaders.curated import load_curated
from loaders.to_rdf import curated_to_graph, new_graph
from ontology.resources import CURATED_DIR, DATA_DIR, ONTOLOGY_TTL
from ontology.store import TripleStore

# The committed runs of the pairing protocol, one N-Triples block appended per finished trial.
PAIRING_TRIALS_NT = DATA_DIR / "pairing-trials.nt"


@dataclass(frozen=True)
class BuildReport:
    """What a build produced and how long it took."""

    triples: int
    concepts: int
    papers: int
    models: int
    merges: int
    seconds: float


def complete_lines(path: Path) -> bytes:
    """``path``'s bytes up to its last newline: a line torn by a kill mid-append is left out (``b""`` when absent)."""
    if not path.is_file():
        return b""
    data = path.read_bytes()
    return data[: data.rfind(b"\n") + 1]


def build_graph(curated_dir: Path = CURATED_DIR) -> tuple[Graph, BuildReport]:
    """The ontology, the curated data and the committed pairing trials as one rdflib graph.

    Raises:
        loaders.errors.LoaderError: If a curated file is invalid or references are dangling.

    """
    start = time.perf_counter()
    data = load_curated(curated_dir)
    graph = new_graph()
    graph.parse(ONTOLOGY_TTL, format="turtle")
    curated_to_graph(data, graph)
    graph.parse(data=complete_lines(PAIRING_TRIALS_NT), format="nt")
    report = BuildReport(
        triples=len(graph),
        concepts=len(data.concepts),
        papers=len(data.papers),
        models=len(data.models),
        merges=len(data.merges),
        seconds=time.perf_counter() - start,
    )
    return graph, report


def _fingerprint(curated_dir: Path) -> str:
    """Hash of everything the built graph depends on: data files and the code that converts them."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in [ONTOLOGY_TTL, *sorted(curated_dir.glob("*.yaml")), *(here / n for n in ("curated.py", "records.py", "to_rdf.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(complete_lines(PAIRING_TRIALS_NT))
    return digest.hexdigest()[:24]


def _cache_dir() -> Path:
    return Path(os.environ.get("NNV_CACHE_DIR") or Path.home() / ".cache" / "nnvocab")


def builtin_ntriples(curated_dir: Path = CURATED_DIR) -> tuple[bytes, BuildReport | None]:
    """The built-in graph as N-Triples, from a content-addressed cache when it is fresh.

    Returns:
        The data and, when it was built now, the build report (``None`` on a cache hit).

    """
    cached = _cache_dir() / f"builtin-{_fingerprint(curated_dir)}.nt"
    if cached.is_file():
        return cached.read_bytes(), None
    graph, report = build_graph(curated_dir)
    data = graph.serialize(format="nt", encoding="utf-8")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    except OSError:
        pass  # a read-only home only costs the rebuild next time
    return data, report


def load_builtin(store: TripleStore, curated_dir: Path = CURATED_DIR) -> int:
    """Replace the store's content with the built-in graph (atomically); return the triple count."""
    data, _report = builtin_ntriples(curated_dir)
    store.load(data, "nt", replace=True)
    return len(store)
