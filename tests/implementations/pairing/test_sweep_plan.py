"""The pairing sweep's plan and its phases, run on the sequential backend with a fake trial function."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from implementations.pairing.families import BASELINE, FAMILY_SPECS
from implementations.pairing.protocol import Phase, TrialConfig, TrialResult
from implementations.pairing.sweep import PlanError, SweepPlan, run_sweep, select_pairs, tuning_points
from implementations.pairing.sweep.plan import DECAYED, LR_RANGES, WEIGHT_DECAY_RANGE
from tests.implementations.pairing.sweep_fakes import fake_result

STEPS = {family: 10 for family in FAMILY_SPECS}


def _plan(pairs: dict[str, tuple[str, ...]], tune_budget: int = 4, seeds: int = 3) -> SweepPlan:
    return SweepPlan(pairs, STEPS, tune_budget=tune_budget, seeds=seeds)


def test_every_candidate_gets_the_same_budget_of_distinct_configs() -> None:
    plan = _plan(select_pairs(every_candidate=True), tune_budget=8)
    sizes = {pair: len({c.config_hash() for c in plan.tuning(pair)}) for pair in plan.pair_list()}
    assert set(sizes.values()) == {8}
    assert len(sizes) == sum(len(spec.candidates) for spec in FAMILY_SPECS.values()) == 7 * 13 + 3
    transformer = plan.tuning(("transformer", "adamw"))[0]
    assert (transformer.seed, transformer.steps, transformer.extras) == (0, 10, ("decay-split", "warmup-cosine"))


@pytest.mark.parametrize("optimizer", sorted(LR_RANGES))
def test_learning_rates_and_weight_decay_stay_in_their_ranges(optimizer: str) -> None:
    low, high = LR_RANGES[optimizer]
    points = tuning_points(optimizer, 8)
    assert all(low <= lr <= high for lr, _ in points)
    assert max(lr for lr, _ in points) / min(lr for lr, _ in points) > (high / low) ** 0.5  # spread over the range
    if optimizer in DECAYED:
        assert all(WEIGHT_DECAY_RANGE[0] <= wd <= WEIGHT_DECAY_RANGE[1] for _, wd in points)
        assert len({wd for _, wd in points}) == 8
    else:
        assert {wd for _, wd in points} == {0.0}
        assert [points[0][0], points[-1][0]] == pytest.approx([low, high])


def test_the_same_unit_points_map_onto_each_optimizers_range() -> None:
    adamw, lion = tuning_points("adamw", 8), tuning_points("lion", 8)
    assert [a / b for (a, _), (b, _) in zip(adamw, lion, strict=True)] == pytest.approx([10.0] * 8)  # both span 3 decades
    assert [wd for _, wd in adamw] == [wd for _, wd in lion]


def test_seed_runs_reuse_the_tuning_run_and_add_new_seeds() -> None:
    plan = _plan({"linear": ("adam",)}, seeds=5)
    best = plan.tuning(("linear", "adam"))[2]
    runs = plan.seed_runs(best)
    assert runs[0].config_hash() == best.config_hash()
    assert [r.seed for r in runs] == [0, 1, 2, 3, 4]
    assert len({r.config_hash() for r in runs}) == 5
    assert {(r.lr, r.weight_decay, r.extras) for r in runs} == {(best.lr, best.weight_decay, best.extras)}


def test_ablations_only_for_claimed_pairs_with_extras() -> None:
    plan = _plan(select_pairs(every_candidate=True), seeds=5)
    claimed = plan.ablations(plan.tuning(("transformer", "adamw"))[0])
    assert Counter(c.extras for c in claimed) == {("warmup-cosine",): 5, ("decay-split",): 5}
    assert plan.ablations(plan.tuning(("transformer", "adam"))[0]) == []  # not claimed
    assert plan.ablations(plan.tuning(("embedding", "adamw"))[0]) == []  # claimed, no extras


def test_default_selection_is_the_claims_plus_the_baseline() -> None:
    pairs = select_pairs(every_candidate=False)
    assert pairs["transformer"] == ("sgd", "adamw", "lion", "sophia")
    assert pairs["spiking-neural-network"] == ("surrogate-gradient", "stdp", "sgd")
    assert all(BASELINE in candidates for candidates in pairs.values())
    assert select_pairs(["linear"], ["lion"], every_candidate=True) == {"linear": ("lion",)}
    assert select_pairs(None, ["rmsprop"], every_candidate=False) == {"recurrent-neural-network": ("rmsprop",)}


def test_unknown_family_or_optimizer_is_a_plan_error() -> None:
    with pytest.raises(PlanError, match="no task family 'mlp'"):
        select_pairs(["mlp"], every_candidate=True)
    with pytest.raises(PlanError, match="'stdp' is no candidate of linear"):
        select_pairs(["linear"], ["stdp"], every_candidate=True)


def _sweep(plan: SweepPlan, stored: list[TrialResult], budget: int | None = None) -> tuple[list[tuple[TrialResult, Phase]], int, int]:
    got: list[tuple[TrialResult, Phase]] = []
    outcome = run_sweep(plan, stored, lambda r, p: got.append((r, p)), trial_fn=fake_result, budget=budget, backend="sequential")
    assert outcome.backend == "sequential"
    return got, outcome.skipped, outcome.left


def test_a_sweep_runs_tune_then_seeds_then_ablations_from_the_best_config() -> None:
    plan = _plan({"linear": ("adam", "lion")}, tune_budget=4, seeds=3)
    got, skipped, left = _sweep(plan, [])
    phases = Counter(p for _, p in got)
    assert phases == {Phase.TUNE: 8, Phase.SEED: 2 * 2, Phase.ABLATION: 3}  # only adam is claimed on linear
    assert len(got) == plan.total() == 15 and (skipped, left) == (0, 0)
    assert [p for _, p in got] == sorted((p for _, p in got), key=list(Phase).index)
    tuned_adam = [r for r, p in got if p is Phase.TUNE and r.config.optimizer == "adam"]
    best_lr = max(tuned_adam, key=lambda r: r.final_val_metric).config.lr
    assert best_lr == pytest.approx(1e-2)
    seeds = [r.config for r, p in got if p is Phase.SEED and r.config.optimizer == "adam"]
    assert {c.lr for c in seeds} == {best_lr} and sorted(c.seed for c in seeds) == [1, 2]
    ablated = [r.config for r, p in got if p is Phase.ABLATION]
    assert {(c.lr, c.extras) for c in ablated} == {(best_lr, ())} and sorted(c.seed for c in ablated) == [0, 1, 2]


def test_budget_cut_and_resume_complete_the_plan_without_duplicates() -> None:
    plan = _plan({"linear": ("adam", "lion")}, tune_budget=4, seeds=3)
    first, skipped, left = _sweep(plan, [], budget=5)
    assert (len(first), skipped, left) == (5, 0, 10)
    second, skipped, left = _sweep(plan, [r for r, _ in first], budget=6)
    assert (len(second), skipped, left) == (6, 5, 4)
    stored = [r for r, _ in first + second]
    third, skipped, left = _sweep(plan, stored)
    assert (len(third), skipped, left) == (4, 11, 0)
    hashes = [r.config.config_hash() for r, _ in first + second + third]
    assert len(hashes) == len(set(hashes)) == plan.total()
    again, skipped, left = _sweep(plan, stored + [r for r, _ in third])
    assert (again, skipped, left) == ([], 15, 0)


def test_a_pair_whose_tuning_all_failed_gets_no_seed_runs() -> None:
    def trial(config: TrialConfig) -> TrialResult:
        result = fake_result(config)
        return replace(result, error="diverged") if config.optimizer == "lion" else result

    plan = _plan({"linear": ("adam", "lion")}, tune_budget=2, seeds=3)
    outcome = run_sweep(plan, [], lambda r, p: None, trial_fn=trial, backend="sequential")
    assert outcome.untuned == [("linear", "lion")]
    assert (outcome.run, outcome.failed, outcome.left) == (2 + 2 + 3 + 2, 2, 0)
