"""Render jobs for a person (rich tables, colour for failures) or for a script (JSON).

On a terminal the output is coloured and fits the window; piped or redirected it is plain
text with no escape codes and no wrapping, so grep and awk see one job per line.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from xtbatch import jobs
from xtbatch.cli.console.when import duration, short_time, text
from xtbatch.jobs import RunStatus

COLUMNS = ("ID", "User", "Action", "Scheduled", "Run Status", "Completed", "Exit Status")
STATUS_STYLES: dict[str, str] = {
    RunStatus.SCHEDULED: "",
    RunStatus.IN_PROCESS: "bold yellow",
    RunStatus.DONE: "green",
}
OUTCOME_STYLES = {
    "succeeded": "green",
    "failed": "bold red",
    "interrupted": "red",
    "cancelled": "magenta",
    "running": "bold yellow",
    "dispatched": "yellow",
}
PLAIN_WIDTH = 10_000


def console(file: TextIO | None = None) -> Console:
    """A console on stdout (or ``file``): colour on a terminal, plain text otherwise."""
    out = file or sys.stdout
    if out.isatty():
        return Console(file=out, highlight=False)
    # Not a terminal: no escape codes whatever the environment says, and wide enough
    # that no cell wraps.
    return Console(
        file=out,
        highlight=False,
        color_system=None,
        force_terminal=False,
        no_color=True,
        width=PLAIN_WIDTH,
        emoji=False,
    )


def emit(out: Console, renderable: RenderableType) -> None:
    """Print to a terminal as is; elsewhere as plain lines without trailing blanks."""
    if out.is_terminal:
        out.print(renderable)
        return
    with out.capture() as captured:
        out.print(renderable)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    out.file.write("\n".join(lines) + "\n")
    out.file.flush()


def _box(plain: bool) -> box.Box | None:
    return None if plain else box.SIMPLE_HEAD


def first_line(value: str | None) -> str:
    return (value or "").strip().split("\n", 1)[0].rstrip("\r")


def with_run_status(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` (a batch row) with ``run_status`` and ``failed`` added as its last fields, as
    status, show and watch print them."""
    row["run_status"] = jobs.run_status(row["batch_started"], row["batch_completed"])
    row["failed"] = jobs.failed(row["batch_completed"], row["batch_exitstatus"])
    return row


def run_status(row: Mapping[str, Any]) -> Text:
    if row.get("failed"):
        return Text(RunStatus.DONE, style="bold red")
    status = str(row["run_status"])
    return Text(status, style=STATUS_STYLES.get(status, ""))


def status_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    width: int | None = None,
) -> Table:
    """The status screen: one job per row in the order given.

    ``width`` is the terminal's; None renders plain text for a script (no box, nothing cut).
    On a terminal the first six columns keep their whole text and Exit Status gets the rest.
    """
    if width is None:
        return _plain_table(rows, title)
    layout = _Layout.fit(rows, width)
    table = Table(
        title=title,
        box=box.SIMPLE_HEAD,
        title_justify="left",
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for name, column_width in zip(COLUMNS[:-1], layout.widths, strict=True):
        folds = layout.fold_names and name in ("User", "Action")
        table.add_column(
            name,
            width=None if folds else column_width,
            min_width=min(column_width, FOLDED_MIN) if folds else None,
            no_wrap=not folds,
            overflow="fold",
            justify="right" if name == "ID" else "left",
        )
    one_line = layout.exit_width >= EXIT_ONE_LINE
    table.add_column("Exit Status", width=layout.exit_width, no_wrap=one_line, overflow="ellipsis")
    for row in rows:
        cells = _cells(row, layout.when)
        exit_text = _fit_exit(cells[-1], layout.exit_width)
        table.add_row(*cells[:-1], exit_text)
    return table


GAP = 1  # the space after each column but the last (padding) besides the box's separator
EXIT_ONE_LINE = 40  # narrower than this, the first line of an exit status wraps
EXIT_MIN = 8  # Exit Status never gets less; User and Action wrap instead
FOLDED_MIN = 8  # a wrapped User or Action keeps at least this width


@dataclass(frozen=True, kw_only=True)
class _Layout:
    """Column widths for a terminal: the six fixed columns whole, Exit Status the rest."""

    widths: list[int]
    exit_width: int
    when: Callable[[object], str]
    fold_names: bool = False  # too narrow even so: User and Action wrap

    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, Any]], width: int) -> _Layout:
        # Full times when they leave Exit Status a whole line, else times without year and
        # seconds.
        for when in (text, short_time):
            widths = _fixed_widths(rows, when)
            left = width - sum(widths) - (len(COLUMNS) - 1) * (GAP + 1)
            if left >= EXIT_ONE_LINE:
                return cls(widths=widths, exit_width=left, when=when)
        return cls(
            widths=widths,
            exit_width=max(left, EXIT_MIN),
            when=short_time,
            fold_names=left < EXIT_MIN,
        )


def _fixed_widths(rows: Sequence[Mapping[str, Any]], when: Callable[[object], str]) -> list[int]:
    widths = [cell_len(name) for name in COLUMNS[:-1]]
    for row in rows:
        for i, cell in enumerate(_cells(row, when)[:-1]):
            widths[i] = max(widths[i], cell_len(cell.plain if isinstance(cell, Text) else cell))
    return widths


def _cells(row: Mapping[str, Any], when: Callable[[object], str]) -> list[str | Text]:
    return [
        str(row["batch_id"]),
        text(row.get("batch_user")),
        text(row.get("batch_action")),
        when(row.get("batch_scheduled")),
        run_status(row),
        when(row.get("batch_completed")),
        Text(first_line(row.get("batch_exitstatus")), style="red" if row.get("failed") else ""),
    ]


def _fit_exit(exit_text: str | Text, width: int) -> Text:
    """The first line of an exit status in ``width`` cells: one line, cut with an ellipsis
    when there is room for one; narrower, wrapped on a few lines (about EXIT_ONE_LINE cells)."""
    assert isinstance(exit_text, Text)
    if width >= EXIT_ONE_LINE or cell_len(exit_text.plain) <= width:
        return exit_text
    lines = exit_text.wrap(_MEASURE, width, overflow="fold")
    most = max(2, -(-EXIT_ONE_LINE // width))  # enough lines for about EXIT_ONE_LINE cells
    shown = list(lines)[:most]
    if len(lines) > most:
        last = shown[-1].copy()
        last.rstrip()
        last.truncate(width - 1)
        last.append("…")
        shown[-1] = last
    return Text("\n", style=exit_text.style).join(shown)


_MEASURE = Console(width=10_000, color_system=None, force_terminal=False)


def _plain_table(rows: Sequence[Mapping[str, Any]], title: str | None) -> Table:
    table = Table(title=title, box=None, title_justify="left", pad_edge=False, padding=(0, 1))
    for name in COLUMNS:
        table.add_column(name, no_wrap=True, justify="right" if name == "ID" else "left")
    for row in rows:
        table.add_row(*_cells(row, text))
    return table


def status_view(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    footer: str = "",
    width: int | None = None,
) -> Group:
    """The table, or a line saying there is nothing to show, plus an optional footer.

    ``width``: the terminal's, or None for plain text (see status_table).
    """
    parts: list[RenderableType] = []
    if rows:
        parts.append(status_table(rows, title=title, width=width))
    else:
        parts.append(Text(f"{title}: no jobs.", style="dim"))
    failed = sum(1 for r in rows if r.get("failed"))
    summary = f"{len(rows)} job{'s' if len(rows) != 1 else ''}"
    if failed:
        summary += f", {failed} failed"
    parts.append(Text(summary + (f" · {footer}" if footer else ""), style="dim"))
    return Group(*parts)


def job_view(
    row: Mapping[str, Any],
    params: Sequence[Mapping[str, Any]],
    attempts: Sequence[Mapping[str, Any]],
    *,
    plain: bool = False,
) -> Group:
    """One job: its whole row, its parameters, its full exit status and its attempts."""
    failed = bool(row.get("failed"))
    heading = Text.assemble(
        (f"Batch job {row['batch_id']}", "bold"),
        f" · {text(row.get('batch_action'))} · ",
        run_status(row),
        (" (failed)", "bold red") if failed else "",
    )
    fields = Table.grid(padding=(0, 2))
    fields.add_column(style="bold")
    fields.add_column()
    for key, value in row.items():
        if key in ("run_status", "failed"):
            continue
        fields.add_row(key, text(value))

    plist = Table(title="Parameters", box=_box(plain), title_justify="left", pad_edge=False)
    for name in ("#", "Name", "Value", "Type"):
        plist.add_column(name)
    for p in params:
        plist.add_row(
            text(p["batchparam_order"]),
            text(p["batchparam_name"]),
            text(p["batchparam_value"]),
            text(p["batchparam_type"]),
        )

    exit_status = row.get("batch_exitstatus") or ""
    if row.get("batch_completed") is None:
        exit_body = Text("(not completed)", style="dim")
    elif not exit_status.strip():
        exit_body = Text("Succeeded (empty exit status)", style="green")
    else:
        exit_body = Text(exit_status.rstrip(), style="red")

    parts: list[RenderableType] = [heading, Text(""), fields, Text("")]
    parts.append(plist if params else Text("Parameters: none", style="dim"))
    if plain:
        parts += [Text(""), Text("Exit Status:"), Padding(exit_body, (0, 0, 0, 2)), Text("")]
    else:
        parts.append(Panel(exit_body, title="Exit Status", title_align="left", expand=False))
    notice = notice_line(attempts)
    if notice is not None:
        parts += [notice, Text("")]
    if attempts:
        parts.append(attempt_table(attempts, plain=plain))
    else:
        parts.append(Text("Attempts: none", style="dim"))
    return Group(*parts)


def notice_line(attempts: Sequence[Mapping[str, Any]]) -> Text | None:
    """How the submitter was told of the last ended attempt, or why nobody was."""
    told = [a for a in attempts if a.get("notice")]
    if not told:
        return None
    last = told[-1]
    if last.get("notice_failed"):
        return Text.assemble("Notice: ", ("FAILED", "bold red"), f": {last['notice']}")
    return Text(f"Notice: {last['notice']}")


def attempt_table(attempts: Iterable[Mapping[str, Any]], *, plain: bool = False) -> Table:
    """xtbatch's record of each time the job was dispatched."""
    table = Table(title="Attempts", box=_box(plain), title_justify="left", pad_edge=False)
    for name in ("#", "Worker", "Started", "Ended", "Duration"):
        table.add_column(name, no_wrap=name in ("#", "Duration"))
    table.add_column("Outcome", min_width=24)
    for a in attempts:
        state = str(a["state"])
        detail = first_line(a.get("detail"))
        table.add_row(
            text(a["attempt_id"]),
            text(a.get("worker")),
            text(_local(a.get("started_at"))),
            text(_local(a.get("ended_at"))),
            duration(a.get("seconds")),
            Text.assemble((state, OUTCOME_STYLES.get(state, "")), f": {detail}" if detail else ""),
        )
    return table


def _local(value: Any) -> Any:
    """Attempt times (timestamptz, in the session's zone) read like the batch row's times."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def to_json(data: Any) -> str:
    """JSON for scripts: times in ISO 8601, everything else as the database returned it."""
    return json.dumps(data, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return str(value)
