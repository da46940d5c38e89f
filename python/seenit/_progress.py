"""The one progress bar: every long step of the library and the CLI (indexing, signatures,
scan passes, embedding, model scoring) shows the same rich bar on stderr, or nothing.

``with ProgressBar(enabled, "indexing", total=n) as bar: bar.advance(docs, nbytes)``. Without a
``total`` the bar pulses; ``info`` is a free text column (e.g. "1,204 docs, 3.1 MB");
``advance(.., nbytes)`` keeps a running MB count in that column. Disabled, every call is a no-op,
so callers never branch on ``progress``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress


@functools.cache
def _rate_column() -> type:
    """rich's column classes, imported when a bar is first shown (not when seenit is imported)."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class Rate(ProgressColumn):
        """Items per second, in the bar's unit."""

        def __init__(self, unit: str) -> None:
            super().__init__()
            self.unit = unit

        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {self.unit}/s" if speed else f"- {self.unit}/s", style="progress.data.speed")

    return Rate


class ProgressBar:
    """A rich progress bar on stderr for one step; a no-op when ``enabled`` is false."""

    def __init__(self, enabled: bool, description: str, total: int | None = None, *, unit: str = "docs",
                 transient: bool = True) -> None:
        self._p: Progress | None = None
        self._mb = 0.0
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._p = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                               _rate_column()(unit), TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                               TimeRemainingColumn(), transient=transient, console=Console(stderr=True))
            self._task = self._p.add_task(description, total=total, info="")

    def __enter__(self) -> ProgressBar:
        if self._p is not None:
            self._p.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)

    def advance(self, n: int, nbytes: int = 0) -> None:
        """``n`` more items done (and ``nbytes`` more read, shown as a running MB count)."""
        if self._p is not None:
            if nbytes:
                self._mb += nbytes / 1e6
                self._p.update(self._task, advance=n, info=f"{self._mb:,.1f} MB")
            else:
                self._p.update(self._task, advance=n)

    def update(self, *, completed: int | None = None, total: int | None = None, info: str | None = None,
               description: str | None = None) -> None:
        """Set the position, the total, the info text or the description."""
        if self._p is not None:
            fields: dict[str, Any] = {}
            if completed is not None:
                fields["completed"] = completed
            if total is not None:
                fields["total"] = total
            if info is not None:
                fields["info"] = info
            if description is not None:
                fields["description"] = description
            self._p.update(self._task, **fields)

    def describe(self, description: str) -> None:
        self.update(description=description)
