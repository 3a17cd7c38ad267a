"""Load the curated YAML files into one validated, cross-checked collection.

Checks, each failing with ``file:line``:
    * every file matches :class:`~loaders.records.CuratedFile` (unknown keys, bad enums, …);
    * concept ids are unique across files, papers/models defined twice must agree (a model's papers add up);
    * every reference (broader, related, pairs_with, papers, models, a model's papers, merges) exists.

Run ``python -m loaders.curated [DIR]`` to check a folder by hand.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from loaders.errors import LoaderError
from loaders.records import ConceptRecord, CuratedFile, MergeRecord, ModelRecord, PaperRecord
from ontology.resources import CURATED_DIR


@dataclass
class CuratedData:
    """All curated records, keyed by id, with where each was defined."""

    concepts: dict[str, ConceptRecord] = field(default_factory=dict)
    papers: dict[str, PaperRecord] = field(default_factory=dict)
    models: dict[str, ModelRecord] = field(default_factory=dict)
    merges: list[MergeRecord] = field(default_factory=list)
    origin: dict[tuple[str, str], str] = field(default_factory=dict)


def _line_of(node: yaml.Node | None, loc: Iterable[int | str]) -> int | None:
    """1-based line of the YAML node at a pydantic error location."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node.start_mark.line + 1 if node is not None else None


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _position_of(path: Path, loc: Iterable[int | str]) -> int | None:
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return _line_of(node, loc)


def read_curated_file(path: Path) -> CuratedFile:
    """Parse and validate one curated YAML file.

    Raises:
        LoaderError: With the file and line of the first problem.

    """
    try:
        text = path.read_text(encoding="utf-8")
        raw: Any = yaml.load(text, Loader=_LOADER) or {}
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise LoaderError(f"invalid YAML: {exc.problem}", path=str(path), line=line) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise LoaderError(f"cannot read: {exc}", path=str(path)) from exc
    try:
        return CuratedFile.model_validate(raw)
    except ValidationError as exc:
        node = yaml.compose(text, Loader=_LOADER)  # only on failure: positions for the message
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        line = _line_of(node, first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise LoaderError(f"{where}: {first['msg']}{more}", path=str(path), line=line) from exc


def _add_unique(
    table: dict[str, Any], record: ConceptRecord | PaperRecord | ModelRecord, what: str, path: Path, data: CuratedData, strict_equal: bool
) -> None:
    key = record.id
    if isinstance(record, ModelRecord) and key in table:
        known: ModelRecord = table[key]
        papers = list(dict.fromkeys([*known.papers, *record.papers]))
        table[key] = known.model_copy(update={"papers": papers})  # copies agree on the rest (checked below)
        record = record.model_copy(update={"papers": papers})
    if key in table:
        if strict_equal or table[key] != record:
            other = data.origin[(what, key)]
            raise LoaderError(f"{what} '{key}' is defined again (first in {other}) with different content", path=str(path))
        return
    table[key] = record
    data.origin[(what, key)] = path.name


def check_references(data: CuratedData) -> list[str]:
    """Every dangling reference, as ``file: concept 'x' → kind 'y'`` lines."""
    problems: list[str] = []
    for concept in data.concepts.values():
        where = data.origin[("concept", concept.id)]
        refs: list[tuple[str, str, dict[str, Any]]] = [("broader", s, data.concepts) for s in concept.broader]
        refs += [("related", s, data.concepts) for s in concept.related]
        refs += [("pairs_with", p.concept, data.concepts) for p in concept.pairs_with]
        refs += [("papers", s, data.papers) for s in concept.papers]
        refs += [("models", s, data.models) for s in concept.models]
        problems += [f"{where}: concept '{concept.id}' {attr} → unknown '{ref}'" for attr, ref, table in refs if ref not in table]
    for model in data.models.values():
        where = data.origin[("model", model.id)]
        problems += [f"{where}: model '{model.id}' papers → unknown '{ref}'" for ref in model.papers if ref not in data.papers]
    problems += [f"merge → unknown concept '{m.concept}'" for m in data.merges if m.concept not in data.concepts]
    return problems


def load_curated(directory: Path = CURATED_DIR, *, check: bool = True) -> CuratedData:
    """Read every ``*.yaml`` under ``directory`` (sorted, so the result is deterministic).

    Args:
        directory: Folder of curated files.
        check: Also fail on dangling references.

    Raises:
        LoaderError: On the first invalid file, duplicate id or (with ``check``) dangling reference.

    """
    data = CuratedData()
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise LoaderError("no curated *.yaml files", path=str(directory))
    for path in files:
        curated = read_curated_file(path)
        for i, concept in enumerate(curated.concepts):
            if concept.id in data.concepts:
                line = _position_of(path, ("concepts", i))
                first = data.origin[("concept", concept.id)]
                raise LoaderError(f"concept '{concept.id}' is defined again (first in {first})", path=str(path), line=line)
            _add_unique(data.concepts, concept, "concept", path, data, strict_equal=True)
        for paper in curated.papers:
            _add_unique(data.papers, paper, "paper", path, data, strict_equal=False)
        for model in curated.models:
            _add_unique(data.models, model, "model", path, data, strict_equal=False)
        data.merges.extend(curated.merges)
    if check and (problems := check_references(data)):
        raise LoaderError(f"{len(problems)} dangling reference(s):\n  " + "\n  ".join(problems), path=str(directory))
    return data


def main(argv: list[str] | None = None) -> int:
    """Check a curated folder; print counts or the problems. Exit 1 on problems."""
    args = sys.argv[1:] if argv is None else argv
    directory = Path(args[0]) if args else CURATED_DIR
    try:
        data = load_curated(directory, check=False)
    except LoaderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    problems = check_references(data)
    for problem in problems:
        print(f"dangling: {problem}", file=sys.stderr)
    print(f"{len(data.concepts)} concepts, {len(data.papers)} papers, {len(data.models)} models, {len(data.merges)} merges")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
