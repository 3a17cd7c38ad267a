"""The sweep's progress bar on stderr: done/total, trials per second and the ETA of each phase."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TaskID, TextColumn, TimeRemainingColumn
from rich.text import Text


class RateColumn(ProgressColumn):
    """Finished trials per second."""

    def render(self, task: Task) -> Text:
        """``0.42 trials/s`` (``–`` before the first result)."""
        return Text("–" if task.speed is None else f"{task.speed:.2f} trials/s", style="progress.data.speed")


class SweepProgress:
    """One bar per phase; a no-op when disabled (``--quiet`` or stderr is not a terminal)."""

    def __init__(self, enabled: bool) -> None:
        """Set the bar up (shown from ``__enter__``)."""
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not enabled,
        )
        self._task: TaskID | None = None

    def __enter__(self) -> SweepProgress:
        """Start drawing."""
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        """Stop drawing."""
        self._progress.stop()

    def start_phase(self, name: str, total: int) -> None:
        """A new bar for ``total`` trials of phase ``name``."""
        self._task = self._progress.add_task(name, total=total)

    def advance(self) -> None:
        """One more trial of the current phase finished."""
        if self._task is not None:
            self._progress.advance(self._task)
