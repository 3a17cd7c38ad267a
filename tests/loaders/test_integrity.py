"""Integrity of loads and exports: a malformed file changes nothing; an export re-imports isomorphically."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from loaders.errors import LoaderError
from loaders.sources import load_file
from ontology.serialise import RdfFormatName
from ontology.store import STAGING, GraphStore
from ontology.vocabulary import Vocabulary

GOOD_NT = '<http://example.org/bulk/s{i}> <http://example.org/bulk/p> "value {i}" .\n'


def bad_turtle(folder: Path) -> Path:
    """Valid statements on lines 1–4, an unclosed blank-node list from line 5."""
    path = folder / "bad.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:c ex:p ex:d .\nex:e ex:p ex:f .\nex:g ex:p [ ex:q ex:h .\n",
        encoding="utf-8",
    )
    return path


def half_valid_ntriples(folder: Path) -> Path:
    """1,000 good lines, an unterminated literal on line 1,001, then more good lines."""
    path = folder / "half.nt"
    good = "".join(GOOD_NT.format(i=i) for i in range(1000))
    path.write_text(good + '<http://example.org/broken> <http://example.org/p> "unterminated .\n' + good, encoding="utf-8")
    return path


def pwc_with_a_bad_record(folder: Path) -> Path:
    """A valid method, then one with an empty name (its object starts on line 7)."""
    path = folder / "methods.json"
    methods = [{"name": "IntegrityNet", "full_name": "Integrity Network", "description": "A *fine* method."}, {"name": ""}]
    path.write_text(json.dumps(methods, indent=2) + "\n", encoding="utf-8")
    return path


def guide_of_junk(folder: Path) -> Path:
    """Guide-format text with no entry at all."""
    path = folder / "junk.txt"
    path.write_text("junk junk\n\x01\x02 more junk\nnothing: here\n", encoding="utf-8")
    return path


def guide_with_bad_bytes(folder: Path) -> Path:
    """A valid guide entry, then bytes that are not UTF-8 on line 5."""
    path = folder / "guide.txt"
    path.write_bytes(b"Integrity Unit\n\nWhat it does: keeps things whole.\n\n\xff\xfe broken bytes\n")
    return path


MALFORMED: dict[str, tuple[Callable[[Path], Path], int | None]] = {
    "turtle": (bad_turtle, 5),
    "ntriples-line-1001": (half_valid_ntriples, 1001),
    "pwc-json": (pwc_with_a_bad_record, 7),
    "guide-junk": (guide_of_junk, None),
    "guide-bad-bytes": (guide_with_bad_bytes, 5),
}
"""Malformed-file writers and the line the error should name (``None``: no line exists)."""


@pytest.fixture(scope="module")
def reference(builtin_store: GraphStore) -> Graph:
    return builtin_store.to_rdflib()


@pytest.fixture(scope="module")
def loaded(builtin_store: GraphStore) -> Vocabulary:
    """A private copy of the built-in graph to load into."""
    store = GraphStore()
    store.load(builtin_store.dump("nt"), "nt")
    return Vocabulary(store)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_changes_nothing(case: str, loaded: Vocabulary, reference: Graph, tmp_path: Path) -> None:
    write, _line = MALFORMED[case]
    path = write(tmp_path)
    before = len(loaded.store)
    with pytest.raises(LoaderError) as caught:
        load_file(loaded, path)
    assert path.name in str(caught.value)
    assert len(loaded.store) == before == len(reference)
    assert loaded.store.named_graphs() == []
    assert isomorphic(loaded.store.to_rdflib(), reference)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_file_error_names_file_and_line(case: str, loaded: Vocabulary, tmp_path: Path) -> None:
    write, line = MALFORMED[case]
    path = write(tmp_path)
    with pytest.raises(LoaderError) as caught:
        load_file(loaded, path)
    assert caught.value.line == line
    if line is not None:
        assert str(caught.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_export_reimports_isomorphically(fmt: RdfFormatName, builtin_store: GraphStore, reference: Graph) -> None:
    fresh = GraphStore()
    assert fresh.load(builtin_store.dump(fmt), fmt) == len(builtin_store)
    assert isomorphic(fresh.to_rdflib(), reference)


def test_triple_count_is_the_default_graph_only() -> None:
    """Staged chunks (and the load journal) live in named graphs: counts must not see them."""
    store = GraphStore()
    store.load(GOOD_NT.format(i=0).encode(), "nt")
    store.update(f"INSERT DATA {{ GRAPH <{STAGING}left-by-a-killed-load> {{ <urn:a> <urn:b> <urn:c> }} }}")
    assert len(store) == 1
