"""The registry drives the test matrix: every registration passes its smoke test, in process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from implementations import (
    Family,
    ImplementationError,
    ImplementationSpec,
    Origin,
    UnknownImplementationError,
    create,
    get_implementation,
    list_implementations,
    register_implementation,
)
from implementations.registry.coverage import IMPLEMENTABLE, coverage_report
from implementations.registry.smoke import run_smoke_test
from loaders.curated import load_curated

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("term", list_implementations())
def test_every_registration_passes_its_smoke_test(term: str) -> None:
    result = run_smoke_test(term)
    failed = [(c.name, c.detail) for c in result.checks if not c.ok]
    assert result.ok, f"{term}: {result.error} {failed}"
    assert result.checks
    cases = [c.name for c in result.checks if c.name.startswith("oracle[")]
    assert cases == [f"oracle[{case.label}]" for case in get_implementation(term).oracle_cases]


def test_oracle_cases_cover_head_counts_short_queries_and_soft_targets() -> None:
    cases = {term: get_implementation(term).oracle_cases for term in list_implementations()}
    heads = {term for term, found in cases.items() for case in found if any(v & (v - 1) for k, v in case.args.items() if "heads" in k)}
    assert {"alibi", "grouped-query-attention", "multi-query-attention", "sliding-window-attention", "linear-attention", "gat"} <= heads
    assert {term for term, found in cases.items() for case in found if case.sample and "cross_attention" in case.sample} == {
        "grouped-query-attention",
        "multi-query-attention",
    }
    assert [case.args["num_heads"] for case in cases["alibi"] if case.sample and "fewer_queries" in case.sample] == [8, 6]
    assert any(case.sample and case.sample.endswith("soft_targets") for case in cases["focal-loss"])


def test_every_registration_names_a_concept_and_every_gap_is_explained() -> None:
    concepts = load_curated().concepts
    orphans = [name for name in list_implementations() if name not in concepts]
    assert orphans == []
    unexplained = [row.concept for row in coverage_report() if row.target is None and row.reason is None]
    assert unexplained == []
    implementable = [r for r in coverage_report() if r.kind in IMPLEMENTABLE and r.status == "ESTABLISHED"]
    assert sum(r.target is not None for r in implementable) >= 0.6 * len(implementable)


def test_duplicate_registration_raises() -> None:
    with pytest.raises(ImplementationError, match="already registered"):
        register_implementation(ImplementationSpec("linear", "torch.nn.Linear", Family.MODULE))


def test_targets_outside_torch_and_project_are_refused() -> None:
    with pytest.raises(ImplementationError, match="must start with"):
        register_implementation(ImplementationSpec("not-a-concept", "os.system", Family.MODULE))


def test_list_filters_with_fnmatch_and_family() -> None:
    optimizers = list_implementations(family=Family.OPTIMIZER)
    assert {"adam", "adamw", "sgd"} <= set(optimizers)
    assert all(get_implementation(o).family is Family.OPTIMIZER for o in optimizers)
    assert list_implementations(include="conv*", exclude="conv3d") == sorted(
        n for n in list_implementations() if n.startswith("conv") and n != "conv3d"
    )


def test_terms_resolve_like_the_graph() -> None:
    assert get_implementation("Layer Norm").concept == "layer-normalization"
    assert get_implementation("LN").concept == get_implementation("layernorm").concept
    with pytest.raises(UnknownImplementationError) as info:
        get_implementation("layernrom")
    assert isinstance(info.value, LookupError)
    assert "did you mean" in str(info.value) and "Layer Normalization" in info.value.suggestions


def test_bad_arguments_are_refused_with_the_accepted_list() -> None:
    with pytest.raises(ImplementationError, match="accepted: bias, in_features, out_features"):
        create("linear", in_features=4, out_featurez=2)
    with pytest.raises(ImplementationError, match="in_features"):
        create("linear", in_features="4")
    with pytest.raises(ImplementationError, match="pass params"):
        create("adamw")


def test_create_returns_ready_objects() -> None:
    import torch

    layer = create("Linear", in_features=4, out_features=2)
    assert isinstance(layer, torch.nn.Linear) and layer.weight.shape == (2, 4)
    optimizer = create("AdamW", params=layer.parameters(), lr=1e-3)
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.defaults["weight_decay"] == 0.01
    scheduler = create("cosine annealing", optimizer=optimizer, T_max=10)
    assert isinstance(scheduler, torch.optim.lr_scheduler.CosineAnnealingLR)
    init = create("kaiming initialization")
    weight = init(torch.empty(64, 128))
    assert abs(float(weight.std()) - (2 / 128) ** 0.5) < 0.01
    assert get_implementation("linear").origin is Origin.BUILTIN


def test_listing_does_not_import_torch() -> None:
    code = "import sys; from implementations import list_implementations; n = len(list_implementations()); print(n, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout.split()
    assert int(out[0]) > 50 and out[1] == "False"


def test_no_stale_coverage_reasons() -> None:
    from implementations.registry.coverage import REASONS

    assert sorted(set(REASONS) & set(list_implementations())) == []
