"""The pairing report: verdicts with confidence intervals, ablations, targets and two pictures, from stored trials.

:func:`write_report` writes ``pairing-report.md`` (GitHub Markdown), ``pairing-profiles.png``,
``pairing-heatmap.png`` (see :mod:`service.pairing_plots`) and ``pairing-summary.json`` (the counts the
browser's home page shows under the heatmap); :func:`publish_report` copies them to the browser's ``/static``.
"""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from implementations.pairing.evidence import EvidenceReport
from implementations.pairing.families import FAMILY_SPECS
from implementations.pairing.protocol import AblationEvidence, PairEvidence, TrialResult, Verdict
from service.pairing_evidence import get_measured
from service.pairing_plots import draw_heatmap, draw_profiles

STATIC = Path(__file__).resolve().parent / "static"  # the browser's /static: its home page shows the heatmap and summary
NOT_REACHED = "not reached"
PROTOCOL_DOC = "pairing-protocol.md"
PAIR_COLUMNS = (
    "family",
    "optimizer",
    "verdict",
    "metric",
    "median [95% CI]",
    "steps to target [95% CI]",
    "runs",
    "lr",
    "weight decay",
    "reason",
)
ABLATION_COLUMNS = ("family", "optimizer", "extra", "metric", "with [95% CI]", "without [95% CI]", "difference [95% CI]", "effect", "runs")


def format_number(value: float, missing: str = NOT_REACHED) -> str:
    """Four significant digits; ``missing`` for ``inf``/``nan`` (a target never reached, a run that failed)."""
    return f"{value:.4g}" if math.isfinite(value) else missing


def format_steps(value: float) -> str:
    """Whole steps with thousands separators, or :data:`NOT_REACHED`."""
    return f"{value:,.0f}" if math.isfinite(value) else NOT_REACHED


def format_interval(low: float, high: float, fmt: Any = format_number) -> str:
    """``[low, high]`` formatted with ``fmt``."""
    return f"[{fmt(low)}, {fmt(high)}]"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(columns: Sequence[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def _metric(e: PairEvidence | AblationEvidence) -> str:
    return f"{e.metric} ({'↑' if e.higher_is_better else '↓'})"


def _pair_row(e: PairEvidence) -> list[str]:
    return [
        e.family,
        e.optimizer,
        f"**{e.verdict}**" if e.verdict else "",
        _metric(e),
        f"{format_number(e.median, 'failed')} {format_interval(*e.ci, fmt=lambda v: format_number(v, 'failed'))}",
        f"{format_steps(e.steps_to_target)} {format_interval(*e.steps_ci, fmt=format_steps)}",
        str(e.runs),
        f"{e.config.lr:.3g}",
        f"{e.config.weight_decay:g}",
        e.reason,
    ]


def _ablation_row(a: AblationEvidence) -> list[str]:
    return [
        a.family,
        a.optimizer,
        a.extra,
        _metric(a),
        f"{format_number(a.with_median, 'failed')} {format_interval(*a.with_ci)}",
        f"{format_number(a.without_median, 'failed')} {format_interval(*a.without_ci)}",
        format_interval(*a.difference_ci),
        a.effect,
        str(a.runs),
    ]


def _target_row(report: EvidenceReport, family: str, target: float) -> list[str]:
    metric = next((_metric(e) for e in report.pairs if e.family == family), "")
    return [family, metric, format_number(target), report.best.get(family, "")]


def list_unmeasured_claims(report: EvidenceReport) -> list[tuple[str, str]]:
    """The claimed (family, optimizer) pairs of :data:`FAMILY_SPECS` that no run measured."""
    return [(f, o) for f, spec in FAMILY_SPECS.items() for o in spec.claimed if get_measured(report, f, o) is None]


def count_verdicts(report: EvidenceReport) -> dict[str, int]:
    """How many claims have each verdict, every verdict listed; ``unmeasured``: claims without runs."""
    counts = Counter(str(e.verdict) for e in report.claimed() if e.verdict and e.runs)
    return {**{v.value: counts[v.value] for v in Verdict}, "unmeasured": len(list_unmeasured_claims(report))}


def sweep_size(results: Sequence[TrialResult]) -> dict[str, int]:
    """Trials (and how many failed), families, optimizers and seeds of a sweep."""
    configs = [r.config for r in results]
    return {
        "trials": len(results),
        "failed": sum(r.error is not None for r in results),
        "families": len({c.family for c in configs}),
        "optimizers": len({c.optimizer for c in configs}),
        "seeds": len({c.seed for c in configs}),
    }


def render_markdown(report: EvidenceReport, results: Sequence[TrialResult], *, wall_time_s: float | None = None) -> str:
    """The report's Markdown (pictures referenced by their file names next to it)."""
    size, verdicts = sweep_size(results), count_verdicts(report)
    claimed, strong, unmeasured = report.claimed(), report.unclaimed_strong(), list_unmeasured_claims(report)
    wall = f", {wall_time_s / 3600:.2f} h of wall time" if wall_time_s is not None else ""
    text = [
        "# Optimizer–layer pairing evidence",
        "",
        f"Protocol `{report.protocol}` (how trials are tuned, measured and judged: [{PROTOCOL_DOC}]({PROTOCOL_DOC})).",
        f"Sweep: {size['trials']:,} trials ({size['failed']:,} failed) over {size['families']} families, "
        f"{size['optimizers']} optimizers or methods and {size['seeds']} seeds{wall}.",
        f"Verdicts of the {sum(verdicts.values())} claims: " + ", ".join(f"{n} {name}" for name, n in verdicts.items()) + ".",
        "",
        "![performance profiles](pairing-profiles.png)",
        "",
        "![median steps to target, families × optimizers](pairing-heatmap.png)",
        "",
        f"## Verdicts of the claimed pairs ({len(claimed)})",
        "",
        "Medians and 95% bootstrap confidence intervals over the seed runs at each pair's tuned configuration; "
        f"steps to target read “{NOT_REACHED}” when most runs never reach it.",
        "",
        *_table(PAIR_COLUMNS, [_pair_row(e) for e in claimed]),
        "",
        f"Claims without runs ({len(unmeasured)}): " + (", ".join(f"{f} × {o}" for f, o in unmeasured) or "none") + ".",
        "",
        f"## Strong pairs nobody claimed ({len(strong)})",
        "",
        *(_table(PAIR_COLUMNS, [_pair_row(e) for e in strong]) if strong else ["None."]),
        "",
        f"## Recipe extras: ablations ({len(report.ablations)})",
        "",
        "Each claimed extra with and without it, at the same tuned configuration and seeds; "
        "the difference is the median, over the seeds, of with − without at the same seed.",
        "",
        *(_table(ABLATION_COLUMNS, [_ablation_row(a) for a in report.ablations]) if report.ablations else ["None."]),
        "",
        "## Targets",
        "",
        *_table(("family", "metric", "target", "best optimizer"), [_target_row(report, f, t) for f, t in report.targets.items()]),
        "",
    ]
    return "\n".join(text)


def summary_json(report: EvidenceReport, results: Sequence[TrialResult]) -> dict[str, Any]:
    """The protocol, the sweep's size and the verdict counts (what the home page says under the heatmap)."""
    verdicts = count_verdicts(report)
    return {"protocol": report.protocol, **sweep_size(results), "claims": sum(verdicts.values()), "verdicts": verdicts}


def write_report(
    report: EvidenceReport, results: Sequence[TrialResult], directory: Path, *, wall_time_s: float | None = None
) -> dict[str, Path]:
    """Write the report's Markdown, its two pictures and its summary into ``directory``.

    Args:
        report: The evidence (see :func:`implementations.pairing.evidence.summarise`).
        results: The trials behind it (for the sweep's size).
        directory: Where to write; created if missing.
        wall_time_s: The sweep's wall time, stated in the report when given.

    Returns:
        The paths written, by kind: ``markdown``, ``profiles``, ``heatmap``, ``summary``.

    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "markdown": directory / "pairing-report.md",
        "profiles": directory / "pairing-profiles.png",
        "heatmap": directory / "pairing-heatmap.png",
        "summary": directory / "pairing-summary.json",
    }
    draw_profiles(report, paths["profiles"])
    draw_heatmap(report, paths["heatmap"])
    paths["markdown"].write_text(render_markdown(report, results, wall_time_s=wall_time_s), encoding="utf-8")
    paths["summary"].write_text(json.dumps(summary_json(report, results), indent=2) + "\n", encoding="utf-8")
    return paths


def publish_report(paths: dict[str, Path], static: Path = STATIC) -> list[Path]:
    """Copy the files :func:`write_report` wrote into ``static`` (the home page links them from ``/static``); the copies."""
    return [Path(shutil.copy2(path, static / path.name)) for path in paths.values()]
