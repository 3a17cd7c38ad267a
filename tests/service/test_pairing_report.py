"""The pairing report: verdicts with CIs, ablations, targets, the summary and two readable pictures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from service.pairing_plots import list_families, list_optimizers, step_ratios, tau_axis
from service.pairing_report import format_interval, format_steps, render_markdown, write_report
from tests.service.pairing_fakes import make_report, make_results


def _rows(markdown: str) -> dict[tuple[str, str, str], list[str]]:
    """Table rows by their first three cells: the cells after them."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| family"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            rows[tuple(cells[:3])] = cells[3:]
    return rows  # type: ignore[return-value]


def test_numbers_are_formatted_for_reading() -> None:
    assert format_steps(1234.0) == "1,234" and format_steps(math.inf) == "not reached"
    assert format_interval(0.90512, math.inf) == "[0.9051, not reached]"


def test_markdown_has_every_claim_with_its_numbers_and_every_ablation() -> None:
    text = render_markdown(make_report(), make_results(), wall_time_s=5400)
    assert "Protocol `nnv-pairing-2`" in text and "[pairing-protocol.md](pairing-protocol.md)" in text
    assert "30 trials (1 failed) over 2 families, 3 optimizers or methods and 5 seeds, 1.50 h of wall time" in text
    assert "Verdicts of the 17 claims: 3 supported, 1 contradicted, 1 inconclusive, 12 unmeasured." in text
    assert "Claims without runs (12): linear × adamw, convolution × sgd," in text
    rows = _rows(text)
    assert rows["transformer", "adamw", "**supported**"][:6] == [
        "accuracy (↑)",
        "0.912 [0.905, 0.918]",
        "120 [100, 140]",
        "5",
        "0.003",
        "0.1",
    ]
    assert rows["transformer", "sophia", "**contradicted**"][1:3] == ["0.701 [0.69, 0.712]", "not reached [300, not reached]"]
    assert rows["transformer", "lion", "**inconclusive**"][-1] == "lion median 0.880 against the best"
    assert rows["linear", "sgd", "**supported**"][2] == "50 [40, 60]"
    assert rows["transformer", "adam", ""][1] == "0.915 [0.91, 0.92]"  # the strong unclaimed pair
    assert rows["transformer", "adamw", "warmup-cosine"] == [
        "accuracy (↑)",
        "0.912 [0.905, 0.918]",
        "0.87 [0.86, 0.88]",
        "[0.03, 0.052]",
        "helps",
        "5",
    ]
    assert rows["linear", "adam", "decay-split"][4] == "no significant difference"
    assert "| transformer | accuracy (↑) | 0.9 | adam |" in text
    assert "![performance profiles](pairing-profiles.png)" in text and "](pairing-heatmap.png)" in text


def test_heatmap_axes_and_ratios_follow_the_families() -> None:
    report = make_report()
    ratios = step_ratios(report)
    assert ratios["transformer", "adam"] == 1.0 and ratios["transformer", "adamw"] == pytest.approx(1.2)
    assert ratios["transformer", "sophia"] == math.inf and ratios["linear", "lion"] == 2.0
    assert list_families(report) == ["linear", "transformer"]
    assert list_optimizers(report) == ["sgd", "adam", "adamw", "lion", "sophia"]
    taus = tau_axis(ratios)
    assert taus[0] == 1.0 and taus[-1] == pytest.approx(4.4)  # 1.1 × the largest finite ratio (4.0)


def test_write_report_writes_readable_pictures_and_the_summary(tmp_path: Path) -> None:
    import matplotlib.image

    paths = write_report(make_report(), make_results(), tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["pairing-report.md", "pairing-profiles.png", "pairing-heatmap.png", "pairing-summary.json"]
    )
    # 110 dpi: profiles 8.5 × 5 in; heatmap max(7, 1.6 + 0.62 × 5 optimizers) × (2.2 + 0.55 × 2 families) in
    for kind, shape in (("profiles", (550, 935, 4)), ("heatmap", (363, 770, 4))):
        image = matplotlib.image.imread(paths[kind])
        assert image.shape == shape
        assert image[..., :3].std() > 0.05  # something is drawn
    summary = json.loads(paths["summary"].read_text())
    assert summary == {
        "protocol": "nnv-pairing-2",
        "trials": 30,
        "failed": 1,
        "families": 2,
        "optimizers": 3,
        "seeds": 5,
        "claims": 17,
        "verdicts": {"supported": 3, "contradicted": 1, "inconclusive": 1, "unmeasured": 12},
    }


def test_a_sweep_without_seed_runs_still_gets_a_report(tmp_path: Path) -> None:
    """A budgeted sweep stopped during tuning has no evidence yet: the report says so instead of failing."""
    from matplotlib.image import imread

    from implementations.pairing.evidence import summarise

    paths = write_report(summarise([]), [], tmp_path)
    assert "0 supported, 0 contradicted, 0 inconclusive, 17 unmeasured" in paths["markdown"].read_text()
    assert imread(paths["heatmap"]).shape[2] in (3, 4)
    assert imread(paths["profiles"]).shape[2] in (3, 4)
