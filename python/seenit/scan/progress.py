"""Rich progress bars for a scan's long steps: documents done, documents/s, MB read and ETA
(when the corpus size in documents is known, e.g. from an earlier pass)."""

from __future__ import annotations

from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.console import Console
from rich.text import Text


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} docs/s" if speed else "- docs/s", style="progress.data.speed")


class DocProgress:
    """``with DocProgress(True, "indexing", total=n) as p: p.advance(docs, nbytes)``; a no-op when disabled."""

    def __init__(self, enabled: bool, description: str, total: int | None = None) -> None:
        self._p: Progress | None = None
        self._mb = 0.0
        if enabled:
            self._p = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), _Rate(),
                               TextColumn("{task.fields[mb]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                               transient=True, console=Console(stderr=True))
            self._task = self._p.add_task(description, total=total, mb="")

    def __enter__(self) -> DocProgress:
        if self._p is not None:
            self._p.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)

    def advance(self, docs: int, nbytes: int = 0) -> None:
        if self._p is not None:
            self._mb += nbytes / 1e6
            self._p.update(self._task, advance=docs, mb=f"{self._mb:,.1f} MB")

    def describe(self, description: str) -> None:
        if self._p is not None:
            self._p.update(self._task, description=description)
