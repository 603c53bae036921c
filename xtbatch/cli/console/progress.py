"""Progress bars for long operations started from the command line (demo, maintenance, bench).

On a terminal: a rich progress bar on stderr (stdout stays clean for data). Elsewhere (logs,
CI, pipes): no bar, one summary line on stderr when the step ends, so a log shows what ran
and how long it took without escape codes or thousands of redraws.

    with progress("Submitting jobs", total=1000) as step:
        for _ in range(1000):
            ...
            step.advance()

    for table in track(tables, "Reindexing"):
        ...
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from xtbatch.cli.console.when import duration

T = TypeVar("T")


class Step:
    """One tracked operation: advance it, change its total or its description."""

    def __init__(self, bar: Progress | None, task: TaskID | None, description: str) -> None:
        self._bar = bar
        self._task = task
        self.description = description
        self.completed = 0.0
        self.total: float | None = None

    def advance(self, amount: float = 1) -> None:
        self.completed += amount
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, amount)

    def update(self, *, total: float | None = None, description: str | None = None) -> None:
        if total is not None:
            self.total = total
        if description is not None:
            self.description = description
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, total=total, description=description)


def _stderr_console() -> Console:
    return Console(file=sys.stderr, highlight=False)


def _columns(total: float | None) -> list[ProgressColumn]:
    if total is None:
        return [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    return [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    ]


@contextmanager
def progress(
    description: str, total: float | None = None, *, console: Console | None = None
) -> Iterator[Step]:
    """Show progress of one operation until the block ends (``total`` None: a spinner).

    Exceptions raised in the block pass through; the summary line says the step stopped.
    """
    out = console or _stderr_console()
    started = time.monotonic()
    if not out.is_terminal:
        step = Step(None, None, description)
        step.total = total
        outcome = "stopped"
        try:
            yield step
            outcome = "done"
        finally:
            count = f" {step.completed:g}/{step.total:g}" if step.total else ""
            if not step.total and step.completed:
                count = f" {step.completed:g}"
            took = duration(time.monotonic() - started)
            out.file.write(f"{step.description}: {outcome}{count} in {took}\n")
            out.file.flush()
        return
    bar = Progress(*_columns(total), console=out, transient=False)
    with bar:
        task = bar.add_task(description, total=total)
        step = Step(bar, task, description)
        step.total = total
        yield step


def track(
    items: Iterable[T],
    description: str,
    total: float | None = None,
    *,
    console: Console | None = None,
) -> Iterator[T]:
    """Yield ``items`` while showing progress; the total defaults to len(items)."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    with progress(description, total, console=console) as step:
        for item in items:
            yield item
            step.advance()
