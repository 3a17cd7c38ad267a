"""Open the graph the CLI and the server work on."""

from __future__ import annotations

from loaders.builtin import load_builtin
from ontology.remote_store import RemoteStore
from ontology.store import GraphStore, TripleStore
from ontology.vocabulary import Vocabulary
from service.runs import add_implementations
from service.settings import Settings

_OPEN_STORES: dict[str, TripleStore] = {}


def store_location(settings: Settings) -> str | None:
    """Where the configured store lives: a URL, a folder, or ``None`` (in memory)."""
    if settings.store:
        return settings.store
    return str(settings.store_path.resolve()) if settings.store_path else None


def open_configured_store(settings: Settings) -> TripleStore:
    """The configured store; an on-disk or remote one is opened once per process (shared)."""
    location = store_location(settings)
    if location is None:
        return GraphStore()
    if location not in _OPEN_STORES:
        if location.startswith(("http://", "https://")):
            _OPEN_STORES[location] = RemoteStore(location, gsp_path=settings.store_gsp_path)
        else:
            _OPEN_STORES[location] = GraphStore(location)
    return _OPEN_STORES[location]


def open_vocabulary(settings: Settings | None = None, *, rebuild: bool = False) -> Vocabulary:
    """The configured store, with the built-in graph loaded when it is empty (or ``rebuild``)."""
    settings = settings or Settings()
    store = open_configured_store(settings)
    if rebuild or store.is_empty():
        load_builtin(store)
        add_implementations(store)
        store.flush()
    return Vocabulary(store)
