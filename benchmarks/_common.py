"""Helpers shared by the benchmark scripts: ports, processes, percentiles, memory, result tables.

Not a script: the ``bench_*.py`` modules and ``run_all.py`` import it
(``.venv/bin/python benchmarks/run_all.py`` runs everything).
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
LOOKUP_QUERY = '{{ concept(name: "{}") {{ name altNames }} }}'


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) by linear interpolation; ``nan`` for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * q / 100
    low, high = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(samples: Sequence[float]) -> float:
    """The median; ``nan`` for no samples."""
    return statistics.median(samples) if samples else float("nan")


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    """Current (``VmRSS``) and peak (``VmHWM``) resident memory of a process in MB, from /proc."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out["current" if key == "VmRSS" else "peak"] = int(value.split()[0]) / 1024
    return out


def session_cpu_s(session: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the live processes of ``session``: the search's encoder children apart.

    Keys: ``encoder`` (``ontology.search.encoder_process`` children) and ``serving`` (every other process of the session).
    """
    used = {"serving": 0.0, "encoder": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # it ended meanwhile
            continue
        if int(fields[3]) == session:  # fields: state, ppid, pgrp, session, …, utime (12th), stime (13th)
            kind = "encoder" if b"ontology.search.encoder_process" in command else "serving"
            used[kind] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def timed_ms(fn: Callable[[], object]) -> float:
    """Wall time of one call in milliseconds."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def graphql_ok(client: httpx.Client, url: str, query: str) -> bool:
    """Whether ``query`` posted to ``url`` answered 200 with data and no errors."""
    try:
        response = client.post(url, json={"query": query})
    except httpx.TransportError:
        return False
    return response.status_code == 200 and not response.json().get("errors")


def wait_for(check: Callable[[], bool], timeout_s: float, step_s: float = 0.02) -> float:
    """Poll ``check`` until it is true; return the seconds waited. Raises ``TimeoutError``."""
    start = time.perf_counter()
    deadline = start + timeout_s
    while time.perf_counter() < deadline:
        if check():
            return time.perf_counter() - start
        time.sleep(step_s)
    raise TimeoutError(f"not ready after {timeout_s:.0f} s")


@dataclass
class Process:
    """A child process in its own session, output to a log file; stop it with :meth:`stop`."""

    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 2000) -> str:
        """The end of its output (for error messages)."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self, timeout_s: float = 10) -> None:
        """SIGTERM its process group (it started it), then SIGKILL if it lingers."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout_s)


def start(cmd: Sequence[str], log: Path, env: dict[str, str] | None = None) -> Process:
    """Start ``cmd`` from the repository root in a new session, stdout and stderr to ``log``."""
    handle: IO[bytes] = log.open("wb")
    try:
        popen = subprocess.Popen(
            list(cmd), cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True
        )
    finally:
        handle.close()
    return Process(popen, log)


@contextmanager
def running(cmd: Sequence[str], log: Path, ready: Callable[[], bool], env: dict[str, str] | None = None) -> Iterator[Process]:
    """Start ``cmd``, wait until ``ready()`` (60 s at most), yield it, always stop it."""
    with running_all([(cmd, log, ready, env)]) as (proc,):
        yield proc


@contextmanager
def running_all(commands: Sequence[tuple[Sequence[str], Path, Callable[[], bool], dict[str, str] | None]]) -> Iterator[list[Process]]:
    """:func:`running` for several ``(cmd, log, ready, env)`` at once: all start together, then each is waited for."""
    procs: list[Process] = []
    try:
        procs += [start(cmd, log, env) for cmd, log, _ready, env in commands]
        for proc, (cmd, _log, ready, _env) in zip(procs, commands, strict=True):
            try:
                wait_for(lambda p=proc, r=ready: p.popen.poll() is not None or r(), 60)  # type: ignore[misc]
            except TimeoutError as exc:
                raise RuntimeError(f"{cmd[0]} did not get ready: {proc.tail()}") from exc
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{' '.join(cmd)} exited with {proc.popen.returncode}: {proc.tail()}")
        yield procs
    finally:
        for proc in procs:
            proc.stop()


def nnvocab_serve(port: int, workers: int = 1) -> list[str]:
    """The command line of ``nnvocab serve`` on 127.0.0.1:``port``."""
    return [str(BIN / "nnvocab"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]


SERVE_ENV = {"NNV_RATE_LIMIT_PER_MINUTE": str(10**9), "NNV_MUTATION_RATE_LIMIT_PER_MINUTE": str(10**9)}


def graphql_ready(port: int) -> Callable[[], bool]:
    """A readiness check: a concept lookup over GraphQL answers."""

    def check() -> bool:
        with httpx.Client(timeout=2) as client:
            return graphql_ok(client, f"http://127.0.0.1:{port}/graphql", LOOKUP_QUERY.format("gqa"))

    return check


@dataclass
class Table:
    """A detail table of one benchmark."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def markdown(self) -> str:
        """As a GitHub markdown table under a bold title."""
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.headers) + " |", "|" + "---|" * len(self.headers)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)

    def text(self) -> str:
        """As aligned plain text."""
        cells = [self.headers, *self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.headers))]
        lines = [self.title, *("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)]
        lines.insert(2, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


@dataclass
class Outcome:
    """One line of the summary table plus its details."""

    benchmark: str
    measured: str
    goal: str
    met: bool | None  # None: not measured or no pass/fail goal
    details: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def show(self) -> None:
        """Print the detail tables, then the summary line and the notes (a script's own output)."""
        for table in self.details:
            print(table.text(), end="\n\n")
        print(f"{self.benchmark}: {self.measured} (goal {self.goal})", *self.notes, sep="\n")


def ratio(numerator: float, denominator: float) -> str:
    """``12.3×`` (``n/a`` when undefined)."""
    if not denominator or denominator != denominator or numerator != numerator:
        return "n/a"
    value = numerator / denominator
    return f"{value:.0f}×" if value >= 100 else f"{value:.2f}×" if value < 10 else f"{value:.1f}×"


def ms(value: float) -> str:
    """A duration in ms with sensible precision."""
    return "n/a" if value != value else f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"


def machine_facts() -> dict[str, str]:
    """CPU model and count, memory, Python and OS, from /proc and the standard library."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text().splitlines() if Path("/proc/meminfo").exists() else []
    total = next((int(line.split()[1]) // 1024 for line in meminfo if line.startswith("MemTotal")), 0)
    load = os.getloadavg()
    return {
        "cpu": f"{models[0] if models else platform.processor()} × {len(models) or os.cpu_count()}",
        "memory": f"{total / 1024:.1f} GB",
        "python": platform.python_version(),
        "os": platform.platform(),
        "load average at start": f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
    }
