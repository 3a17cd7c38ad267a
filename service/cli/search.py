"""``nnvocab search``: the same ranking as GraphQL's ``search`` and the browser's search box."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import typer
from rich.table import Table

from ontology.search import SearchHitView, SearchIndex, SearchMode
from ontology.views import node_type, slug_of
from service.cli._common import console
from service.context import open_vocabulary
from service.settings import Settings


class Mode(enum.Enum):
    """The modes offered on the command line."""

    HYBRID = "hybrid"
    LEXICAL = "lexical"
    SEMANTIC = "semantic"


def hits_json(index: SearchIndex, hits: list[SearchHitView]) -> list[dict[str, Any]]:
    """The hits as JSON-ready dicts: rank, id, kind, name, score, matched and why."""
    return [
        {
            "rank": rank,
            "id": slug_of(hit.iri),
            "iri": hit.iri,
            "kind": node_type(hit.iri),
            "name": index.get_label(hit.iri),
            "score": hit.score,
            "matched": hit.matched,
            "why": [{"kind": r.kind.name, "text": r.text, "score": r.score} for r in hit.why],
        }
        for rank, hit in enumerate(hits, start=1)
    ]


def search(
    text: Annotated[str, typer.Argument(help="a name, a typo'd name or a question")],
    mode: Annotated[Mode, typer.Option(case_sensitive=False, help="hybrid: lexical and semantic fused")] = Mode.HYBRID,
    first: Annotated[int, typer.Option(min=1, max=100, help="how many hits")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable JSON output")] = False,
) -> None:
    """Search concepts, papers and models by name or by what they do; each hit says why it matched."""
    index = open_vocabulary(Settings()).search_index
    rows = hits_json(index, index.search(text, first, SearchMode(mode.value)))
    if as_json:
        console.print_json(data=rows)
        return
    if not rows:
        console.print(f"nothing matches '{text}'", highlight=False)
        return
    table = Table("#", "name", "kind", "score", "why", title=f"{mode.value} search: {text}"[:120])
    for row in rows:
        why = "; ".join(f"{r['kind'].lower()}: {r['text']}" for r in row["why"][:3])
        table.add_row(str(row["rank"]), row["name"], row["kind"], f"{row['score']:.3f}", why)
    console.print(table)
