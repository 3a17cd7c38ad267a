"""Every example in README.md runs and does what the README says it does.

Each fenced block is checked by its kind: the ``make`` lines with ``make -n`` (what the target
would run), each ``.venv/bin/nnvocab`` line as a subprocess from the repository root, the Python
blocks as script files run by ``.venv/bin/python``, the GraphQL block POSTed to a served built-in
graph, the ``curl`` lines against that server, and the plain block (the layout diagram) by the
paths it names. Each command has its own check below, keyed by the command as written; a block
of another kind, or a command with no check, fails ``test_every_example_has_a_check``.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pyoxigraph
import pytest

from ontology import repository
from ontology.pairs import list_pairs
from ontology.vocabulary import Vocabulary
from service.settings import Settings
from tests.conftest import ROOT, fresh_builtin
from tests.service.conftest import server_url  # noqa: F401  (the served built-in graph, a fixture)

README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent
README_HOST = "http://127.0.0.1:8000"
SKOS_LABEL = pyoxigraph.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


def _blocks(language: str) -> list[str]:
    return [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.M | re.S) if lang == language]


def _commands(program: str) -> list[str]:
    """The lines of the sh blocks that run ``program`` (continuation lines joined)."""
    lines = "\n".join(_blocks("sh")).replace("\\\n", " ").splitlines()
    return [line for line in lines if line.split(maxsplit=1)[:1] == [program]]


def _comment(command: str) -> str:
    return command.split("  # ", 1)[1].strip() if "  # " in command else ""


def _argv(command: str) -> list[str]:
    return shlex.split(command, comments=True)


def _key(command: str) -> str:
    """The command as written, without the program, a redirection and the comment."""
    argv = _argv(command)
    return shlex.join(argv[1 : argv.index(">") if ">" in argv else None])


def _run(argv: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NNV_STORE", "NNV_STORE_PATH")} | {"COLUMNS": "200"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every CLI line (from the repository root) and Python block (as a script), by command or block.

    Most of each run is start-up (Python, the graph, torch and the sandbox for some), so they run
    three at a time.
    """
    folder = tmp_path_factory.mktemp("readme")
    jobs = {command: ([str(ROOT / _argv(command)[0]), *shlex.split(_key(command))], ROOT) for command in _commands(".venv/bin/nnvocab")}
    for number, block in enumerate(_blocks("python")):
        script = folder / f"example_{number}.py"
        script.write_text(block, encoding="utf-8")
        jobs[block] = ([str(BIN / "python"), str(script)], folder)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(_run, argv, cwd) for key, (argv, cwd) in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.fixture(scope="module")
def fresh() -> Vocabulary:
    """The built-in graph as a new process builds it (the session's store collects smoke runs)."""
    return Vocabulary(fresh_builtin())


def _transformer_optimizers(vocab: Vocabulary) -> set[str]:
    return {vocab.label(p.optimizer) for p in list_pairs(vocab.store, layers=[vocab.resolve_concept("Transformer")])}


def _named_in_comment(command: str) -> list[str]:
    """The comma-separated names that open the command's comment ("Adam, AdamW with the notes" → both)."""
    return [name.strip() for name in re.split(r",\s*", re.split(r" with |: | … ", _comment(command))[0])]


# --- make -------------------------------------------------------------------------------------

MAKE_CHECKS: dict[str, Callable[[str], None]] = {
    "run": lambda plan: _assert_all_in(plan, "nnvocab serve", "--host 127.0.0.1 --port 8000"),
    "test": lambda plan: (_assert_all_in(plan, 'pytest -m "not soak"'), _assert_none_in(plan, "apt-get", "chromium", "sudo")),
    "browser": lambda plan: _assert_all_in((ROOT / plan.split()[-1]).read_text(encoding="utf-8"), "apt-get install", "chromium", "id -u"),
}


def _assert_all_in(text: str, *parts: str) -> None:
    assert [p for p in parts if p not in text] == [], text


def _assert_none_in(text: str, *parts: str) -> None:
    assert [p for p in parts if p in text] == [], text


@pytest.mark.parametrize("command", _commands("make"))
def test_make_example(command: str) -> None:
    target = _argv(command)[1]
    plan = _run(["make", "-n", target], ROOT)
    assert plan.returncode == 0, plan.stderr
    MAKE_CHECKS[target](plan.stdout.strip())


# --- the CLI ------------------------------------------------------------------------------------


def _check_gqa_card(command: str, out: str, vocab: Vocabulary) -> None:
    gqa = vocab.concept("gqa")
    papers = [p.title for p in repository.get_papers(vocab.store, gqa.papers).values()]
    models = [m.name for m in repository.get_models(vocab.store, gqa.models).values()]
    pairings = [vocab.label(p.concept) for p in gqa.pairs_with]
    assert papers and models and pairings and gqa.errata
    _assert_all_in(out, gqa.name, gqa.definition.split(".")[0], *papers, *models, *pairings, *(e.claim for e in gqa.errata))


def _check_pairs(command: str, out: str, vocab: Vocabulary) -> None:
    named = _named_in_comment(command)
    _assert_all_in(out, "Transformer", *named)
    assert set(named) == _transformer_optimizers(vocab)
    rows = json.loads(_run([str(ROOT / _argv(command)[0]), *_argv(command)[1:], "--json"], ROOT).stdout)
    assert {vocab.label(vocab.resolve_concept(row["optimizer"])) for row in rows} == set(named)
    assert all(row["note"] and row["sources"] for row in rows)


def _check_stats(command: str, out: str, vocab: Vocabulary) -> None:
    stats = repository.get_stats(vocab.store)
    for name in _named_in_comment(command):
        assert re.search(rf"\b{name}\b\W+{getattr(stats, name)}\b", out), f"{name} = {getattr(stats, name)}"


def _check_query(command: str, out: str, vocab: Vocabulary) -> None:
    expected = {str(row["c"]) for row in vocab.store.select(_argv(command)[2])}
    assert expected and set(re.findall(r"https://w3id\.org/nnvocab/concept/[\w-]+", out)) == expected


def _check_export(command: str, out: str, vocab: Vocabulary) -> None:
    exported = pyoxigraph.Store()
    exported.load(out.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(exported) == repository.get_stats(vocab.store).triples
    assert list(exported.quads_for_pattern(pyoxigraph.NamedNode("https://w3id.org/nnvocab/concept/adamw"), SKOS_LABEL, None))


def _check_load(command: str, out: str, _vocab: Vocabulary) -> None:
    report = r"merged (\d+), added (\d+), rejected (\d+)"
    claimed, got = re.search(report, _comment(command)), re.search(report, out)
    assert claimed and got and claimed.groups() == got.groups(), out
    assert len(re.findall(r"rejected: line \d+", out)) == int(got.group(3))


def _check_instantiate(command: str, out: str, _vocab: Vocabulary) -> None:
    embed, heads, kv_heads = 64, 8, 2  # the example's --arg values
    kv_dim = embed // heads * kv_heads
    expected = 2 * (embed * embed + embed) + 2 * (embed * kv_dim + kv_dim)  # q and out projections, k and v projections
    assert "GroupedQueryAttention" in out and re.search(rf"parameters:\s*{expected:,}\b", out), out


def _check_coverage(command: str, out: str, vocab: Vocabulary) -> None:
    implemented = vocab.store.select("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a nnv:Concept ; nnv:implementation ?i }")[0]["n"]
    assert re.search(rf"\b{implemented} of {repository.get_stats(vocab.store).concepts} concepts", out), out[:300]
    assert "reason" in out


def _suggests_first(name: str) -> Callable[[str, str, Vocabulary], None]:
    def check(_command: str, out: str, _vocab: Vocabulary) -> None:
        suggestions = re.search(r"did you mean (.+?)\?", out)
        assert suggestions and suggestions.group(1).split(", ")[0] == name, out

    return check


CLI_CHECKS: dict[str, tuple[int, Callable[[str, str, Vocabulary], None]]] = {  # the command → its exit code and its check
    "concept gqa": (0, _check_gqa_card),
    "concept 'layer norm'": (0, lambda command, out, vocab: _assert_all_in(out, "Layer Normalization", vocab.concept("layer norm").id)),
    "concept layernrom": (1, _suggests_first("Layer Normalization")),
    "pairs --layer Transformer": (0, _check_pairs),
    "stats": (0, _check_stats),
    "query 'SELECT ?c WHERE { ?c nnv:status nnv:Speculative }'": (0, _check_query),
    "export --format ttl": (0, _check_export),
    "validate": (0, lambda command, out, _vocab: _assert_all_in(out, "0 violations")),
    "load tests/data/pwc-methods-sample.json": (0, _check_load),
    "instantiate gqa --arg embed_dim=64 --arg num_heads=8 --arg num_kv_heads=2": (0, _check_instantiate),
    "smoke 'layer norm'": (0, lambda command, out, _vocab: _assert_all_in(out, "layer-normalization", *_named_in_comment(command))),
    "smoke --all": (0, lambda command, out, vocab: _assert_all_in(out, f"{repository.get_stats(vocab.store).implementations} smoke test")),
    "coverage": (0, _check_coverage),
}


@pytest.mark.parametrize("command", _commands(".venv/bin/nnvocab"), ids=_key)
def test_cli_example(command: str, runs: dict[str, subprocess.CompletedProcess[str]], fresh: Vocabulary) -> None:
    result = runs[command]
    exit_code, check = CLI_CHECKS[_key(command)]
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    check(command, result.stdout if ">" in _argv(command) else result.stdout + result.stderr, fresh)  # what a redirection keeps


# --- Python -------------------------------------------------------------------------------------


def _check_vocabulary_script(out: str, vocab: Vocabulary) -> None:
    gqa = vocab.concept("grouped query attention")
    first, *pairs = out.splitlines()
    _assert_all_in(first, gqa.name, *gqa.alt_names, *gqa.papers, *gqa.models)
    transformer = vocab.resolve_concept("Transformer")
    assert pairs == [f"{vocab.label(p.optimizer)} — {p.note}" for p in list_pairs(vocab.store, layers=[transformer])]


def _check_implementations_script(out: str, _vocab: Vocabulary) -> None:
    listed, ok = out.strip().rsplit(" ", 1)
    names = ast.literal_eval(listed)
    assert ok == "True" and "grouped-query-attention" in names and all("attention" in name for name in names)


PYTHON_CHECKS: dict[str, Callable[[str, Vocabulary], None]] = {  # a block's first line → its check
    "from service.context import open_vocabulary": _check_vocabulary_script,
    "from implementations import create, smoke_test, list_implementations": _check_implementations_script,
}


@pytest.mark.parametrize("block", _blocks("python"), ids=lambda block: block.splitlines()[0])
def test_python_example(block: str, runs: dict[str, subprocess.CompletedProcess[str]], vocab: Vocabulary) -> None:
    result = runs[block]
    assert result.returncode == 0, result.stderr
    PYTHON_CHECKS[block.splitlines()[0]](result.stdout, vocab)


# --- GraphQL and HTTP ----------------------------------------------------------------------------


def test_graphql_example(server_url: str, vocab: Vocabulary) -> None:  # noqa: F811  (the imported fixture)
    (block,) = _blocks("graphql")
    response = httpx.post(f"{server_url}/graphql", json={"query": block}, timeout=60)
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    data = response.json()["data"]
    assert data["concept"]["name"] == "Grouped-Query Attention" and data["concept"]["papers"][0]["authors"][0] == "Joshua Ainslie"
    assert {row["optimizer"]["name"] for row in data["compatiblePairs"]} == _transformer_optimizers(vocab)
    assert all(row["note"] and row["sources"] for row in data["compatiblePairs"])
    assert "adamw" in {row["id"] for row in data["implementations"]}
    assert "layer-normalization" in [hit["node"]["id"] for hit in data["search"]][:3]
    path = data["path"]
    assert path[0]["subject"] == "grouped-query-attention" and path[-1]["object"] == "adamw"
    assert all(edge["object"] == after["subject"] for edge, after in itertools.pairwise(path))


def _check_concept_route(command: str, body: str, server: str) -> None:
    graph = pyoxigraph.Store()
    graph.load(body.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    adamw = pyoxigraph.NamedNode("https://w3id.org/nnvocab/concept/adamw")
    assert [q.object.value for q in graph.quads_for_pattern(adamw, SKOS_LABEL, None)] == ["AdamW"]
    for kind in re.split(r",\s*", _comment(command).removeprefix("also ")):
        media = f"text/{kind}" if kind == "html" else f"application/{kind}"
        response = httpx.get(f"{server}/concept/adamw", headers={"Accept": media}, timeout=30, follow_redirects=True)
        assert response.status_code == 200 and response.headers["content-type"].startswith(media), kind


def _check_export_route(_command: str, body: str, server: str) -> None:
    exported = pyoxigraph.Store()
    exported.load(body.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES)
    served = httpx.post(f"{server}/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}, timeout=30)
    assert len(exported) == int(served.json()["results"]["bindings"][0]["n"]["value"])


def _check_sparql_route(_command: str, body: str, server: str) -> None:
    header, *rows = body.splitlines()
    assert header == "l" and len(rows) == 5
    for refused in ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"):
        answer = httpx.post(f"{server}/sparql", data={"query": refused}, timeout=30)
        assert 400 <= answer.status_code < 500, (refused, answer.status_code)


CURL_CHECKS: dict[str, Callable[[str, str, str], None]] = {  # the path the line requests → its check
    "/concept/adamw": _check_concept_route,
    "/export?format=nt": _check_export_route,
    "/sparql": _check_sparql_route,
}


def _curl_path(command: str) -> str:
    return next(arg for arg in _argv(command) if arg.startswith(README_HOST)).removeprefix(README_HOST)


@pytest.mark.parametrize("command", _commands("curl"), ids=_curl_path)
def test_curl_example(command: str, server_url: str) -> None:  # noqa: F811  (the imported fixture)
    argv = [arg.replace(README_HOST, server_url) for arg in _argv(command)]
    result = _run([*argv, "--silent", "--show-error", "--fail"], ROOT)
    assert result.returncode == 0, result.stderr
    CURL_CHECKS[_curl_path(command)](command, result.stdout, server_url)


# --- the rest of the document -----------------------------------------------------------------


def test_layout_diagram_names_real_paths() -> None:
    (diagram,) = _blocks("")
    paths = re.findall(r"\b[\w.-]+/[\w./*-]*", diagram)
    assert len(paths) >= 8
    assert [p for p in paths if not list(ROOT.glob(p.rstrip("/")))] == []


def test_links_and_repository_paths_exist() -> None:
    top = {p.name for p in ROOT.iterdir()}
    named = re.findall(r"\]\(([^)#:]+)\)", README) + [p for p in re.findall(r"`([\w./*-]+/[\w./*-]*)`", README) if p.split("/")[0] in top]
    assert len(named) >= 20
    assert [p for p in named if not list(ROOT.glob(p.rstrip("/")))] == []


def test_configuration_table_gives_the_real_defaults() -> None:
    fields = Settings.model_fields
    rows = re.findall(r"^\| (`NNV_.+?) \| (.+?) \|", README, flags=re.M)
    assert len(rows) >= 9
    for names, defaults in rows:
        variables = re.findall(r"`NNV_(\w+)`", names)
        values = [v.strip("` ") for v in defaults.split(", ")] if len(variables) > 1 else [defaults.strip("` ")]
        for variable, value in zip(variables, values, strict=True):
            assert value.split(" (")[0] == _as_written(variable, fields[variable.lower()].default), variable


def _as_written(variable: str, default: object) -> str:
    if default is None or default == "":
        return "unset"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, int | float):
        return f"{default / 1e6:g} MB" if variable.endswith("_BYTES") and default >= 1e6 else f"{default:g}"
    return str(default)


def test_every_example_has_a_check() -> None:
    languages = [lang for lang, _body in re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.M | re.S)]
    assert sorted(set(languages)) == ["", "graphql", "python", "sh"], "a block of a new kind needs a check here"
    assert (languages.count(""), languages.count("graphql")) == (1, 1)
    sh_lines = [line for block in _blocks("sh") for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    assert len(sh_lines) == len(_commands("make")) + len(_commands(".venv/bin/nnvocab")) + len(_commands("curl"))
    assert {_argv(c)[1] for c in _commands("make")} == set(MAKE_CHECKS)
    assert {_key(c) for c in _commands(".venv/bin/nnvocab")} == set(CLI_CHECKS)
    assert {block.splitlines()[0] for block in _blocks("python")} == set(PYTHON_CHECKS)
    assert {_curl_path(c) for c in _commands("curl")} == set(CURL_CHECKS)
