"""The graph's "model uses concept" edges checked against inspected models: no unexplained contradiction."""

from __future__ import annotations

from typing import Any

from implementations.anatomy.advise import builtin_store
from implementations.anatomy.check_models import (
    CONFIRMED,
    CONTRADICTED,
    NOT_CHECKABLE,
    GraphFacts,
    check_models,
    detectable,
    render_markdown,
    verdict,
)
from implementations.anatomy.inspect import Anatomy, Finding, inspect_term


def _meta_inspector(architecture: str, args: dict[str, Any]) -> Anatomy:
    return inspect_term(architecture, args, "meta")


def test_verdicts_follow_findings_hierarchy_and_kind() -> None:
    facts = GraphFacts.read(builtin_store())
    visible = detectable(facts)
    anatomy = Anatomy("X", 10, (Finding("swiglu", 2, 10, 1.0), Finding("rmsnorm", 1, 0, 0.0)))
    assert verdict("m", "gated-linear-unit", anatomy, "llama", facts, visible).verdict == CONFIRMED  # via the narrower SwiGLU
    assert verdict("m", "layer-normalization", anatomy, "llama", facts, visible).verdict == CONTRADICTED
    assert verdict("m", "adamw", anatomy, "llama", facts, visible).verdict == NOT_CHECKABLE
    assert verdict("m", "llama", anatomy, "llama", facts, visible).verdict == CONFIRMED


def test_no_model_claim_is_contradicted_without_an_explanation() -> None:
    reports = check_models(builtin_store(), _meta_inspector)
    contradictions = [(r.model, c.concept, c.reason) for r in reports for c in r.checks if c.verdict == CONTRADICTED]
    assert contradictions == []
    assert render_markdown(reports).startswith("# Model claims")
