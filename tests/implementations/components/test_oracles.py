"""Oracles of modules and losses: right values by hand, oracle cases run, and broken modules rejected."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor

from implementations import ImplementationError, ImplementationSpec, create, get_implementation, register_implementation
from implementations.components.layers.attention_checks import alibi_oracle, alibi_paper_slope, scores_fewer_queries
from implementations.components.training.loss_checks import focal_oracle
from implementations.registry.smoke import _inputs, _module_oracle, run_smoke_test
from implementations.registry.spec import Family, OracleCase

# The paper's slopes (Press, Smith & Lewis 2022, Sec. 3), worked out by hand: for H = 6 the four
# slopes of 4 heads (2^-2, 2^-4, 2^-6, 2^-8), then every other slope of 8 heads (2^-1, 2^-3).
SLOPES_6 = [2**-2, 2**-4, 2**-6, 2**-8, 2**-1, 2**-3]
SLOPES_12 = [2.0**-k for k in range(1, 9)] + [2**-0.5, 2**-1.5, 2**-2.5, 2**-3.5]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _oracle_checks(term: str, args: dict[str, Any] | None = None) -> dict[str, tuple[bool, str | None]]:
    result = run_smoke_test(term, args)
    return {c.name: (c.ok, c.detail) for c in result.checks if c.name.startswith("oracle")}


# --- ALiBi ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("heads", "slopes"), [(6, SLOPES_6), (12, SLOPES_12), (8, [2.0**-k for k in range(1, 9)])])
def test_alibi_oracle_uses_the_papers_slopes(heads: int, slopes: list[float]) -> None:
    assert [alibi_paper_slope(h, heads) for h in range(heads)] == pytest.approx(slopes, rel=1e-12)
    bias = alibi_oracle(None, (torch.zeros(1, heads, 4, 4),), {})[0]
    for h, slope in enumerate(slopes):  # one key back costs m_h, three keys back 3·m_h
        assert float(bias[h, 3, 2]) == pytest.approx(-slope) and float(bias[h, 3, 0]) == pytest.approx(-3 * slope)
        assert float(bias[h, 1, 3]) == pytest.approx(-2 * slope)


def test_alibi_oracle_aligns_the_last_query_with_the_last_key() -> None:
    (scores,) = scores_fewer_queries({"num_heads": 6})
    assert scores.shape == (2, 6, 3, 8)
    bias = alibi_oracle(None, (torch.zeros(1, 6, 3, 8),), {})[0]
    assert float(bias[4, 2, 7]) == 0.0 and float(bias[4, 0, 5]) == 0.0  # query i sits at key 5 + i
    assert float(bias[4, 0, 0]) == pytest.approx(-5 * 2**-1)


@pytest.mark.parametrize("heads", [6, 12])
def test_alibi_with_a_head_count_not_a_power_of_two_passes_its_oracle(heads: int) -> None:
    checks = _oracle_checks("alibi", {"num_heads": heads})
    assert checks["oracle"][0], checks
    defaults = _oracle_checks("alibi")
    assert defaults[f"oracle[num_heads={heads}]"][0] and defaults["oracle[num_heads=6, sample=scores_fewer_queries]"][0]


def test_alibi_oracle_rejects_the_power_of_two_formula_at_six_heads() -> None:
    spec = get_implementation("alibi")
    module = create("alibi", num_heads=6)
    module.slopes = torch.tensor([2.0 ** (-8 * (h + 1) / 6) for h in range(6)])  # the old rule for every H
    check = _module_oracle(spec, module, _inputs(spec, {"num_heads": 6}), {"num_heads": 6})
    assert not check.ok and check.detail and "max |diff|" in check.detail


# --- oracle cases in the registry -----------------------------------------------------------------


def test_oracle_cases_are_labelled_and_validated() -> None:
    assert OracleCase({"num_heads": 6}, "implementations.components.layers.attention_checks:scores_fewer_queries").label == (
        "num_heads=6, sample=scores_fewer_queries"
    )
    with pytest.raises(ImplementationError, match=r"\['num_head'\] are not declared"):
        register_implementation(
            ImplementationSpec("not-a-concept", "torch.nn.ReLU", Family.MODULE, oracle="x:y", oracle_cases=(OracleCase({"num_head": 6}),))
        )
    with pytest.raises(ImplementationError, match="need an oracle"):
        register_implementation(ImplementationSpec("not-a-concept", "torch.nn.ReLU", Family.MODULE, oracle_cases=(OracleCase(),)))


def test_arguments_given_by_hand_replace_the_oracle_cases() -> None:
    assert set(_oracle_checks("squeeze-and-excitation", {"channels": 5})) == {"oracle"}


# --- building blocks: each oracle passes the block and rejects a broken one -----------------------

Broken = Callable[[Any, Tensor], Tensor]


def _broken_depthwise(m: Any, x: Tensor) -> Tensor:
    dw = m.depthwise  # convolution instead of cross-correlation: the kernel flipped
    return m.pointwise(F.conv2d(x, dw.weight.flip(-1, -2), dw.bias, padding=dw.padding, groups=dw.groups))  # type: ignore[no-any-return]


def _broken_patches(m: Any, x: Tensor) -> Tensor:
    tokens_column_major = m.proj(x).transpose(2, 3).flatten(2).transpose(1, 2)
    return tokens_column_major  # type: ignore[no-any-return]


def _broken_spectral(m: Any, x: Tensor) -> Tensor:
    return F.linear(x, m.linear.parametrizations.weight.original, m.linear.bias)  # not normalised


def _broken_weight_norm(m: Any, x: Tensor) -> Tensor:
    weights = m.linear.parametrizations.weight
    return F.linear(x, weights.original0 * weights.original1, m.linear.bias)  # g·v without ‖v‖


BROKEN: dict[str, Broken] = {
    "squeeze-and-excitation": lambda m, x: x * m.fc2(torch.relu(m.fc1(x.mean(dim=(2, 3)))))[:, :, None, None],  # no sigmoid
    "depthwise-separable-convolution": _broken_depthwise,
    "patch-embedding": _broken_patches,
    "position-wise-feed-forward": lambda m, x: m.fc2(m.fc1(x)),  # no activation
    "fire-module": lambda m, x: torch.cat(
        [torch.relu(m.expand3(torch.relu(m.squeeze(x)))), torch.relu(m.expand1(torch.relu(m.squeeze(x))))], 1
    ),
    "weight-normalization": _broken_weight_norm,
    "spectral-normalization": _broken_spectral,
    "sparse-linear": lambda m, x: m.linear(x),  # mask ignored
    "residual-block": lambda m, x: torch.relu(m.body(x)),  # no shortcut
}


@pytest.mark.parametrize("term", sorted(BROKEN))
def test_block_oracle_accepts_the_block_and_rejects_a_broken_one(term: str) -> None:
    spec = get_implementation(term)
    assert spec.oracle and spec.oracle.startswith("implementations.components.layers.block_oracles:")
    args = spec.validate_args(spec.smoke_args)
    torch.manual_seed(0)
    module, inputs = create(term, **args), _inputs(spec, args)
    good = _module_oracle(spec, module, inputs, args)
    assert good.ok, good.detail
    module.forward = lambda *xs: BROKEN[term](module, xs[0])
    bad = _module_oracle(spec, module, inputs, args)
    assert not bad.ok, f"{term}: the oracle accepted a broken block ({bad.detail})"


def test_spectral_norm_oracle_weight_has_top_singular_value_one() -> None:
    module = create("spectral-normalization").eval()
    assert float(torch.linalg.matrix_norm(module.linear.weight.detach().double(), ord=2)) == pytest.approx(1.0, abs=1e-5)


def test_block_oracle_rejects_a_perturbed_output() -> None:
    spec = get_implementation("patch-embedding")
    args = spec.validate_args({})
    module, inputs = create("patch-embedding"), _inputs(spec, args)
    forward = module.forward
    module.forward = lambda x: forward(x) + F.one_hot(torch.tensor(0), 16).float() * 1e-3
    assert not _module_oracle(spec, module, inputs, args).ok


# --- focal loss with soft targets -----------------------------------------------------------------


def test_focal_oracle_with_a_soft_target_by_hand() -> None:
    logits, target = torch.zeros(1, 1, dtype=torch.float64), torch.full((1, 1), 0.3, dtype=torch.float64)
    # p = ½ whatever y, so p_t = ½^0.3·½^0.7 = ½; α_t = 0.25·0.3 + 0.75·0.7 = 0.6; FL = 0.6·(½)²·ln 2
    expected = 0.6 * 0.25 * math.log(2)
    value = focal_oracle(None, (logits, target), {"alpha": 0.25, "gamma": 2.0})  # type: ignore[arg-type]
    assert float(value) == pytest.approx(expected, rel=1e-12)
    assert float(create("focal-loss")(logits, target)) == pytest.approx(expected, rel=1e-12)


def test_focal_oracle_rejects_a_loss_that_rounds_soft_targets() -> None:
    torch.manual_seed(1)
    logits, target = torch.randn(4, 3), torch.rand(4, 3)
    args = {"alpha": 0.25, "gamma": 2.0}
    expected = focal_oracle(None, (logits, target), args)  # type: ignore[arg-type]
    rounded = create("focal-loss")(logits, target.round())
    assert abs(float(rounded) - float(expected)) > 1e-3
    checks = _oracle_checks("focal-loss")
    assert checks["oracle[alpha=0.25, gamma=2.0, sample=soft_targets]"][0]
