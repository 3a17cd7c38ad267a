"""A remote triple store over HTTP: SPARQL 1.1 Protocol (query, update) and Graph Store Protocol.

Several stateless service workers, on several machines, can share one store this way. The
defaults fit ``oxigraph serve`` (``/query``, ``/update``, ``/store``); for Fuseki pass the dataset
URL (``http://host:3030/ds``) and ``gsp_path="data"``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import orjson
import pyoxigraph as ox
from typing_extensions import override

from ontology._terms import Value, literal_value
from ontology.serialise import FORMATS, RdfFormatName, serialise
from ontology.store import SPARQL_PREFIXES, Rows, StoreError, TripleStore

if TYPE_CHECKING:
    import httpx

_RDF_MEDIA: dict[str, str] = {"nt": "application/n-triples", "nq": "application/n-quads"}
_RESULTS_JSON = "application/sparql-results+json"
VERSION_GRAPH = "urn:nnvocab:meta"
VERSION_CHECK_S = 1.0
_BUMP = (
    f" ;\nDELETE WHERE {{ GRAPH <{VERSION_GRAPH}> {{ <{VERSION_GRAPH}> <{VERSION_GRAPH}#version> ?v }} }} ;\n"
    f"INSERT {{ GRAPH <{VERSION_GRAPH}> {{ <{VERSION_GRAPH}> <{VERSION_GRAPH}#version> ?new }} }} WHERE {{ BIND(STRUUID() AS ?new) }}"
)


def _value(term: dict[str, str]) -> Value:
    if term.get("type") in ("literal", "typed-literal"):
        return literal_value(term["value"], term.get("datatype", ""))
    return term["value"]


class RemoteStore(TripleStore):
    """A store behind a SPARQL server.

    Args:
        url: The server's base URL (``http://127.0.0.1:7878``).
        query_path: The SPARQL query endpoint, relative to ``url``.
        update_path: The SPARQL update endpoint.
        gsp_path: The Graph Store Protocol endpoint.
        timeout_s: Time limit of one request.

    """

    def __init__(
        self, url: str, *, query_path: str = "query", update_path: str = "update", gsp_path: str = "store", timeout_s: float = 60.0
    ) -> None:
        self.url = url.rstrip("/")
        self.path = None
        self._query_url = f"{self.url}/{query_path}"
        self._update_url = f"{self.url}/{update_path}"
        self._gsp_url = f"{self.url}/{gsp_path}"
        self._version_read = (float("-inf"), "")
        import httpx  # here: a server on an embedded store starts without it (~0.1 s)

        self._client = httpx.Client(timeout=timeout_s, limits=httpx.Limits(max_connections=32, max_keepalive_connections=32))

    @override
    def __len__(self) -> int:
        rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", prefixes=False)
        return int(rows[0]["n"] or 0)

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise TimeoutError(f"the store at {self.url} did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"the store at {self.url} is unreachable: {exc}") from exc
        if response.status_code >= 400:
            detail = response.text.strip().splitlines()[0][:300] if response.text.strip() else response.reason_phrase
            raise StoreError(f"the store refused the request ({response.status_code}): {detail}")
        return response

    def _query(self, sparql: str, accept: str, timeout_s: float | None = None) -> httpx.Response:
        extra: dict[str, Any] = {} if timeout_s is None else {"timeout": timeout_s}
        headers = {"content-type": "application/sparql-query", "accept": accept}
        return self._request("POST", self._query_url, content=sparql.encode("utf-8"), headers=headers, **extra)

    @override
    def run(self, sparql: str, prefixes: bool = True) -> Rows | bool:
        text = SPARQL_PREFIXES + sparql if prefixes else sparql
        body = orjson.loads(self._query(text, _RESULTS_JSON).content)
        if "boolean" in body:
            return bool(body["boolean"])
        return [{name: _value(term) for name, term in binding.items()} for binding in body["results"]["bindings"]]

    @override
    def construct(self, sparql: str) -> bytes:
        return self._query(SPARQL_PREFIXES + sparql, _RDF_MEDIA["nt"]).content

    def protocol_query(self, query: str, media: str, timeout_s: float) -> tuple[bytes, str]:
        """Forward a user's read query; the server's body and media type.

        Raises:
            TimeoutError: The server did not answer within ``timeout_s``.
            StoreError: The server refused the query (syntax error, …).

        """
        response = self._query(query, media, timeout_s)
        return response.content, response.headers.get("content-type", media).split(";")[0]

    @override
    def _update(self, sparql: str) -> None:
        headers = {"content-type": "application/sparql-update"}
        body = (SPARQL_PREFIXES + sparql + _BUMP).encode("utf-8")  # the version changes in the same transaction
        self._request("POST", self._update_url, content=body, headers=headers)

    @override
    def version(self) -> str:
        """The store-wide version written with every update (read at most once a second).

        Workers sharing the store see each other's writes through it, within a second.
        """
        now = time.monotonic()
        if now - self._version_read[0] >= VERSION_CHECK_S:
            rows = self.select(f"SELECT ?v WHERE {{ GRAPH <{VERSION_GRAPH}> {{ <{VERSION_GRAPH}> <{VERSION_GRAPH}#version> ?v }} }}")
            self._version_read = (now, f"{self.generation}:{rows[0]['v'] if rows else ''}")
        return self._version_read[1]

    @override
    def _write(self, triples: list[ox.Triple], graph: str | None) -> None:
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        params = {"graph": graph} if graph else {"default": ""}
        self._request("POST", self._gsp_url, params=params, content=data, headers={"content-type": _RDF_MEDIA["nt"]})

    @override
    def named_graphs(self) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", prefixes=False)
        return [str(r["g"]) for r in rows]

    @override
    def dump(self, fmt: RdfFormatName = "ttl") -> bytes:
        dataset = fmt in ("nq", "trig")
        raw = "nq" if dataset else "nt"  # every server writes these; prefixes and JSON-LD compaction are done here, as embedded
        params = {} if dataset else {"default": ""}
        data = self._request("GET", self._gsp_url, params=params, headers={"accept": _RDF_MEDIA[raw]}).content
        if fmt == raw:
            return data
        copy = ox.Store()
        copy.bulk_load(data, FORMATS[raw])
        return serialise(copy, fmt)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
