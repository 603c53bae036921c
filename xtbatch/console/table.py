"""Render jobs for a person (rich tables, colour for failures) or for a script (JSON).

On a terminal the output is coloured and fits the window; piped or redirected it is plain
text with no escape codes and no wrapping, so grep and awk see one job per line.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from xtbatch.console.when import duration, short_time, text

COLUMNS = ("ID", "User", "Action", "Scheduled", "Run Status", "Completed", "Exit Status")
STATUS_STYLES = {"Scheduled": "", "In-Process": "bold yellow", "Done": "green"}
OUTCOME_STYLES = {
    "succeeded": "green",
    "failed": "bold red",
    "interrupted": "red",
    "cancelled": "magenta",
    "running": "bold yellow",
    "dispatched": "yellow",
}
PLAIN_WIDTH = 10_000
# Below this terminal width the status table drops the year and seconds from its times.
COMPACT_BELOW = 120


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


def is_compact(out: Console) -> bool:
    return out.is_terminal and out.width < COMPACT_BELOW


def first_line(value: str | None) -> str:
    return (value or "").strip().split("\n", 1)[0].rstrip("\r")


def run_status(row: Mapping[str, Any]) -> Text:
    if row.get("failed"):
        return Text("Done", style="bold red")
    status = str(row["run_status"])
    return Text(status, style=STATUS_STYLES.get(status, ""))


def status_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    plain: bool = False,
    compact: bool = False,
) -> Table:
    """The status screen: one job per row in the order given."""
    table = Table(
        title=title,
        box=_box(plain),
        title_justify="left",
        pad_edge=False,
        padding=(0, 1),
        expand=not plain and compact,
    )
    when = short_time if compact else text
    for name in COLUMNS:
        table.add_column(
            name,
            no_wrap=True,
            overflow="ellipsis",
            ratio=1 if name == "Exit Status" else None,
            justify="right" if name == "ID" else "left",
        )
    for row in rows:
        exit_text = first_line(row.get("batch_exitstatus"))
        table.add_row(
            str(row["batch_id"]),
            text(row.get("batch_user")),
            text(row.get("batch_action")),
            when(row.get("batch_scheduled")),
            run_status(row),
            when(row.get("batch_completed")),
            Text(exit_text, style="red" if row.get("failed") else ""),
        )
    return table


def status_view(
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str,
    footer: str = "",
    plain: bool = False,
    compact: bool = False,
) -> Group:
    """The table, or a line saying there is nothing to show, plus an optional footer."""
    parts: list[RenderableType] = []
    if rows:
        parts.append(status_table(rows, title=title, plain=plain, compact=compact))
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
