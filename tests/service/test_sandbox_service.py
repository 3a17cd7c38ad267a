"""The service stays up under hostile smokeTest/instantiate mutations: ok=false or a 4xx-style GraphQL error, never a 5xx."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from implementations.sandbox import sandbox as _sandbox
from implementations.sandbox.sandbox import Sandbox, SandboxLimits

WALL = 2.0
SELECTION = {"smokeTest": "{ term ok error durationMs }", "instantiate": "{ term ok error parameterCount }"}


def deep_json(depth: int) -> str:
    """``{"a": {"a": ... 1 ...}}``, ``depth`` levels, as text (``json.dumps`` itself would recurse)."""
    return '{"a": ' * depth + "1" + "}" * depth


# (id, mutation, term, args, what must come back: "ok=false" or an extensions.code, a substring of the message)
HOSTILE: list[tuple[str, str, str, Any, str, str]] = [
    ("params-1e9", "smokeTest", "Linear", {"in_features": 10**9}, "ok=false", "parameters exceed"),
    ("embedding-2^62", "instantiate", "embedding", {"num_embeddings": 2**62}, "ok=false", "overflow"),
    ("buffer-gigabytes", "smokeTest", "sinusoidal-positional-encoding", {"max_len": 10**9}, "ok=false", "allocate"),
    ("endless-power-iteration", "smokeTest", "spectral-normalization", {"n_power_iterations": 10**9}, "ok=false", "timed out"),
    ("activation-import-path", "smokeTest", "transformer-block", {"activation": "os.system"}, "ok=false", "os.system"),
    ("negative-dimension", "instantiate", "linear", {"out_features": -8}, "ok=false", "negative dimension"),
    ("string-for-int", "smokeTest", "Linear", {"in_features": "16"}, "BAD_USER_INPUT", "in_features"),
    ("dunder-key", "instantiate", "Linear", {"__class__": "os.system"}, "BAD_USER_INPUT", "__class__"),
    ("args-a-list", "smokeTest", "Linear", [1, 2], "BAD_USER_INPUT", "JSON object"),
    ("dunder-term", "smokeTest", "__import__", None, "NOT_FOUND", "unknown term"),
]
CASES = [pytest.param(mutation, term, json.dumps(args), code, message, id=name) for name, mutation, term, args, code, message in HOSTILE]

# Bodies the JSON parser refuses (orjson: no NaN, at most 1,024 levels); 1e100 arrives as a float, not an int.
CASES += [
    pytest.param(
        "instantiate",
        "linear",
        f'{{"in_features": {deep_json(10_000)}}}',
        "BAD_USER_INPUT",
        "Unable to parse",
        id="variables-nested-10k",
    ),
    pytest.param(
        "smokeTest",
        "dropout",
        '{"p": NaN}',
        "BAD_USER_INPUT",
        "Unable to parse",
        id="nan",
    ),
    pytest.param(
        "instantiate",
        "linear",
        f'{{"in_features": {10**100}}}',
        "BAD_USER_INPUT",
        "invalid argument",
        id="int-1e100",
    ),
]


@pytest.fixture(scope="module")
def short_limits() -> Iterator[Sandbox]:
    """The server's sandbox (the process-wide default) with a 2 s wall-clock limit, for this module only."""
    sandbox = Sandbox(SandboxLimits(wall_seconds=WALL, cpu_seconds=2, memory_mb=1024))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sandbox, "_DEFAULT", sandbox)
        sandbox.start()
        yield sandbox
    sandbox.stop()


def post(server_url: str, mutation: str, term: str, args_json: str) -> tuple[int, dict[str, Any]]:
    query = f"mutation($term: String!, $args: JSON) {{ {mutation}(term: $term, args: $args) {SELECTION[mutation]} }}"
    body = f'{{"query": {json.dumps(query)}, "variables": {{"term": {json.dumps(term)}, "args": {args_json}}}}}'
    response = httpx.post(f"{server_url}/graphql", content=body, headers={"content-type": "application/json"}, timeout=30)
    is_json = response.headers.get("content-type", "").startswith("application/json")
    return response.status_code, response.json() if is_json else {"text": response.text}


@pytest.mark.parametrize(("mutation", "term", "args_json", "expected", "message"), CASES)
def test_hostile_mutations_answer_without_a_server_error(
    server_url: str, short_limits: Sandbox, mutation: str, term: str, args_json: str, expected: str, message: str
) -> None:
    start = time.perf_counter()
    status, body = post(server_url, mutation, term, args_json)
    assert time.perf_counter() - start < WALL + 5.0
    assert status < 500, body
    if expected == "ok=false":
        assert "errors" not in body, body
        assert body["data"][mutation]["ok"] is False and message in body["data"][mutation]["error"]
    else:
        (error,) = body["errors"]
        assert error.get("extensions", {}).get("code") == expected and message in error["message"], error


def test_a_10k_character_term_is_refused_quickly(server_url: str, short_limits: Sandbox) -> None:
    start = time.perf_counter()
    status, body = post(server_url, "smokeTest", "x" * 10_000, "null")
    assert status < 500 and body["errors"][0]["extensions"]["code"] in ("BAD_USER_INPUT", "NOT_FOUND")
    assert time.perf_counter() - start < 1.0


def test_the_service_is_healthy_and_smoke_tests_after_the_abuse(server_url: str, short_limits: Sandbox) -> None:
    assert httpx.get(f"{server_url}/healthz", timeout=5).status_code == 200
    status, body = post(server_url, "smokeTest", "layer-normalization", '{"normalized_shape": 12}')
    assert status == 200 and body["data"]["smokeTest"]["ok"] is True and body["data"]["smokeTest"]["error"] is None
    assert 0 < body["data"]["smokeTest"]["durationMs"] < WALL * 1000
    for _ in range(500):  # replacements are forked in the background (at most 5 s)
        if len(short_limits.worker_pids()) == 2:
            break
        time.sleep(0.01)
    assert len(short_limits.worker_pids()) == 2
