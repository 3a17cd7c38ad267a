from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ontology.search import default_cache_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))  # bench_search imports its siblings by name
from bench_search import TITLE, Question, Scores, failures, run


def test_scores_are_recall_at_k_and_mean_reciprocal_rank() -> None:
    scores = Scores((1, 3, None, 6))
    assert scores.recall_at(1) == 0.25
    assert scores.recall_at(5) == 0.5
    assert scores.mrr == pytest.approx((1 + 1 / 3 + 1 / 6) / 4)
    questions = [Question(f"q{i}", "loss", (f"c{i}",)) for i in range(4)]
    assert failures(scores, questions) == ["'q2' → c2 (rank > 10)", "'q3' → c3 (rank 6)"]


def test_a_tiny_run_reports_quality_latency_and_costs(tmp_path: Path) -> None:
    outcome = run(tmp_path, big_size=3_000, small_size=1_500, questions=3, vectors=default_cache_dir())
    assert outcome.benchmark == TITLE
    assert isinstance(outcome.met, bool)
    quality, latency, costs = outcome.details
    assert quality.headers == ["mode", "recall@1", "recall@5", "MRR"]
    assert [row[0] for row in quality.rows] == ["LEXICAL", "SEMANTIC", "HYBRID"]
    for row in quality.rows:
        recall_1, recall_5, mrr = (float(cell) for cell in row[1:])
        assert 0 <= recall_1 <= recall_5 <= 1
        assert recall_1 <= mrr <= 1
    assert [row[0] for row in latency.rows] == ["LEXICAL", "SEMANTIC", "HYBRID"]
    assert all(float(cell) > 0 for row in latency.rows for cell in row[1:5])
    assert costs.rows[0][0] == "built-in"
    assert [row[0].endswith(" triples") for row in costs.rows[1:]] == [True, True]
    assert all(float(row[2]) >= 0 for row in costs.rows)  # index build seconds
