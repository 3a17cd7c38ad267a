"""``benchmarks/run_all.py --quick``: every benchmark module runs small and fills its rows of the summary.

The modules run in four concurrent groups (search and scale share the embedding cache, so they run
one after the other): the figures are meaningless under that load, only their presence is checked.
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RUN_ALL = Path(__file__).resolve().parents[2] / "benchmarks" / "run_all.py"
GROUPS = (("http",), ("throughput",), ("search", "scale"), ("sparql", "coldstart", "sandbox"))
GOALS = range(1, 11)  # issue #16's eight goals, the cold start and the sandbox overhead
ROW = re.compile(r"^\| (\d+)\. [^|]+ \| ([^|]+) \| ([^|]+) \| (yes|NO|—) \| (\d+) \|$", re.MULTILINE)


def _quick(group: tuple[str, ...], out: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(RUN_ALL), "--quick", "--only", *group, "--out", str(out)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text(encoding="utf-8")


def test_every_module_runs_quick_and_reports_each_goal(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=len(GROUPS)) as pool:
        reports = list(pool.map(lambda group: _quick(group, tmp_path / f"{group[0]}.md"), GROUPS))
    rows = {int(number): (measured.strip(), met) for report in reports for number, measured, _goal, met, _s in ROW.findall(report)}
    assert sorted(rows) == list(GOALS), reports
    errors = {number: measured for number, (measured, _met) in rows.items() if measured.startswith("error")}
    assert errors == {}, errors
    assert all(re.search(r"\d", measured) and met in ("yes", "NO") for measured, met in rows.values()), rows
    assert all(report.startswith("# nnvocab benchmark results\n\nQuick (`--quick`) run") for report in reports)
