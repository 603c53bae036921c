"""``--watch``: redraw when the database says something changed, never on a timer.

A dedicated connection LISTENs to the channels xtbatch's triggers notify (a job inserted,
rescheduled or deleted; an attempt ended). Each wake-up drains every pending notification,
re-runs the query once and redraws. SIGINT and SIGTERM end the watch cleanly (exit 0): the
signal handlers (xtbatch.signals.on_stop) only set a flag and wake the wait through the
signal wake-up fd.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import selectors
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from rich.console import Console, RenderableType
from rich.live import Live

from xtbatch import db
from xtbatch.cli.console.session import open_connection, translated
from xtbatch.cli.console.table import emit, to_json
from xtbatch.settings import Settings
from xtbatch.signals import StopRequest, on_stop

log = logging.getLogger(__name__)

CHANNELS = ("xtbatch_batch", "xtbatch_started", "xtbatch_done")
# After the first notification of a burst, wait this long for the rest so that a hundred
# inserts cause one re-query, not a hundred.
COALESCE_SECONDS = 0.05

Fetch = Callable[[], list[dict[str, Any]]]
Render = Callable[[Sequence[dict[str, Any]], str], RenderableType]


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _describe(notifies: Sequence[psycopg.Notify]) -> str:
    """What woke us, for the footer: 'job 12 insert', or a count for a burst."""
    if len(notifies) == 1:
        ident, _, what = notifies[0].payload.partition(" ")
        return f"job {ident} {what}".strip()
    return f"{len(notifies)} changes"


def watch(
    settings: Settings,
    *,
    fetch: Fetch,
    render: Render,
    console: Console,
    json_lines: bool = False,
) -> int:
    """Show ``render(fetch(), footer)`` and redraw it on every change until a signal.

    Raises:
        ConfigurationError: the database URL cannot be parsed.
        DatabaseUnavailable: the database cannot be reached or the connection was lost.
    """
    listen = open_connection(settings, "cli-watch")
    with listen, translated(settings), on_stop(wake_fd=True) as stop:
        db.execute(listen, "console_listen")
        show = _Printer(console, render, json_lines)
        try:
            show(fetch(), "watching for changes (Ctrl-C to stop)")
            _loop(listen, show, fetch, stop)
        finally:
            show.close()
    return 0


def _loop(
    listen: psycopg.Connection[db.Row], show: _Printer, fetch: Fetch, stop: StopRequest
) -> None:
    with selectors.DefaultSelector() as selector:
        selector.register(listen.fileno(), selectors.EVENT_READ)
        selector.register(stop.wake_fd, selectors.EVENT_READ)
        while not stop.requested:
            selector.select()
            _drain(stop.wake_fd)
            if stop.requested:
                break
            notifies = list(listen.notifies(timeout=0))
            if not notifies:
                continue
            notifies += listen.notifies(timeout=COALESCE_SECONDS)
            log.debug("watch woke", extra={"action": "watch.notify", "count": len(notifies)})
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            show(fetch(), f"{stamp} {_describe(notifies)} · Ctrl-C to stop")


class _Printer:
    """A live region on a terminal; otherwise one snapshot per change, flushed."""

    def __init__(self, console: Console, render: Render, json_lines: bool) -> None:
        self.console = console
        self.render = render
        self.json_lines = json_lines
        self.last: list[dict[str, Any]] | None = None
        self.live: Live | None = None
        if console.is_terminal and not json_lines:
            self.live = Live(console=console, auto_refresh=False, transient=False)
            self.live.start()

    def __call__(self, rows: list[dict[str, Any]], footer: str) -> None:
        if self.live is not None:
            self.live.update(self.render(rows, footer), refresh=True)
            return
        if rows == self.last:
            return
        self.last = rows
        if self.json_lines:
            stamp = dt.datetime.now().isoformat(timespec="seconds")
            self.console.file.write(to_json({"at": stamp, "jobs": rows}) + "\n")
        else:
            emit(self.console, self.render(rows, footer))
            self.console.file.write("\n")
        self.console.file.flush()

    def close(self) -> None:
        if self.live is not None:
            self.live.stop()
