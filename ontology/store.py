"""The triple store behind nnvocab: one interface, an embedded and a remote backend.

Everything else talks to :class:`TripleStore` (``select``/``run``/``load``/``update``/``dump``).
:class:`GraphStore` is the embedded pyoxigraph store (in memory or on disk);
:class:`ontology.remote_store.RemoteStore` speaks the SPARQL 1.1 Protocol and the Graph Store
Protocol to a server (Oxigraph, Fuseki, GraphDB, Virtuoso, Neptune). ``service.context`` picks one from the settings.

Loads stream: the input is parsed incrementally into a private staging graph in chunks, then
one SPARQL UPDATE moves it into the default graph, so a load is all or nothing for readers,
for a syntax error half-way and for a process killed mid-load (the staging graph is dropped
the next time the store is opened).
"""

from __future__ import annotations

import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, cast

import pyoxigraph as ox
from rdflib import Graph
from typing_extensions import override

from ontology._terms import CountingReader, Value, chunks, python_value
from ontology.namespaces import PREFIXES
from ontology.serialise import FORMATS, RdfFormatName, serialise

Rows = list[dict[str, Value]]
Progress = Callable[[str, int, int], None]
"""Called after each chunk with (phase, bytes read so far, triples so far)."""

_PREFIX_MAP = dict(PREFIXES)
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
STAGING = "urn:nnvocab:staging:"
JOURNAL = "urn:nnvocab:journal:"
CHUNK_TRIPLES = 50_000
ATOMIC_LIMIT = 250_000


class StoreError(RuntimeError):
    """The store refused a query or a load; the message says why (``line``: where, in a load)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class TripleStore(ABC):
    """The operations nnvocab needs from a store; backends implement the abstract ones."""

    @abstractmethod
    def run(self, sparql: str, prefixes: bool = True) -> Rows | bool:
        """Run a SELECT (one dict per solution, unbound variables omitted) or an ASK query."""

    @abstractmethod
    def construct(self, sparql: str) -> bytes:
        """Run a CONSTRUCT/DESCRIBE query (our prefixes prepended); the triples as N-Triples."""

    generation = 0
    """Counts this process's writes (caches of query results key on it)."""

    @abstractmethod
    def _update(self, sparql: str) -> None:
        """Run a SPARQL UPDATE in one transaction, our prefixes declared."""

    def update(self, sparql: str) -> None:
        """Run a SPARQL UPDATE in one transaction (internal writes only: never expose this to users)."""
        try:
            self._update(sparql)
        finally:
            self.generation += 1

    @abstractmethod
    def dump(self, fmt: RdfFormatName = "ttl") -> bytes:
        """Serialise the default graph (the dataset in N-Quads and TriG); Turtle, TriG, N3, RDF/XML and JSON-LD use :data:`PREFIXES`."""

    @abstractmethod
    def _write(self, triples: list[ox.Triple], graph: str | None) -> None:
        """Add a chunk of triples to the named graph ``graph`` (``None``: the default graph)."""

    @abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of the store's named graphs."""

    @abstractmethod
    def __len__(self) -> int: ...

    def version(self) -> str:
        """Changes whenever the data may have changed (here: this process's writes)."""
        return str(self.generation)

    def is_empty(self) -> bool:
        """Whether the default graph has no triples (cheap, unlike ``len``)."""
        return not self.run("ASK { ?s ?p ?o }", prefixes=False)

    def select(self, sparql: str, prefixes: bool = True) -> Rows:
        """Run a SELECT query; see :meth:`run`."""
        rows = self.run(sparql, prefixes)
        if isinstance(rows, bool):
            raise StoreError("expected a SELECT query")
        return rows

    def load(
        self,
        data: bytes | str | IO[bytes],
        fmt: RdfFormatName = "nt",
        *,
        replace: bool = False,
        progress: Progress | None = None,
        name: str = "data",
    ) -> int:
        """Add RDF data, all or nothing; return how many triples the default graph gained.

        Serialised data and files up to :data:`ATOMIC_LIMIT` triples go through a staging graph
        and one UPDATE, so readers see the old graph or the new. A bigger file is checked first
        (a full streaming parse), then appended in chunks under a journal entry: a crash
        mid-way leaves the old triples intact and :meth:`interrupted_loads` names the file;
        loading it again completes it (triples are a set).

        Args:
            data: Serialised RDF, or a seekable binary file to stream from (bounded memory).
            fmt: Its format name.
            replace: Replace the default graph (atomic; meant for graphs up to ``ATOMIC_LIMIT``).
            progress: Called as chunks are read, with (phase, bytes read, triples so far).
            name: What the journal calls the data (a file name).

        Raises:
            StoreError: Malformed data (with its line); the store is unchanged.

        """
        before = 0 if replace else len(self)
        if isinstance(data, bytes | str) and self._load_into_empty(data, fmt):
            if progress:
                progress("loading", len(data), len(self))
            return len(self)
        if isinstance(data, bytes | str) or replace or self._check(data, fmt, progress) <= ATOMIC_LIMIT:
            self._load_staged(data, fmt, replace, progress)
        else:
            self._load_journaled(data, fmt, progress, name)
        return len(self) - before

    def _load_into_empty(self, data: bytes | str, fmt: RdfFormatName) -> bool:
        """Load ``data`` faster when the store is empty (whether it did): a backend's shortcut, none by default."""
        return False

    def _parse(self, data: bytes | str | IO[bytes], fmt: RdfFormatName, phase: str, progress: Progress | None) -> Iterator[list[ox.Triple]]:
        """Chunks of parsed triples (blank nodes renamed apart), reporting progress; syntax errors as StoreError."""
        if not isinstance(data, bytes | str):
            data.seek(0)
        reader = None if isinstance(data, bytes | str) else CountingReader(data)
        size = len(data) if isinstance(data, bytes | str) else 0
        quads = ox.parse(data if reader is None else cast(IO[bytes], reader), FORMATS[fmt], rename_blank_nodes=True)
        done = 0
        try:
            for chunk in chunks(quads, CHUNK_TRIPLES):
                done += len(chunk)
                if progress:
                    progress(phase, reader.read_bytes if reader else size, done)
                yield chunk
        except SyntaxError as exc:
            raise StoreError(f"invalid {fmt} data: {exc.msg}", line=exc.lineno) from exc

    def _check(self, data: IO[bytes], fmt: RdfFormatName, progress: Progress | None) -> int:
        return sum(len(chunk) for chunk in self._parse(data, fmt, "checking", progress))

    def _load_staged(self, data: bytes | str | IO[bytes], fmt: RdfFormatName, replace: bool, progress: Progress | None) -> None:
        staging = f"{STAGING}{uuid.uuid4().hex}"
        try:
            for chunk in self._parse(data, fmt, "loading", progress):
                self._write(chunk, staging)
            drop = "DROP SILENT DEFAULT ;\n" if replace else ""
            self.update(f"{drop}ADD SILENT GRAPH <{staging}> TO DEFAULT ;\nDROP SILENT GRAPH <{staging}>")
        except BaseException:
            self.update(f"DROP SILENT GRAPH <{staging}>")
            raise

    def _load_journaled(self, data: IO[bytes], fmt: RdfFormatName, progress: Progress | None, name: str) -> None:
        job = f"{JOURNAL}{uuid.uuid4().hex}"
        label = str(ox.Literal(name))
        self.update(f"INSERT DATA {{ GRAPH <{JOURNAL}> {{ <{job}> <{JOURNAL}loading> {label} }} }}")
        for chunk in self._parse(data, fmt, "loading", progress):
            self._write(chunk, None)
        self.update(f"DELETE WHERE {{ GRAPH <{JOURNAL}> {{ ?job <{JOURNAL}loading> {label} }} }}")

    def load_graph(self, graph: Graph, *, replace: bool = False) -> int:
        """Add an rdflib graph atomically; see :meth:`load`."""
        return self.load(graph.serialize(format="nt", encoding="utf-8"), "nt", replace=replace)

    def interrupted_loads(self) -> list[str]:
        """Names of big loads a crash interrupted (their triples are partly in; load them again)."""
        rows = self.select(f"SELECT ?name WHERE {{ GRAPH <{JOURNAL}> {{ ?job <{JOURNAL}loading> ?name }} }}", prefixes=False)
        return sorted({str(r["name"]) for r in rows})

    def drop_stale_staging(self) -> int:
        """Drop staging graphs left by a load that was killed; return how many there were."""
        stale = [g for g in self.named_graphs() if g.startswith(STAGING)]
        if stale:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale))
        return len(stale)

    def to_rdflib(self) -> Graph:
        """The whole default graph as an rdflib ``Graph`` (for SHACL, formats, isomorphism)."""
        graph = Graph()
        graph.parse(data=self.dump("nt"), format="nt")
        return graph

    def flush(self) -> None:  # noqa: B027 - a no-op unless the backend buffers
        """Persist buffered writes (on-disk stores)."""


class GraphStore(TripleStore):
    """The embedded pyoxigraph store, in memory or on disk.

    Args:
        path: A folder for an on-disk store; ``None`` keeps everything in memory.

    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self._store = ox.Store(str(self.path)) if self.path else ox.Store()
        self._write_lock = threading.Lock()
        if self.path:
            self.drop_stale_staging()

    @override
    def _load_into_empty(self, data: bytes | str, fmt: RdfFormatName) -> bool:
        """An in-memory store holding nothing takes the data in one pyoxigraph call.

        With nothing to keep apart or to roll back to, pyoxigraph parses and inserts in Rust (the built-in
        graph at start-up: 0.1 s instead of 0.5 s); malformed data leaves the store empty again.
        """
        if self.path is not None or len(self._store):
            return False
        try:
            self._store.load(data, format=FORMATS[fmt], to_graph=ox.DefaultGraph())
        except SyntaxError as exc:
            self._store.clear()
            raise StoreError(f"invalid {fmt} data: {exc.msg}", line=exc.lineno) from exc
        finally:
            self.generation += 1
        return True

    @override
    def __len__(self) -> int:
        """Triples in the default graph (the store's total less its few named-graph quads)."""
        named = sum(1 for g in self._store.named_graphs() for _ in self._store.quads_for_pattern(None, None, None, g))
        return len(self._store) - named

    @override
    def run(self, sparql: str, prefixes: bool = True) -> Rows | bool:
        result = self._query(sparql, prefixes)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if not isinstance(result, ox.QuerySolutions):
            raise StoreError("only SELECT and ASK queries return rows (use construct for graphs)")
        names = [v.value for v in result.variables]
        return [{n: python_value(t) for n, t in zip(names, row, strict=True) if t is not None} for row in result]

    @override
    def construct(self, sparql: str) -> bytes:
        result = self._query(sparql, prefixes=True)
        if not isinstance(result, ox.QueryTriples):
            raise StoreError("expected a CONSTRUCT or DESCRIBE query")
        return bytes(result.serialize(format=ox.RdfFormat.N_TRIPLES) or b"")

    def raw_query(self, sparql: str) -> object:
        """Run any read query and return pyoxigraph's own result (for the SPARQL endpoint)."""
        return self._query(sparql, prefixes=False)

    def _query(self, sparql: str, prefixes: bool) -> object:
        try:
            return self._store.query(sparql, prefixes=_PREFIX_MAP if prefixes else None)  # declared once, not parsed per query
        except SyntaxError as exc:
            raise StoreError(f"invalid SPARQL: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc

    @override
    def _write(self, triples: list[ox.Triple], graph: str | None) -> None:
        if graph is None:  # a journaled append: the bulk loader, not one transaction
            self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
            return
        name = ox.NamedNode(graph)
        self._store.extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)

    @override
    def named_graphs(self) -> list[str]:
        return [str(g.value) for g in self._store.named_graphs()]

    @override
    def _update(self, sparql: str) -> None:
        with self._write_lock:
            try:
                self._store.update(sparql, prefixes=_PREFIX_MAP)
            except (SyntaxError, OSError) as exc:
                raise StoreError(f"update failed: {exc}") from exc

    @override
    def dump(self, fmt: RdfFormatName = "ttl") -> bytes:
        return serialise(self._store, fmt)

    def triples(self) -> Iterator[tuple[str, str, str]]:
        """All triples as ``(s, p, o)`` strings in N-Triples term syntax."""
        for quad in self._store:
            yield str(quad.subject), str(quad.predicate), str(quad.object)

    @override
    def flush(self) -> None:
        if self.path:
            self._store.flush()
