"""The sandbox from a plain script without a ``__main__`` guard, from ``python -c`` and from standard input (as a notebook)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from implementations import list_implementations

# The README's example, unguarded; the first line shows whether the sandbox re-ran the caller's main module.
README_EXAMPLE = """\
print("script started")
import json
from implementations import create, smoke_test, list_implementations

swiglu = create("swiglu", dim=64)
opt = create("AdamW", params=swiglu.parameters(), lr=1e-3)
result = smoke_test("lion")
print(json.dumps({"attention": len(list_implementations(include="*attention*")), "ok": result["ok"], "term": result["term"]}))
"""


def run_python(args: list[str], cwd: Path, stdin: str | None = None) -> list[str]:
    """Standard output lines of ``python args`` run in ``cwd`` (a folder without the project in it)."""
    done = subprocess.run([sys.executable, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


@pytest.mark.parametrize("mode", ["script file", "python -c", "standard input"])
def test_smoke_test_works_without_a_main_guard(mode: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(README_EXAMPLE)
    args = {"script file": [str(script)], "python -c": ["-c", README_EXAMPLE], "standard input": ["-"]}[mode]
    lines = run_python(args, tmp_path, README_EXAMPLE if mode == "standard input" else None)
    assert lines[0] == "script started" and lines.count("script started") == 1
    summary = json.loads(lines[-1])
    assert summary["ok"] is True and summary["term"] == "lion"
    assert summary["attention"] == len(list_implementations(include="*attention*"))
