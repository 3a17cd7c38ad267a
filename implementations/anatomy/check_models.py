"""The graph checked against the models: each "model uses concept" edge against what inspecting the model finds.

For every model node with a runnable configuration
(:func:`implementations.architectures.models.get_model_config`), the model is built from its
published configuration on the meta device (structure and counts, no weights: the published head
and KV-head counts, which a scaled-down copy may not keep) and inspected; each claimed concept is then

* **confirmed**: inspection found it, or a narrower concept (SwiGLU confirms gated linear unit),
  or it is the architecture the model is built from (or one of its broader concepts);
* **contradicted**: an inspection rule could show it (it or a narrower concept has a rule in
  :mod:`implementations.anatomy.mapping`) but the model shows neither;
* **not checkable**, with the reason: a training choice (optimizer, schedule, loss, technique) is
  not in the module; no rule can see the concept; the model has no runnable configuration.

A contradiction listed in :data:`EXPLAINED` (with its reference) is reported as explained.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from implementations.anatomy.inspect import Anatomy
from implementations.anatomy.mapping import CONFIG_RULES, MODULE_RULES
from ontology import repository
from ontology.store import TripleStore
from ontology.views import ModelView, slug_of

CONFIRMED, CONTRADICTED, EXPLAINED_VERDICT, NOT_CHECKABLE = "confirmed", "contradicted", "explained", "not checkable"

# (model, concept) → why the model built from its configuration does not show a claim that is true of the published model.
EXPLAINED: Mapping[tuple[str, str], str] = {
    ("alexnet", "grouped-convolution"): (
        "the two-GPU split of conv2, conv4 and conv5 (kernels see only the maps on their own GPU) is grouped convolution; "
        "the registration builds the single-tower variant (Krizhevsky, Sutskever & Hinton, 2012, ImageNet Classification "
        "with Deep Convolutional Neural Networks, NeurIPS, §3.2 and Fig. 2)"
    ),
    ("gpt-3", "sparse-attention"): (
        "GPT-3 alternates dense and locally banded sparse attention layers, a mask without parameters that the GPT-2 "
        "registration does not express (Brown et al., 2020, Language Models are Few-Shot Learners, arXiv:2005.14165, §2.1)"
    ),
    ("llama-2", "grouped-query-attention"): (
        "only the 34B and 70B Llama 2 models use GQA; the configuration built is the 7B, which has one KV head per head "
        "(Touvron et al., 2023, Llama 2: Open Foundation and Fine-Tuned Chat Models, arXiv:2307.09288, §2.2 and Table 1)"
    ),
    ("mistral-7b", "sliding-window-attention"): (
        "the 4096-token window is an attention mask without parameters; the model is built as a LLaMA decoder, which does "
        "not express it (Jiang et al., 2023, Mistral 7B, arXiv:2310.06825, §2 and Table 1)"
    ),
}

_INVISIBLE_KINDS = {
    "OPTIMIZER": "an optimizer is a training choice, not part of the module",
    "SCHEDULER": "a learning-rate schedule is a training choice, not part of the module",
    "LOSS": "a training objective, not part of the module",
    "TRAINING_TECHNIQUE": "a training technique, not visible in the module",
    "INITIALIZATION": "an initialisation scheme leaves no trace in the module's structure",
    "METRIC": "a metric, not part of the module",
    "OTHER": "a general term, not a component of the module",
}
Inspector = Callable[[str, dict[str, Any]], Anatomy]


@dataclass(frozen=True)
class ClaimCheck:
    """One "model uses concept" edge and its verdict."""

    concept: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class ModelReport:
    """The checks of one model."""

    model: str
    name: str
    architecture: str | None
    checks: tuple[ClaimCheck, ...]

    def counts(self) -> Counter[str]:
        """Verdict → number of claims."""
        return Counter(c.verdict for c in self.checks)


@dataclass(frozen=True)
class GraphFacts:
    """What the verdicts need from the graph: each concept's kind and broader concepts (slugs)."""

    kinds: Mapping[str, str]
    broader: Mapping[str, frozenset[str]]

    @classmethod
    def read(cls, store: TripleStore) -> GraphFacts:
        """Kinds and transitive broader concepts of every concept."""
        kinds = {
            slug_of(str(r["c"])): str(r["k"]).rsplit("-", 1)[-1]
            for r in store.select("SELECT ?c ?k WHERE { ?c a nnv:Concept ; nnv:kind ?k }")
        }
        broader: dict[str, set[str]] = {}
        for r in store.select("SELECT ?c ?b WHERE { ?c a nnv:Concept ; skos:broader+ ?b }"):
            broader.setdefault(slug_of(str(r["c"])), set()).add(slug_of(str(r["b"])))
        return cls(kinds, {c: frozenset(b) for c, b in broader.items()})

    def closure(self, slugs: Iterable[str]) -> set[str]:
        """``slugs`` and all their broader concepts."""
        out = set(slugs)
        for slug in list(out):
            out |= self.broader.get(slug, frozenset())
        return out


def detectable(facts: GraphFacts) -> set[str]:
    """Concepts an inspection rule can show, themselves or through a narrower concept."""
    return facts.closure({r.concept for r in MODULE_RULES} | {r.concept for r in CONFIG_RULES})


def runnable_config(model: str) -> tuple[str, dict[str, Any]] | None:
    """``(architecture registration, published args)`` of a model with a runnable configuration, else ``None``."""
    try:
        from implementations.architectures.models import get_model_config
    except ImportError:  # the model table is not there (yet)
        return None
    try:
        config = get_model_config(model)
    except LookupError:
        return None
    return config.architecture, dict(config.published)


def verdict(model: str, concept: str, anatomy: Anatomy, architecture: str, facts: GraphFacts, visible: set[str]) -> ClaimCheck:
    """The verdict on "``model`` uses ``concept``" given the inspection of the model built from ``architecture``."""
    found = facts.closure(anatomy.concepts)
    kind = facts.kinds.get(concept, "OTHER")
    if concept in found:
        shown = [f.concept for f in anatomy.findings if f.concept == concept or concept in facts.broader.get(f.concept, ())]
        return ClaimCheck(concept, CONFIRMED, "found: " + ", ".join(sorted(shown)))
    if kind == "ARCHITECTURE":
        if concept in facts.closure([architecture]):
            return ClaimCheck(concept, CONFIRMED, f"built from the {architecture} registration")
        return ClaimCheck(concept, NOT_CHECKABLE, f"an architecture family the {architecture} registration does not name")
    if kind in _INVISIBLE_KINDS:
        return ClaimCheck(concept, NOT_CHECKABLE, _INVISIBLE_KINDS[kind])
    if concept not in visible:
        return ClaimCheck(concept, NOT_CHECKABLE, "no inspection rule can see it in a module or its config")
    explained = EXPLAINED.get((model, concept))
    if explained:
        return ClaimCheck(concept, EXPLAINED_VERDICT, explained)
    return ClaimCheck(concept, CONTRADICTED, f"not found in the {architecture} model (found: {', '.join(sorted(anatomy.concepts))})")


def check_model(view: ModelView, facts: GraphFacts, inspector: Inspector, visible: set[str]) -> ModelReport:
    """Check every claim of one model (building it with ``inspector`` when it has a runnable configuration)."""
    claims = sorted(slug_of(c) for c in view.concepts)
    runnable = runnable_config(view.id)
    if runnable is None:
        checks = tuple(ClaimCheck(c, NOT_CHECKABLE, "the model has no runnable configuration") for c in claims)
        return ModelReport(view.id, view.name, None, checks)
    architecture, args = runnable
    try:
        anatomy = inspector(architecture, args)
    except Exception as exc:  # a build failure is reported, never hidden
        checks = tuple(ClaimCheck(c, NOT_CHECKABLE, f"the model did not build: {exc}"[:200]) for c in claims)
        return ModelReport(view.id, view.name, architecture, checks)
    return ModelReport(view.id, view.name, architecture, tuple(verdict(view.id, c, anatomy, architecture, facts, visible) for c in claims))


def check_models(store: TripleStore, inspector: Inspector, models: Iterable[str] | None = None) -> list[ModelReport]:
    """Check the models of the graph (all, or the given slugs), ordered by name."""
    iris = repository.list_iris(store, "nnv:Model", "skos:prefLabel")
    wanted = set(models) if models is not None else None
    views = repository.get_models(store, [i for i in iris if wanted is None or slug_of(i) in wanted])
    facts = GraphFacts.read(store)
    visible = detectable(facts)
    return [check_model(views[i], facts, inspector, visible) for i in iris if i in views]


def summary(reports: Iterable[ModelReport]) -> dict[str, int]:
    """Claims per verdict, and how many models were built."""
    reports = list(reports)
    counts: Counter[str] = Counter()
    for report in reports:
        counts.update(report.counts())
    return {
        "models": len(reports),
        "models_built": sum(1 for r in reports if r.architecture is not None),
        **{v: counts[v] for v in (CONFIRMED, CONTRADICTED, EXPLAINED_VERDICT, NOT_CHECKABLE)},
    }


def reports_json(reports: Iterable[ModelReport]) -> dict[str, Any]:
    """The reports and their summary, JSON-able."""
    reports = list(reports)
    return {"summary": summary(reports), "models": [asdict(r) for r in reports]}


def render_markdown(reports: Iterable[ModelReport]) -> str:
    """``docs/model-claims.md``: the summary, a table per built model, then the models without a runnable configuration."""
    reports = list(reports)
    counts = summary(reports)
    lines = [
        "# Model claims checked against the models",
        "",
        'Generated by `nnvocab check-models --report docs`: every "model uses concept" edge of the graph compared with',
        "what `nnvocab inspect` finds in the model built from its published configuration (on the meta device: structure, no weights).",
        "",
        "| models | built | confirmed | contradicted | explained | not checkable |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {counts['models']} | {counts['models_built']} | {counts[CONFIRMED]} | {counts[CONTRADICTED]} "
        f"| {counts[EXPLAINED_VERDICT]} | {counts[NOT_CHECKABLE]} |",
    ]
    for report in (r for r in reports if r.architecture is not None):
        lines += [
            "",
            f"## {report.name} (`{report.model}`, built from `{report.architecture}`)",
            "",
            "| concept | verdict | reason |",
            "|---|---|---|",
        ]
        lines += [f"| {c.concept} | {c.verdict} | {c.reason.replace('|', '/')} |" for c in report.checks]
    missing = [r for r in reports if r.architecture is None]
    if missing:
        lines += ["", "## Models without a runnable configuration", "", "Their claims are not checkable:", ""]
        lines += [f"- {r.name} (`{r.model}`): {', '.join(c.concept for c in r.checks) or 'no claims'}" for r in missing]
    return "\n".join(lines) + "\n"
