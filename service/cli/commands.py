"""The ``nnvocab`` command line (typer + rich)."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import DownloadColumn, Progress, TextColumn
from rich.table import Table

from loaders.errors import LoaderError
from loaders.formats import FORMATS
from ontology import repository
from ontology.pairs import list_pairs, list_pairs_with_families
from ontology.store import StoreError
from ontology.vocabulary import AmbiguousNameError, UnknownNameError, Vocabulary
from service.cards import render_concept
from service.cli import admin as admin_commands
from service.cli import anatomy as anatomy_commands
from service.cli import implementations as implementation_commands
from service.cli import pairs as pair_commands
from service.cli import search as search_commands
from service.cli import sweep as sweep_commands
from service.cli._common import console, errors, fail
from service.context import open_vocabulary, store_location
from service.settings import Settings

app = typer.Typer(help="nnvocab: a knowledge graph of neural-network vocabulary.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable JSON output")]


def _vocab() -> Vocabulary:
    try:
        vocab = open_vocabulary(Settings())
        for name in vocab.store.interrupted_loads():
            errors.print(f"[yellow]warning:[/yellow] the load of {name} was interrupted; load it again to complete it", highlight=False)
        return vocab
    except LoaderError as exc:
        errors.print(f"[red]error:[/red] cannot build the built-in graph: {exc}")
        raise typer.Exit(2) from exc
    except (StoreError, TimeoutError) as exc:
        errors.print(f"[red]error:[/red] cannot open the store: {exc}", highlight=False)
        raise typer.Exit(2) from exc


def _resolve(vocab: Vocabulary, name: str) -> str:
    try:
        return vocab.resolve_concept(name)
    except (UnknownNameError, AmbiguousNameError) as exc:
        raise fail(str(exc)) from exc


@app.command()
def build(
    vectors: Annotated[
        bool, typer.Option("--vectors/--no-vectors", help="embed every concept for semantic search now (cached by content hash)")
    ] = True,
) -> None:
    """Build the built-in graph into the configured store (NNV_STORE: a folder or a server URL; else memory)."""
    start = time.perf_counter()
    vocab = open_vocabulary(Settings(), rebuild=True)
    stats = repository.get_stats(vocab.store)
    where = store_location(Settings()) or "memory"
    console.print(f"built {stats.triples} triples, {stats.concepts} concepts into {where} in {time.perf_counter() - start:.2f}s")
    if vectors:
        start = time.perf_counter()
        with errors.status("embedding concepts for semantic search (the model loads once; vectors are cached)"):
            vocab.search_index.preload()
        console.print(f"semantic search vectors ready in {time.perf_counter() - start:.2f}s")


@app.command()
def stats(as_json: JsonOpt = False) -> None:
    """Counts of concepts, papers, models, pairings, errata and triples."""
    view = repository.get_stats(_vocab().store)
    if as_json:
        console.print_json(data=asdict(view))
        return
    table = Table("what", "count", title="nnvocab graph")
    for key, value in asdict(view).items():
        table.add_row(key, str(value))
    console.print(table)


@app.command()
def concept(name: str, as_json: JsonOpt = False) -> None:
    """Show one concept by name or alias ("gqa", "layer norm"); unknown names get suggestions."""
    vocab = _vocab()
    iri = _resolve(vocab, name)
    view = repository.get_concepts(vocab.store, [iri])[iri]
    if as_json:
        console.print_json(data=asdict(view))
        return
    render_concept(console, vocab, view)


@app.command()
def pairs(
    layer: Annotated[str | None, typer.Option(help="a layer or architecture name")] = None,
    optimizer: Annotated[str | None, typer.Option(help="an optimizer name")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Claimed optimizer–layer pairings, with notes, sources and the verdict of the stored trials."""
    from service.pairing_evidence import get_evidence

    vocab = _vocab()
    optimizers = [_resolve(vocab, optimizer)] if optimizer else None
    found = (
        list_pairs_with_families(vocab.store, _resolve(vocab, layer), optimizers) if layer else list_pairs(vocab.store, None, optimizers)
    )
    evidence = get_evidence(vocab.store)
    if as_json:
        console.print_json(data=pair_commands.pairs_json(found, evidence))
        return
    pair_commands.print_pairs(console, vocab, found, evidence)


@app.command()
def load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    fmt: Annotated[str | None, typer.Option("--format", help=f"one of {', '.join(FORMATS)}; guessed from the name")] = None,
) -> None:
    """Load a file into the store, merging concepts by name; all or nothing (RDF streams, with a progress bar)."""
    from loaders.sources import load_file  # the parsers are only needed here (faster `serve` start-up)

    vocab = _vocab()
    columns = (*Progress.get_default_columns(), DownloadColumn(), TextColumn("{task.fields[triples]:,} triples"))
    with Progress(*columns, console=errors, transient=True) as bar:
        task = bar.add_task(f"loading {file.name}", total=file.stat().st_size, triples=0)
        try:

            def show(phase: str, done: int, triples: int) -> None:
                bar.update(task, description=f"{phase} {file.name}", completed=done, triples=triples)

            report = load_file(vocab, file, fmt, progress=show)
        except (LoaderError, StoreError) as exc:
            raise fail(str(exc)) from exc
    vocab.store.flush()
    console.print(f"merged {report.merged}, added {report.added}, rejected {len(report.rejected)}; {report.triples} new triples")
    for reason in report.rejected[:20]:
        console.print(f"  rejected: {reason}")
    if store_location(Settings()) is None:
        console.print("note: NNV_STORE is not set, so the loaded data lives only for this command")


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="a SPARQL SELECT/ASK query, or @FILE")],
    as_json: JsonOpt = False,
) -> None:
    """Run a read-only SPARQL query (nnv:, skos:, dcterms:, … prefixes predeclared)."""
    text = Path(sparql[1:]).read_text(encoding="utf-8") if sparql.startswith("@") else sparql
    vocab = _vocab()
    try:
        rows = vocab.store.run(text)
    except StoreError as exc:
        raise fail(str(exc)) from exc
    if as_json or isinstance(rows, bool):
        console.print_json(data=rows)
        return
    columns = sorted({k for row in rows for k in row})
    table = Table(*columns, title=f"{len(rows)} row(s)")
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    console.print(table)


@app.command()
def export(fmt: Annotated[str, typer.Option("--format", help="ttl, jsonld or nt")] = "ttl") -> None:
    """Write the whole graph to standard output."""
    if fmt not in ("ttl", "jsonld", "nt"):
        raise fail(f"unknown format '{fmt}': use ttl, jsonld or nt")
    sys.stdout.buffer.write(_vocab().store.dump(fmt))  # type: ignore[arg-type]


@app.command()
def validate() -> None:
    """Validate the graph against the SHACL shapes; exit 1 on any violation."""
    from ontology.validation import validate_store  # pyshacl is slow to import

    report = validate_store(_vocab().store)
    if report.conforms:
        console.print(f"[green]conforms[/green]: 0 violations ({report.focus_nodes} nodes checked)")
        return
    for line in report.messages[:50]:
        console.print(f"  {line}")
    raise fail(f"{len(report.messages)} SHACL violation(s)")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="bind address (NNV_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (NNV_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="worker processes")] = 1,
) -> None:
    """Serve GraphQL, the browser, linked data and SPARQL over HTTP.

    X-Forwarded-For is believed only from NNV_TRUSTED_PROXIES (none by default), so the rate limits count
    the real peer; slow or oversized request heads and idle connections are closed (see service.middleware).
    """
    import uvicorn

    from service.middleware import MAX_HEAD_BYTES, HeadGuardProtocol

    settings = Settings()
    location = store_location(settings)
    if workers > 1 and location and not location.startswith(("http://", "https://")):
        raise fail("an on-disk store can be opened by one process only: for several workers use a shared server (NNV_STORE=http://…)")
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.embedding_process is None:  # the search's model runs beside each worker, not in it (see ontology.search.semantic)
        os.environ["NNV_EMBEDDING_PROCESS"] = "1"
    console.print(f"nnvocab on http://{bind_host}:{bind_port}/ (GraphiQL at /graphql)")
    uvicorn.run(
        "service.asgi:app",
        host=bind_host,
        port=bind_port,
        workers=workers,
        log_level="warning",
        access_log=False,  # never printed at "warning"; off, uvicorn does not even format it per request
        http=HeadGuardProtocol,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        timeout_keep_alive=settings.timeout_keep_alive_s,
        limit_concurrency=settings.limit_concurrency,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
    )


app.command()(implementation_commands.instantiate)
app.command()(implementation_commands.smoke)
app.command()(implementation_commands.coverage)
app.command("verify-pairings")(sweep_commands.verify_pairings)
app.command()(admin_commands.reload)
app.command()(search_commands.search)
app.command()(anatomy_commands.inspect)
app.command()(anatomy_commands.advise)
app.command("check-models")(anatomy_commands.check_models)


def main() -> None:
    """Console-script entry point."""
    app()
