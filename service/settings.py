"""Service and CLI settings, read from ``NNV_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Configuration; every field can be set as ``NNV_<FIELD>`` (e.g. ``NNV_STORE_PATH``)."""

    model_config = SettingsConfigDict(env_prefix="NNV_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    store: str | None = Field(
        default=None, description="remote SPARQL server URL (http://host:port) or on-disk store folder; unset = in memory"
    )
    store_path: Path | None = Field(default=None, description="on-disk store folder (older name of NNV_STORE for a folder)")
    store_gsp_path: str = Field(default="store", description="Graph Store Protocol path of a remote store (Fuseki: data)")
    max_depth: int = Field(default=8, ge=1)
    max_aliases: int = Field(default=15, ge=1)
    max_estimated_nodes: int = Field(default=5000, ge=1)
    query_timeout_s: float = Field(default=10.0, gt=0)
    sparql_timeout_s: float = Field(default=5.0, gt=0, description="wall-clock limit of one /sparql query (below query_timeout_s)")
    sparql_max_bytes: int = Field(default=16_384, ge=1, description="longest /sparql query text (UTF-8 bytes), refused before parsing")
    rate_limit_per_minute: int = Field(default=600, ge=1)
    mutation_rate_limit_per_minute: int = Field(default=30, ge=1, description="mutation fields per client and minute (15 aliases count 15)")
    allow_mutations: bool = Field(default=True, description="false: every mutation is refused with FORBIDDEN (read-only deployment)")
    keep_runs: int = Field(default=5, ge=1, description="stored smoke tests kept per implementation, verifications per pairing")
    trusted_proxies: str = Field(default="", description="comma-separated proxy IPs/networks whose X-Forwarded-For is believed")
    timeout_keep_alive_s: int = Field(default=5, ge=1, description="an idle keep-alive connection is closed after this")
    header_timeout_s: float = Field(default=10.0, gt=0, description="a request's line and headers must arrive within this")
    limit_concurrency: int = Field(default=500, ge=1, description="connections and tasks per worker; beyond it uvicorn answers 503")
    admin_token: str | None = None
    embedding_process: bool | None = Field(
        default=None, description="the search's embedding model in a child process (unset: yes under nnvocab serve, else no)"
    )
    telemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry (traces, metrics, logs) through the global providers; off: not checked per request",
    )
    response_cache_bytes: int = Field(default=32_000_000, ge=0, description="GraphQL response cache budget (embedded store); 0 = off")
