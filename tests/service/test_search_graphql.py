"""GraphQL ``search(text:, first:, mode:)``: the Python API's ranking, why each hit matched, and a lazy model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from ontology.search import SearchMode
from ontology.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
QUERY = (
    "query($t: String!, $m: SearchMode!, $n: Int) { search(text: $t, mode: $m, first: $n) "
    "{ score matched why { kind text score } node { id } } }"
)
LAZY = """
import json, resource, sys, time
from fastapi.testclient import TestClient
from service.app import create_app
from service.context import open_vocabulary
from service.settings import Settings

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() / 2**20

client = TestClient(create_app(Settings(), vocab=open_vocabulary(Settings())))
query = "query($m: SearchMode!) { search(text: $t, mode: $m, first: 3) { node { id } why { kind } } }".replace("$t", '"layer norm"')
lookup = client.post("/graphql", json={"query": '{ concept(name: "adam") { id } }'}).json()
lexical = client.post("/graphql", json={"query": query, "variables": {"m": "LEXICAL"}}).json()
before, start, refused = ("torch" in sys.modules, rss_mb()), time.perf_counter(), 0
while True:  # UNAVAILABLE while the model loads in the background
    hybrid = client.post("/graphql", json={"query": query, "variables": {"m": "HYBRID"}}).json()
    if hybrid.get("data") or hybrid["errors"][0]["extensions"]["code"] != "UNAVAILABLE" or time.perf_counter() - start > 1500:
        break
    refused += 1
    time.sleep(1)
seconds = time.perf_counter() - start
print(json.dumps({"lookup": lookup, "lexical": lexical, "hybrid": hybrid, "torch_before": before[0], "torch_after": "torch" in sys.modules,
                  "rss_before_mb": before[1], "rss_after_mb": rss_mb(), "first_hybrid_s": seconds, "refused": refused,
                  "model_here": "tokenizers" in sys.modules}))
"""


def _ids(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["node"]["id"] for hit in hits]


def _search(url: str, text: str, mode: str, first: int = 5) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": QUERY, "variables": {"t": text, "m": mode, "n": first}}, timeout=300)
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("in_child", [False, True], ids=["in-process", "child-process"])
def test_the_model_loads_on_the_first_hybrid_search_only(search_ready: Vocabulary, tmp_path: Path, in_child: bool) -> None:
    """In-process on a cold vector cache (the vectors are computed too); in a child process as ``nnvocab serve`` runs it."""
    cache = os.environ["NNV_CACHE_DIR"] if in_child else str(tmp_path)  # the session's cache holds the vectors
    env = {"NNV_CACHE_DIR": cache, "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NNV_EMBEDDING_PROCESS": str(int(in_child))}
    done = subprocess.run([sys.executable, "-c", LAZY], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["model_here"] is not in_child
    assert out["lookup"] == {"data": {"concept": {"id": "adam"}}}
    assert _ids(out["lexical"]["data"]["search"])[0] == "layer-normalization"
    assert out["torch_before"] is False and out["torch_after"] is False  # the numpy encoder: the server never imports torch
    hybrid = out["hybrid"]["data"]["search"]
    assert "layer-normalization" in _ids(hybrid) and "SEMANTIC" in {r["kind"] for hit in hybrid for r in hit["why"]}
    seconds, before, after = out["first_hybrid_s"], out["rss_before_mb"], out["rss_after_mb"]
    print(f"first semantic answer after {seconds:.1f} s ({out['refused']} refused before), RSS {before:.0f} → {after:.0f} MB")


@pytest.mark.parametrize("text", ["layernrom", "normalization that doesn't depend on batch size", "Attention Is All You Need"])
def test_lexical_search_matches_the_python_api(gql, vocab: Vocabulary, text: str) -> None:  # type: ignore[no-untyped-def]
    hits = gql(QUERY, {"t": text, "m": "LEXICAL", "n": 5})["data"]["search"]
    expected = vocab.search_index.search(text, 5, SearchMode.LEXICAL)
    assert _ids(hits) == [h.iri.rsplit("/", 1)[1] for h in expected]
    assert [h["score"] for h in hits] == [h.score for h in expected]
    assert [h["why"] for h in hits] == [[{"kind": r.kind.name, "text": r.text, "score": r.score} for r in h.why] for h in expected]
    assert [h["matched"] for h in hits] == [h.matched for h in expected]


def test_hybrid_and_semantic_match_the_python_api(server_url: str, vocab: Vocabulary) -> None:
    vocab.search_index.preload()  # the embedded server shares this index: its first search need not wait for the model
    text = "randomly zero activations during training"
    for mode in (SearchMode.HYBRID, SearchMode.SEMANTIC):
        hits = _search(server_url, text, mode.name)["data"]["search"]
        assert _ids(hits) == [h.iri.rsplit("/", 1)[1] for h in vocab.search_index.search(text, 5, mode)]
    assert "dropout" in _ids(hits) and all(h["why"][0]["kind"] == "SEMANTIC" for h in hits)
    default = httpx.post(
        f"{server_url}/graphql", json={"query": '{ search(text: "randomly zero activations during training", first: 5) { node { id } } }'}
    )
    assert _ids(default.json()["data"]["search"]) == _ids(_search(server_url, text, "HYBRID")["data"]["search"])


def test_bad_arguments_are_refused(gql) -> None:  # type: ignore[no-untyped-def]
    assert gql(QUERY, {"t": "adam", "m": "FUZZY", "n": 5})["errors"]
    assert gql(QUERY, {"t": "adam", "m": "LEXICAL", "n": 0})["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    for text in ['NEAR("x" *', "!!!", "x" * 256]:  # longer strings are refused before any resolver runs
        assert "errors" not in gql(QUERY, {"t": text, "m": "LEXICAL", "n": 5})
