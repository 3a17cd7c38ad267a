"""The home page shows the pairing heatmap with its verdict counts and a link to the report (headless Chromium)."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

import service.app
from ontology.vocabulary import Vocabulary
from service.app import create_app
from service.pairing_report import publish_report, write_report
from tests.service.conftest import TEST_SETTINGS, serve
from tests.service.pairing_fakes import make_report, make_results
from tests.service.test_pages_chromium import CHROMIUM, _chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH: install it with `make browser`")


def test_home_page_shows_the_heatmap_and_the_verdict_counts(vocab: Vocabulary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    static = tmp_path / "static"
    shutil.copytree(service.app.STATIC, static)
    copies = publish_report(write_report(make_report(), make_results(), tmp_path / "docs"), static)
    assert sorted(p.name for p in copies) == ["pairing-heatmap.png", "pairing-profiles.png", "pairing-report.md", "pairing-summary.json"]
    monkeypatch.setattr(service.app, "STATIC", static)
    with serve(create_app(TEST_SETTINGS, vocab=vocab)) as url:
        dom = _chromium(f"{url}/", "--dump-dom")
        report = httpx.get(f"{url}/static/pairing-report.md", timeout=10)
    assert 'id="heatmap"' in dom and 'src="/static/pairing-heatmap.png"' in dom
    assert "Of 17 claims, 3 supported, 1 contradicted, 1 inconclusive, 12 without runs (30 trials, protocol nnv-pairing-2)." in dom
    assert '<a id="pairing-report" href="/static/pairing-report.md">the pairing report</a>' in dom
    assert report.status_code == 200 and report.text.startswith("# Optimizer–layer pairing evidence")


def test_home_page_without_a_summary_still_shows_the_heatmap(vocab: Vocabulary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    static = tmp_path / "static"
    shutil.copytree(service.app.STATIC, static)
    (static / "pairing-summary.json").unlink(missing_ok=True)
    monkeypatch.setattr(service.app, "STATIC", static)
    with serve(create_app(TEST_SETTINGS, vocab=vocab)) as url:
        dom = _chromium(f"{url}/", "--dump-dom")
    assert 'id="heatmap"' in dom and "relative to the family's fastest" in dom and 'id="pairing-report"' in dom
    assert 'id="verdict-counts"' not in dom
