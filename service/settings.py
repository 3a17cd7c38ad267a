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
    max_page_size: int = Field(default=100, ge=1)
    max_estimated_nodes: int = Field(default=5000, ge=1)
    query_timeout_s: float = Field(default=10.0, gt=0)
    sparql_timeout_s: float = Field(default=5.0, gt=0, description="wall-clock limit of one /sparql query (below query_timeout_s)")
    rate_limit_per_minute: int = Field(default=600, ge=1)
    admin_token: str | None = None
    response_cache_bytes: int = Field(default=32_000_000, ge=0, description="GraphQL response cache budget (embedded store); 0 = off")
