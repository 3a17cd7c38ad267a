"""Every example in README.md runs and does what the README says it does.

Each fenced block is checked by its kind: the ``make`` lines with ``make -n`` (what the target
would run), each ``.venv/bin/nnvocab`` line as a subprocess from the repository root, the Python
blocks as script files run by ``.venv/bin/python``, the GraphQL block POSTed to a served built-in
graph, the ``curl`` lines against that server, and the plain block (the layout diagram) by the
paths it names. Each command has its own check below, keyed by the command as written; a block
of another kind, or a command with no check, fails ``test_every_example_has_a_check``. The counts
the prose gives (implementations, architectures, configured models) are checked against the registry.
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
from typing import Any

import httpx
import pyoxigraph
import pytest

from implementations import Family, list_implementations
from implementations.architectures.models import MODEL_CONFIGS, resolve_model
from implementations.sandbox.worker import SandboxLimits
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


Runs = dict[str, subprocess.CompletedProcess[str]]


def _writes_report(command: str) -> bool:
    return "--report" in _argv(command)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the Python examples, and the working folder of a command that writes a report."""
    return tmp_path_factory.mktemp("readme")


@pytest.fixture(scope="module")
def runs(scratch: Path) -> Runs:
    """Every CLI line (from the repository root) and Python block (as a script), by command or block.

    Most of each run is start-up (Python, the graph, torch and the sandbox for many), so they run
    three at a time, the slowest first. A command writing a report (``--report docs``) runs in
    ``scratch``, so the repository's copy stays as it is.
    """
    jobs = {
        command: ([str(ROOT / _argv(command)[0]), *shlex.split(_key(command))], scratch if _writes_report(command) else ROOT)
        for command in _commands(".venv/bin/nnvocab")
    }
    for number, block in enumerate(_blocks("python")):
        script = scratch / f"example_{number}.py"
        script.write_text(block, encoding="utf-8")
        jobs[block] = ([str(BIN / "python"), str(script)], scratch)
    slow = {command for command in _commands(".venv/bin/nnvocab") if _key(command) in SLOW}
    slowest_first = sorted(jobs, key=lambda key: 0 if key in slow else 1 if key in _blocks("python") else 2)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(_run, *jobs[key]) for key in slowest_first}
        return {key: future.result() for key, future in futures.items()}


def _report(command: str, folder: Path) -> str:
    """The files a ``--report DIR`` command wrote into ``folder / DIR`` (empty for other commands)."""
    if not _writes_report(command):
        return ""
    argv = _argv(command)
    written = sorted((folder / argv[argv.index("--report") + 1]).iterdir())
    return "".join(f"\n--- {path.name}\n{path.read_text(encoding='utf-8')}" for path in written)


def _cli_run(runs: Runs, key: str) -> subprocess.CompletedProcess[str]:
    """The run of the README's CLI line whose command (without the program) is ``key``."""
    return runs[next(command for command in _commands(".venv/bin/nnvocab") if _key(command) == key)]


def _json(out: str) -> Any:
    """The JSON value that opens ``out`` (a command's standard output, standard error after it)."""
    value, _end = json.JSONDecoder().raw_decode(out.lstrip())
    return value


def _concept_ids(vocab: Vocabulary) -> set[str]:
    rows = vocab.store.select("SELECT ?c WHERE { ?c a nnv:Concept }")
    return {str(row["c"]).rsplit("/", 1)[-1].rstrip(">") for row in rows}


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
    plan = _run(["make", "--no-print-directory", "-n", target], ROOT)  # quiet also when the tests run under `make test`
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


def _check_search(command: str, out: str, vocab: Vocabulary) -> None:
    first = _comment(command).split(": ", 1)[1].split(" first", 1)[0]  # "by words and meaning: X first, and why" → X
    _assert_all_in(out, first)
    hits = json.loads(_run([str(ROOT / _argv(command)[0]), *_argv(command)[1:], "--json"], ROOT).stdout)
    assert hits[0]["name"] == first and hits[0]["why"], hits[0]
    assert vocab.resolve_concept(first) == hits[0]["iri"]


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


def _check_scaled_model(command: str, out: str, _vocab: Vocabulary) -> None:
    model = _argv(command)[2]
    config = MODEL_CONFIGS[model]
    claimed = re.search(r"([\d,]+) parameters \(published: ([\d,]+)\)", _comment(command))
    assert claimed and int(claimed.group(2).replace(",", "")) == config.parameters
    assert f"model {model} as {config.architecture}, scaled-down configuration" in out, out[:500]
    assert f"parameters: {claimed.group(1)} (published: {claimed.group(2)})" in out, out[:500]
    assert int(claimed.group(1).replace(",", "")) < config.parameters / 1000  # the same structure, a tiny fraction of the size


def _check_published_model(command: str, out: str, _vocab: Vocabulary) -> None:
    result = _json(out)
    claimed = re.search(r"([\d,]+) parameters", _comment(command))
    assert claimed and result["parameter_count"] == int(claimed.group(1).replace(",", "")) == result["model"]["parameters"]
    assert result["device"] == "meta" and result["term"] == result["model"]["architecture"] == _argv(command)[2]
    assert result["args"] == result["model"]["published"] and "LLaMA-7B" in result["model"]["source"]


def _check_inspect(command: str, out: str, vocab: Vocabulary) -> None:
    result = _json(out)
    findings = {f["concept"]: f for f in result["findings"]}
    named = _named_in_comment(command)
    assert result["term"] == _argv(command)[2] and len(named) == 4
    assert [name for name in named if findings.get(name, {}).get("count", 0) < 1] == [], sorted(findings)
    assert set(findings) <= _concept_ids(vocab)  # every finding is a concept of the graph
    for f in findings.values():
        assert f["share"] == round(f["parameters"] / result["parameters"], 4) and f["examples"] and f["evidence"], f
    facts = result["facts"]
    assert facts["num_key_value_heads"] < facts["num_attention_heads"]  # what makes it grouped-query attention
    assert findings["grouped-query-attention"]["count"] == facts["num_hidden_layers"]


def _check_advise(command: str, out: str, vocab: Vocabulary) -> None:
    result = _json(out)
    claimed = re.search(r"(\w+) first \(momentum ([\d.e-]+), weight decay ([\d.e-]+)\)", _comment(command))
    assert claimed, _comment(command)
    best = result["optimizers"][0]
    assert result["term"] == _argv(command)[2] and best["optimizer"] == claimed.group(1)
    assert best["settings"] == {"momentum": float(claimed.group(2)), "weight_decay": float(claimed.group(3))}
    assert best["notes"] and best["sources"] and result["term"] in best["recommended_for"]
    assert result["extras"] and {e["concept"] for e in result["extras"]} <= _concept_ids(vocab)
    groups = {g["name"]: g for g in result["param_groups"]}
    assert groups["decay"]["weight_decay"] == float(claimed.group(3)) and groups["no_decay"]["weight_decay"] == 0
    assert any("normalization" in name for name in groups["no_decay"]["examples"])
    assert any(name.endswith(".bias") for name in groups["no_decay"]["examples"])
    assert sum(g["parameters"] for g in groups.values()) == result["anatomy"]["parameters"]


def _check_models_report(command: str, out: str, vocab: Vocabulary) -> None:
    counts = r"(\d+)\D+(\d+)\D+(\d+)\D+(\d+)\D+(\d+)\D+(\d+)"
    printed = re.search(rf"models: {counts}", out)
    written = re.search(rf"^\| {counts} \|$", out, flags=re.M)  # the report's summary row
    assert printed and written and printed.groups() == written.groups(), out[-2000:]
    models, built, confirmed, contradicted, _explained, _unchecked = map(int, printed.groups())
    assert (models, built, contradicted) == (repository.get_stats(vocab.store).models, len(MODEL_CONFIGS), 0) and confirmed > 0
    report = Path(_comment(command).rsplit(": ", 1)[1])
    assert report.parent == Path(_argv(command)[-1]) and f"--- {report.name}\n# Model claims" in out
    assert "## Llama 2 (`llama-2`, built from `llama`)" in out


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
    "search 'the loss for class imbalance in detection'": (0, _check_search),
    "pairs --layer Transformer": (0, _check_pairs),
    "stats": (0, _check_stats),
    "query 'SELECT ?c WHERE { ?c nnv:status nnv:Speculative }'": (0, _check_query),
    "export --format ttl": (0, _check_export),
    "validate": (0, lambda command, out, _vocab: _assert_all_in(out, "0 violations")),
    "load tests/data/pwc-methods-sample.json": (0, _check_load),
    "instantiate gqa --arg embed_dim=64 --arg num_heads=8 --arg num_kv_heads=2": (0, _check_instantiate),
    "instantiate llama-2": (0, _check_scaled_model),
    "instantiate llama --full --meta --json": (0, _check_published_model),
    "inspect llama --json": (0, _check_inspect),
    "advise resnet --json": (0, _check_advise),
    "smoke 'layer norm'": (0, lambda command, out, _vocab: _assert_all_in(out, "layer-normalization", *_named_in_comment(command))),
    "smoke --all": (0, lambda command, out, vocab: _assert_all_in(out, f"{repository.get_stats(vocab.store).implementations} smoke test")),
    "coverage": (0, _check_coverage),
    "check-models --report docs": (0, _check_models_report),
}
SLOW = {"smoke --all", "check-models --report docs", "validate"}  # started first, then the Python blocks


@pytest.mark.parametrize("command", _commands(".venv/bin/nnvocab"), ids=_key)
def test_cli_example(command: str, runs: Runs, scratch: Path, fresh: Vocabulary) -> None:
    result = runs[command]
    exit_code, check = CLI_CHECKS[_key(command)]
    assert result.returncode == exit_code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    shown = result.stdout if ">" in _argv(command) else result.stdout + result.stderr  # what a redirection keeps
    check(command, shown + _report(command, scratch), fresh)


# --- Python -------------------------------------------------------------------------------------


def _check_vocabulary_script(out: str, vocab: Vocabulary, _runs: Runs) -> None:
    gqa = vocab.concept("grouped query attention")
    first, *pairs = out.splitlines()
    _assert_all_in(first, gqa.name, *gqa.alt_names, *gqa.papers, *gqa.models)
    transformer = vocab.resolve_concept("Transformer")
    assert pairs == [f"{vocab.label(p.optimizer)} — {p.note}" for p in list_pairs(vocab.store, layers=[transformer])]


def _check_implementations_script(out: str, _vocab: Vocabulary, _runs: Runs) -> None:
    listed, ok = out.strip().rsplit(" ", 1)
    names = ast.literal_eval(listed)
    assert ok == "True" and "grouped-query-attention" in names and all("attention" in name for name in names)


def _check_anatomy_script(out: str, vocab: Vocabulary, runs: Runs) -> None:
    inspected, advised = out.strip().splitlines()
    parameters, findings = inspected.split(" ", 1)
    sandboxed = _json(_cli_run(runs, "inspect llama --json").stdout)  # the same default LLaMA, inspected in the sandbox
    assert int(parameters) == sandboxed["parameters"]
    assert ast.literal_eval(findings) == [(f["concept"], f["count"]) for f in sandboxed["findings"]]
    optimizer, groups = advised.split(" ", 1)
    assert vocab.concept(optimizer).kind == "OPTIMIZER", optimizer
    decay, no_decay = ast.literal_eval(groups)
    assert decay[0] == "decay" and decay[1] > 0 and no_decay == ("no_decay", 0.0)


PYTHON_CHECKS: dict[str, Callable[[str, Vocabulary, Runs], None]] = {  # a block's first line → its check
    "from service.context import open_vocabulary": _check_vocabulary_script,
    "from implementations import create, smoke_test, list_implementations": _check_implementations_script,
    "from implementations import create": _check_anatomy_script,
}


@pytest.mark.parametrize("block", _blocks("python"), ids=lambda block: block.splitlines()[0])
def test_python_example(block: str, runs: Runs, vocab: Vocabulary) -> None:
    result = runs[block]
    assert result.returncode == 0, result.stderr
    PYTHON_CHECKS[block.splitlines()[0]](result.stdout, vocab, runs)


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
    llama_2 = MODEL_CONFIGS["llama-2"]
    assert data["model"]["implementation"]["id"] == llama_2.architecture == data["model"]["config"]["architecture"]
    assert data["model"]["config"]["parameters"] == str(llama_2.parameters) and data["model"]["config"]["source"] == llama_2.source
    inspected = {f["concept"]: f for f in data["inspect"]["findings"]}
    assert data["inspect"]["className"] == "HuggingFaceModel" and data["inspect"]["parameters"] > 0
    inspect_line = next(c for c in _commands(".venv/bin/nnvocab") if _key(c) == "inspect llama --json")
    assert all(inspected[name]["count"] >= 1 for name in _named_in_comment(inspect_line)), sorted(inspected)
    advice = data["advise"]
    assert advice["optimizers"][0]["optimizer"] == "sgd" and advice["optimizers"][0]["settings"]["momentum"] == 0.9
    assert {(g["name"], g["weightDecay"] == 0) for g in advice["paramGroups"]} == {("decay", False), ("no_decay", True)}


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


def test_counts_and_names_in_the_prose_are_current() -> None:
    """The implementations section's numbers and names: the registry's count, its architectures, the configured models."""
    total = re.search(r"one of the (\d+) registered implementations", README)
    architectures = re.search(r"(\d+) of them are whole architectures \(`Family\.ARCHITECTURE`\), among them(.+?): built", README, re.S)
    models = re.search(r"(\d+) model\s+nodes of the graph \((.+?) …\) carry their published configuration", README)
    assert total and architectures and models
    assert int(total.group(1)) == len(list_implementations())
    registered = list_implementations(family=Family.ARCHITECTURE)
    named = re.findall(r"`([\w-]+)`", architectures.group(2))
    assert int(architectures.group(1)) == len(registered) and len(named) >= 12
    assert [name for name in named if name not in registered] == []
    assert int(models.group(1)) == len(MODEL_CONFIGS)
    assert [name for name in models.group(2).split(", ") if resolve_model(name) is None] == []
    cap = re.search(r"refused above the sandbox's (\d+) M parameters", README)
    assert cap and int(cap.group(1)) * 1_000_000 == SandboxLimits().max_parameters


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
