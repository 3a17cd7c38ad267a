"""Benchmark 7: search quality on the evaluation set, and search latency at 1M triples vs 10k.

Run: ``.venv/bin/python benchmarks/bench_search.py [--quick] [--big 1000000] [--small 10000] [--questions N]``.

Quality: every question of ``tests/data/search_eval.yaml`` is asked of the built-in graph in each
mode (LEXICAL, SEMANTIC, HYBRID); a question is answered at k when one of its acceptable concepts
is among the first k hits. Reported: recall@1, recall@5 and MRR (over the first 10 hits) per mode,
against the goals recall@5 ≥ 0.9, MRR ≥ 0.7, and hybrid beating both modes alone. The same child
process measures the model's start-up cost: the time to the first hybrid answer of a fresh index
(model load included) and the memory it adds.

Latency: a second child loads the big synthetic graph (``generate_graph.py``), builds its index,
loads the model, then the small graph, and asks the set's questions of both in every mode,
interleaved, so the 1M/10k ratio is measured side by side (goal ≤ 3×, and hybrid p50 ≤ 30 ms at
10k). It also reports each index's build time and the RSS at 1M with the model loaded (goal ≤ 1 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from _common import PYTHON, ROOT, Outcome, Table, ms, percentile, ratio, rss_mb
from bench_scale import benchmark_vectors, load_graph
from generate_graph import GraphInfo, cached

from loaders.builtin import load_builtin
from ontology.namespaces import CONCEPT
from ontology.search import SearchIndex, SearchMode
from ontology.store import GraphStore
from ontology.vocabulary import Vocabulary

EVAL_SET = ROOT / "tests" / "data" / "search_eval.yaml"
MODES = (SearchMode.LEXICAL, SearchMode.SEMANTIC, SearchMode.HYBRID)
RANKED = 10  # hits asked for; MRR counts an answer found within them
GOAL_RECALL_AT_5, GOAL_MRR, GOAL_RATIO, GOAL_HYBRID_P50_MS, GOAL_RSS_MB = 0.9, 0.7, 3.0, 30.0, 1024.0
TITLE = "7. search: quality on the evaluation set; latency at 1M vs 10k triples"
GOAL_TEXT = "recall@5 ≥ 0.9, MRR ≥ 0.7, hybrid beats both; ≤ 3×, hybrid p50 ≤ 30 ms at 10k; ≤ 1 GB"


@dataclass(frozen=True)
class Question:
    """One question of the evaluation set and the concept slugs accepted as its answer (intended first)."""

    text: str
    kind: str
    answers: tuple[str, ...]
    subset: bool = False
    note: str = ""

    @property
    def answer_iris(self) -> frozenset[str]:
        """The accepted concepts' IRIs."""
        return frozenset(str(CONCEPT[slug]) for slug in self.answers)


def load_questions(path: Path = EVAL_SET) -> list[Question]:
    """The evaluation set, in file order."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return [Question(r["question"], r["kind"], tuple(r["answers"]), bool(r.get("subset", False)), r.get("note", "")) for r in rows]


@dataclass(frozen=True)
class Scores:
    """Where each question's first accepted answer ranked (1-based; ``None``: not in the first ``RANKED`` hits)."""

    ranks: tuple[int | None, ...]

    def recall_at(self, k: int) -> float:
        """Share of the questions answered within the first ``k`` hits."""
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks)

    @property
    def mrr(self) -> float:
        """Mean reciprocal rank of the first accepted answer (0 for a question not answered)."""
        return sum(1 / r for r in self.ranks if r is not None) / len(self.ranks)


def answer_rank(index: SearchIndex, question: Question, mode: SearchMode) -> int | None:
    """The 1-based rank of ``question``'s first accepted answer among the hits of ``mode``, or ``None``."""
    accepted = question.answer_iris
    hits = index.search(question.text, first=RANKED, mode=mode)
    return next((i for i, hit in enumerate(hits, 1) if hit.iri in accepted), None)


def score(index: SearchIndex, questions: Sequence[Question], mode: SearchMode) -> Scores:
    """Ask every question in ``mode``."""
    return Scores(tuple(answer_rank(index, q, mode) for q in questions))


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _index(store: GraphStore) -> tuple[SearchIndex, float]:
    """A new vocabulary's search index over ``store`` and the seconds its build took (one lexical query included)."""
    vocab = Vocabulary(store)
    seconds = _seconds(lambda: vocab.search_index.search("index", first=1, mode=SearchMode.LEXICAL))
    return vocab.search_index, seconds


def quality_worker(count: int | None) -> dict[str, Any]:
    """Run in a child: the model's start-up cost on the built-in graph, then every question in every mode."""
    questions = load_questions()[:count]
    out: dict[str, Any] = {"rss_start": rss_mb()}
    store = GraphStore()
    out["load_s"] = _seconds(lambda: load_builtin(store))
    index, out["build_s"] = _index(store)
    out["rss_index"] = rss_mb()
    out["first_hybrid_ms"] = _seconds(lambda: index.search(questions[0].text, first=RANKED, mode=SearchMode.HYBRID)) * 1000
    out["rss_model"] = rss_mb()
    out["ranks"] = {mode.name: score(index, questions, mode).ranks for mode in MODES}
    return out


def latency_worker(big: GraphInfo, small: GraphInfo, count: int | None) -> dict[str, Any]:
    """Run in a child: index both graphs, load the model, then time every question in every mode on both, interleaved."""
    texts = [q.text for q in load_questions()[:count]]
    out: dict[str, Any] = {"rss_start": rss_mb(), "load_s": {}, "build_s": {}, "first_hybrid_ms": {}}
    indexes = {}
    for side, info in (("big", big), ("small", small)):
        store, out["load_s"][side] = load_graph(info)  # streamed: a whole file in memory would stay in the RSS
        indexes[side], out["build_s"][side] = _index(store)
        out.setdefault("rss_index", rss_mb())  # the big graph's, before the model loads
        out["first_hybrid_ms"][side] = _seconds(partial(indexes[side].search, texts[0], RANKED, SearchMode.HYBRID)) * 1000
        out.setdefault("rss_model", rss_mb())
    samples: dict[str, dict[str, list[float]]] = {side: {mode.name: [] for mode in MODES} for side in indexes}
    for mode in MODES:
        for i, text in enumerate(texts):
            for side in sorted(indexes, reverse=bool(i % 2)):  # alternate which graph goes first
                samples[side][mode.name].append(_seconds(partial(indexes[side].search, text, RANKED, mode)) * 1000)
    out["p50_ms"] = {side: {m: percentile(v, 50) for m, v in by_mode.items()} for side, by_mode in samples.items()}
    out["p95_ms"] = {side: {m: percentile(v, 95) for m, v in by_mode.items()} for side, by_mode in samples.items()}
    out["rss_end"] = rss_mb()
    return out


def _child(args: Sequence[str], cache: Path, timeout_s: float) -> dict[str, Any]:
    """Run this script as a worker child with its vector cache in ``cache``; return the JSON it printed."""
    cmd = [PYTHON, __file__, *args]
    env = {**os.environ, "NNV_CACHE_DIR": str(cache)}
    out = subprocess.run(cmd, cwd=Path(__file__).parent, capture_output=True, text=True, timeout=timeout_s, env=env)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _quality_table(quality: dict[str, Any], count: int) -> tuple[Table, dict[str, Scores]]:
    scores = {mode.name: Scores(tuple(quality["ranks"][mode.name])) for mode in MODES}
    table = Table(f"Search quality on {count} questions of tests/data/search_eval.yaml", ["mode", "recall@1", "recall@5", "MRR"])
    for name, s in scores.items():
        table.rows.append([name, f"{s.recall_at(1):.2f}", f"{s.recall_at(5):.2f}", f"{s.mrr:.2f}"])
    return table, scores


def _latency_table(lat: dict[str, Any], big: GraphInfo, small: GraphInfo, count: int) -> tuple[Table, dict[str, float]]:
    table = Table(
        f"Search latency at {big.triples:,} vs {small.triples:,} triples, {count} questions per mode, interleaved (ms)",
        ["mode", "small p50", "small p95", "big p50", "big p95", "big / small (p50)"],
    )
    ratios = {}
    for mode in MODES:
        p50, p95 = ({side: lat[key][side][mode.name] for side in ("small", "big")} for key in ("p50_ms", "p95_ms"))
        ratios[mode.name] = p50["big"] / p50["small"]
        table.rows.append([mode.name, ms(p50["small"]), ms(p95["small"]), ms(p50["big"]), ms(p95["big"]), ratio(p50["big"], p50["small"])])
    return table, ratios


def _cost_table(cold: dict[str, Any] | None, warm: dict[str, Any], lat: dict[str, Any], big: GraphInfo, small: GraphInfo) -> Table:
    table = Table(
        "Index build and model start-up (the built-in graph in one process, both synthetic graphs in another, big first)",
        ["graph", "load s", "index build s", "1st hybrid answer ms", "RSS before model MB", "RSS with model MB", "peak MB"],
    )
    for name, m in (("built-in, vectors computed", cold), ("built-in, vectors cached", warm)) if cold else (("built-in", warm),):
        cells = [f"{m['load_s']:.2f}", f"{m['build_s']:.2f}", ms(m["first_hybrid_ms"])]
        table.rows.append(
            [
                name,
                *cells,
                *(f"{m[key][which]:.0f}" for key, which in (("rss_index", "current"), ("rss_model", "current"), ("rss_model", "peak"))),
            ]
        )
    for side, info in (("big", big), ("small", small)):
        rss = [f"{lat['rss_index']['current']:.0f}", f"{lat['rss_model']['current']:.0f}", f"{lat['rss_end']['peak']:.0f}"]
        cells = [f"{lat['load_s'][side]:.2f}", f"{lat['build_s'][side]:.2f}", ms(lat["first_hybrid_ms"][side])]
        table.rows.append([f"{info.triples:,} triples", *cells, *(rss if side == "big" else ["(same process)"] * 3)])
    return table


def failures(scores: Scores, questions: Sequence[Question], k: int = 5) -> list[str]:
    """The questions not answered within the first ``k`` hits, with the rank of their answer."""
    return [
        f"{q.text!r} → {q.answers[0]} (rank {r or f'> {RANKED}'})"
        for q, r in zip(questions, scores.ranks, strict=True)
        if r is None or r > k
    ]


def run(
    workdir: Path, big_size: int = 1_000_000, small_size: int = 10_000, questions: int | None = None, vectors: Path | None = None
) -> Outcome:
    """Benchmark 7 as one summary row and detail tables (quality, latency, costs).

    Args:
        workdir: where the synthetic graphs (and, by default, the vector cache) go.
        big_size: triples of the big synthetic graph.
        small_size: triples of the small one.
        questions: ask only the first N questions of the set (all by default).
        vectors: the embedding cache to use (it may be warm: the cold start is then not measured); by
            default ``benchmark_vectors()``, and a first child measures the cold start with a new, empty one.
    """
    asked = load_questions()[:questions]
    count = ["--questions", str(len(asked))]
    cache = vectors or benchmark_vectors()
    cold = None if vectors else _child(["--quality", "--questions", "1"], workdir / "cold-vectors", 600)  # computes the built-in's
    quality = _child(["--quality", *count], cache, 600)
    small, big = cached(workdir, small_size), cached(workdir, big_size)
    for info in (big, small):
        info.save(Path(info.path).with_suffix(".json"))
    lat = _child(["--latency", str(Path(big.path).with_suffix(".json")), str(Path(small.path).with_suffix(".json")), *count], cache, 1800)
    quality_table, scores = _quality_table(quality, len(asked))
    latency_table, ratios = _latency_table(lat, big, small, len(asked))
    hybrid = scores[SearchMode.HYBRID.name]
    alone = [scores[m.name] for m in MODES if m is not SearchMode.HYBRID]
    beats = hybrid.mrr > max(s.mrr for s in alone) and hybrid.recall_at(5) >= max(s.recall_at(5) for s in alone)
    worst = max(ratios, key=lambda k: ratios[k])
    hybrid_p50 = lat["p50_ms"]["small"][SearchMode.HYBRID.name]
    peak = lat["rss_end"]["peak"]
    measured = (
        f"hybrid recall@5 {hybrid.recall_at(5):.2f}, MRR {hybrid.mrr:.2f} ({'beats' if beats else 'does NOT beat'} both); "
        f"worst {ratio(ratios[worst], 1)} ({worst}); hybrid p50 {ms(hybrid_p50)} ms at {small.triples / 1e3:.0f}k; "
        f"peak RSS {peak:.0f} MB at {big.triples / 1e6:.1f}M; "
        f"1st hybrid answer {quality['first_hybrid_ms'] / 1000:.1f} s"
        + (f" ({cold['first_hybrid_ms'] / 1000:.1f} s computing the vectors)" if cold else "")
    )
    met = (
        hybrid.recall_at(5) >= GOAL_RECALL_AT_5
        and hybrid.mrr >= GOAL_MRR
        and beats
        and ratios[worst] <= GOAL_RATIO
        and hybrid_p50 <= GOAL_HYBRID_P50_MS
        and peak <= GOAL_RSS_MB
    )
    missed = failures(hybrid, asked)
    notes = [f"hybrid misses in the top 5 ({len(missed)}): " + "; ".join(missed)] if missed else []
    return Outcome(TITLE, measured, GOAL_TEXT, met, [quality_table, latency_table, _cost_table(cold, quality, lat, big, small)], notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny graphs and 5 questions (a smoke check)")
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--questions", type=int, help="ask only the first N questions of the set")
    parser.add_argument("--quality", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--latency", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quality or args.latency:
        if args.quality:
            result = quality_worker(args.questions)
        else:
            big, small = (GraphInfo.load(Path(p)) for p in args.latency)
            result = latency_worker(big, small, args.questions)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    big_size, small_size, count = (4_000, 2_000, 5) if args.quick else (args.big, args.small, args.questions)  # --quick: a smoke check
    with tempfile.TemporaryDirectory(prefix="nnv-bench-") as tmp:
        outcome = run(Path(tmp), big_size, small_size, count)
    outcome.show()


if __name__ == "__main__":
    main()
