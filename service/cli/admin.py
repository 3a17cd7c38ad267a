"""CLI command ``reload``: ask a running server to rebuild its built-in graph (``POST /admin/reload`` or SIGHUP)."""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli._common import console, fail

if TYPE_CHECKING:
    import httpx


def _send_sighup(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError as exc:
        raise fail(f"no process {pid}") from exc
    except PermissionError as exc:
        raise fail(f"not allowed to signal process {pid}") from exc
    console.print(f"sent SIGHUP to {pid}; the server logs the outcome")


def _reason(response: httpx.Response) -> str:
    """Why a reload request did not succeed, in one line."""
    if response.status_code == 409:
        return f"reload failed, the server keeps its old graph: {response.json().get('error')}"
    if response.status_code == 503:
        return "the server stopped waiting at its time limit (NNV_QUERY_TIMEOUT_S); the reload goes on in the background, see its log"
    return f"unexpected answer (HTTP {response.status_code}): {response.text.strip()[:200]}"


def reload(
    url: Annotated[str, typer.Option(help="the running server")] = "http://127.0.0.1:8000",
    token: Annotated[str | None, typer.Option(envvar="NNV_ADMIN_TOKEN", help="admin token (NNV_ADMIN_TOKEN)", show_default=False)] = None,
    pid: Annotated[int | None, typer.Option("--signal", help="send SIGHUP to this server process instead of calling the API")] = None,
    timeout: Annotated[float, typer.Option(min=1, help="seconds to wait for the answer")] = 120,
) -> None:
    """Rebuild the built-in graph inside a running server; readers see the old graph or the new one, never a mix."""
    if pid is not None:
        _send_sighup(pid)
        return
    if not token:
        raise fail("no admin token: set NNV_ADMIN_TOKEN or pass --token")
    endpoint = f"{url.rstrip('/')}/admin/reload"
    import httpx  # here: every other command (serve among them) starts without it

    try:
        response = httpx.post(endpoint, headers={"Authorization": f"Bearer {token}"}, timeout=timeout)
    except httpx.TransportError as exc:
        raise fail(f"cannot reach {url}: {exc or type(exc).__name__}") from exc
    if response.status_code == 401:
        raise fail(f"{url} refused the admin token")
    if response.status_code == 404:
        raise fail(f"{url} has no /admin/reload (start the server with NNV_ADMIN_TOKEN set)")
    if response.status_code != 200:
        raise fail(_reason(response))
    body = response.json()
    console.print(f"reloaded {body['triples']} triples, {body['concepts']} concepts in {body['seconds']:.2f}s")
