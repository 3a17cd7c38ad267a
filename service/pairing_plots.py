"""The pictures of the pairing report: AlgoPerf-style performance profiles and a steps-to-target heatmap.

Both measure a pair by its median steps to the family's validation target over the fewest steps any
optimizer of that family needed (the ratio τ of AlgoPerf's performance profiles). matplotlib (Agg) is
imported when a picture is drawn, never when the module is.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from implementations.pairing.evidence import EvidenceReport, performance_profiles
from implementations.pairing.evidence.profiles import step_ratio
from implementations.pairing.families import FAMILY_SPECS
from implementations.pairing.protocol import PairEvidence, Verdict

TAU_POINTS = 200  # points of each profile along its log-scaled τ axis
TAU_AT_LEAST = 4.0  # the profiles' τ axis reaches at least this ratio (AlgoPerf's τ_max)
RATIO_TICKS = (1, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000)
VERDICT_LETTERS = {Verdict.SUPPORTED: "S", Verdict.CONTRADICTED: "C", Verdict.INCONCLUSIVE: "I"}
DPI = 110


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _measured(report: EvidenceReport) -> list[PairEvidence]:
    return [e for e in report.pairs if e.runs]


def step_ratios(report: EvidenceReport) -> dict[tuple[str, str], float]:
    """Each measured pair's median steps to target over its family's fewest (``inf``: never reached)."""
    fewest: dict[str, float] = {}
    for e in _measured(report):
        fewest[e.family] = min(fewest.get(e.family, math.inf), e.steps_to_target)
    return {
        (e.family, e.optimizer): step_ratio(e.steps_to_target, fewest[e.family]) if math.isfinite(e.steps_to_target) else math.inf
        for e in _measured(report)
    }


def list_families(report: EvidenceReport) -> list[str]:
    """The measured families, in the order of :data:`FAMILY_SPECS` (others after them, by name)."""
    measured = {e.family for e in _measured(report)}
    return [f for f in FAMILY_SPECS if f in measured] + sorted(measured - set(FAMILY_SPECS))


def list_optimizers(report: EvidenceReport) -> list[str]:
    """The measured optimizers and methods, in the order the families list them as candidates."""
    measured = {e.optimizer for e in _measured(report)}
    ordered = dict.fromkeys(o for spec in FAMILY_SPECS.values() for o in spec.candidates if o in measured)
    return [*ordered, *sorted(measured - set(ordered))]


def tau_axis(ratios: dict[tuple[str, str], float]) -> list[float]:
    """Log-spaced τ from 1 to past the largest finite ratio (at least :data:`TAU_AT_LEAST`)."""
    top = max([TAU_AT_LEAST, *(1.1 * r for r in ratios.values() if math.isfinite(r))])
    return [top ** (i / (TAU_POINTS - 1)) for i in range(TAU_POINTS)]


def ratio_ticks(top: float) -> list[float]:
    """The ratios labelled on a log axis that ends at ``top``."""
    return [t for t in RATIO_TICKS if t <= top]


def _label_ratios(axis: Any, top: float) -> None:
    """Label a log-scaled ratio axis with :func:`ratio_ticks` as ``2×`` (no minor labels)."""
    ticks = ratio_ticks(top)
    axis.set_ticks(ticks, [f"{t:g}×" for t in ticks])
    axis.set_minor_locator(_pyplot().NullLocator())


def draw_profiles(report: EvidenceReport, path: Path) -> None:
    """Write the performance profiles: per optimizer, the fraction of families it reaches the target within τ of the fastest.

    The claimed optimizers' lines are drawn thick and solid, the others thin and dashed.
    """
    plt = _pyplot()
    taus = tau_axis(step_ratios(report))
    profiles = performance_profiles(report, taus)
    claimed = {e.optimizer for e in report.claimed()}
    colours = plt.get_cmap("tab20")
    fig, ax = plt.subplots(figsize=(8.5, 5.0))
    for index, optimizer in enumerate(o for o in list_optimizers(report) if o in profiles):
        emphasised = optimizer in claimed
        ax.step(
            taus,
            profiles[optimizer],
            where="post",
            color=colours(index % 20),
            linewidth=2.4 if emphasised else 1.0,
            linestyle="-" if emphasised else "--",
            alpha=1.0 if emphasised else 0.7,
            label=f"{optimizer} (claimed)" if emphasised else optimizer,
        )
    ax.set_xscale("log")
    ax.set_xlim(1.0, taus[-1])
    _label_ratios(ax.xaxis, taus[-1])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("τ: median steps to the family's target ÷ the family's fewest (log scale)")
    ax.set_ylabel("fraction of families within τ")
    ax.set_title(f"Performance profiles over {len(list_families(report))} task families ({report.protocol})")
    ax.grid(True, which="both", alpha=0.3)
    if profiles:
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    _save(fig, path)


def draw_heatmap(report: EvidenceReport, path: Path) -> None:
    """Write the families × optimizers heatmap of median steps to target relative to each family's fewest.

    Log colour scale; cells whose runs never reached the target are grey and hatched, unmeasured cells
    blank; claimed pairs are outlined and carry their verdict's letter.
    """
    from matplotlib.colors import LogNorm
    from matplotlib.patches import Rectangle

    plt = _pyplot()
    ratios = step_ratios(report)
    families, optimizers = list_families(report), list_optimizers(report)
    if not families or not optimizers:  # a budgeted sweep that has not reached any seed runs yet
        fig, ax = plt.subplots(figsize=(7.0, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "no pair has seed runs yet: rerun the sweep to continue", ha="center", va="center")
        _save(fig, path)
        return
    grid = [[ratios.get((f, o), math.nan) for o in optimizers] for f in families]
    shown = [[r if math.isfinite(r) else math.nan for r in row] for row in grid]
    cmap = plt.get_cmap("RdYlGn_r").with_extremes(bad="white")
    fig, ax = plt.subplots(figsize=(max(7.0, 1.6 + 0.62 * len(optimizers)), 2.2 + 0.55 * len(families)))
    top = tau_axis(ratios)[-1]
    image = ax.imshow(shown, cmap=cmap, norm=LogNorm(vmin=1.0, vmax=top), aspect="auto")
    ax.set_xticks(range(len(optimizers)), optimizers, rotation=45, ha="right")
    ax.set_yticks(range(len(families)), families)
    for i, family in enumerate(families):
        for j, optimizer in enumerate(optimizers):
            ratio, evidence = grid[i][j], report.get(family, optimizer)
            if ratio == math.inf:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#d0d0d0", edgecolor="#808080", hatch="///", linewidth=0))
            label = "" if math.isnan(ratio) else (f"{ratio:.2g}×" if math.isfinite(ratio) else "n/r")
            if evidence is not None and evidence.claimed:
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2.2, zorder=3)
                )  # over the hatches
                letter = VERDICT_LETTERS.get(evidence.verdict) if evidence.verdict else None
                label = f"{letter}\n{label}" if letter else label
            ax.text(j, i, label, ha="center", va="center", fontsize=7, fontweight="bold" if evidence and evidence.claimed else "normal")
    colorbar = fig.colorbar(image, ax=ax, label="steps to target ÷ family's fewest")
    _label_ratios(colorbar.ax.yaxis, top)
    ax.set_title(
        "Median steps to the family's validation target\n(outlined: claimed; S/C/I: supported/contradicted/inconclusive; n/r: not reached)",
        fontsize=9,
    )
    _save(fig, path)


def _save(fig: Any, path: Path) -> None:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    _pyplot().close(fig)
