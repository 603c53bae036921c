"""``xtbatch status`` and ``xtbatch show``: the xTuple Connect Console in a terminal.

Like the original screen, ``status`` lists the connected user's jobs that have not completed,
ordered by batch_scheduled then id; flags widen the view (every user, one user, completed
jobs) or narrow it (one kind, recent jobs).
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Sequence
from typing import Any

from rich.console import RenderableType

from xtbatch import db
from xtbatch.cli.console import table, watch
from xtbatch.cli.console.session import Session, session
from xtbatch.cli.console.when import SINCE_FORMATS, parse_time
from xtbatch.errors import ConfigurationError, JobNotFound
from xtbatch.settings import Settings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "status",
        parents=[parent],
        help="list jobs as the xTuple Connect Console does",
        description="List batch jobs: User, Action, Scheduled, Run Status, Completed and the "
        "first line of the Exit Status, in scheduled order. By default: the connected "
        "database user's jobs that have not completed.",
    )
    who = p.add_mutually_exclusive_group()
    who.add_argument("--user", help="jobs submitted by this user")
    who.add_argument("--all", action="store_true", help="jobs of every user")
    p.add_argument("--completed", action="store_true", help="include completed jobs")
    p.add_argument("--kind", help="only jobs of this kind (batch_action), e.g. RunReport")
    p.add_argument(
        "--since",
        metavar="TIME",
        help=f"only jobs submitted, scheduled, started or completed since TIME ({SINCE_FORMATS})",
    )
    p.add_argument("--limit", type=int, default=500, help="at most this many jobs (500)")
    p.add_argument(
        "--watch",
        action="store_true",
        help="stay open and redraw whenever a job changes (LISTEN/NOTIFY); Ctrl-C to stop",
    )
    p.add_argument(
        "--json", action="store_true", help="JSON for scripts (with --watch: one line a change)"
    )
    p.set_defaults(handler=status)

    s = sub.add_parser(
        "show",
        parents=[parent],
        help="one job: its row, parameters, exit status and attempts",
        description="Everything about one job: the whole batch row, its parameters, the full "
        "exit status, and xtbatch's record of each attempt (worker, times, outcome).",
    )
    s.add_argument("id", type=int, metavar="ID")
    s.add_argument("--json", action="store_true", help="JSON for scripts")
    s.set_defaults(handler=show)


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    if args.limit < 1:
        raise ConfigurationError(f"--limit {args.limit}: give a number of jobs, 1 or more.")
    since = None
    if args.since is not None:
        since = parse_time(args.since, "--since", past=True) or dt.datetime.now(dt.UTC)
    return {
        "user": args.user,
        "all_users": bool(args.all),
        "completed": bool(args.completed),
        "kind": args.kind,
        "since": since,
        "limit": args.limit,
    }


def _title(args: argparse.Namespace, username: str) -> str:
    who = "every user" if args.all else (args.user or username)
    what = "all jobs" if args.completed else "jobs not completed"
    extras = [f"kind {args.kind}"] if args.kind else []
    if args.since:
        extras.append(f"since {args.since}")
    return f"Batch jobs of {who}: {what}" + (f" ({', '.join(extras)})" if extras else "")


def status(args: argparse.Namespace, settings: Settings) -> int:
    filters = _filters(args)
    out = table.console()
    with session(settings) as s:

        def fetch() -> list[dict[str, Any]]:
            rows = db.fetch_all(s.conn, "console_status_rows", filters)
            return [table.with_run_status(row) for row in rows]

        title = _title(args, s.username)
        if args.watch:

            def render(rows: Sequence[dict[str, Any]], footer: str) -> RenderableType:
                return table.status_view(
                    rows,
                    title=title,
                    footer=footer,
                    width=out.width if out.is_terminal else None,
                )

            return watch.watch(
                settings, fetch=fetch, render=render, console=out, json_lines=args.json
            )
        rows = fetch()
    if args.json:
        print(table.to_json(rows))
    else:
        hint = "" if args.all or args.user else "--all for every user"
        view = table.status_view(
            rows,
            title=title,
            footer=hint,
            width=out.width if out.is_terminal else None,
        )
        table.emit(out, view)
    return 0


def _gone(s: Session, batch_id: int) -> JobNotFound:
    """Why a job has no row: xTuple's cancelBatchItem deletes it, and so does the purge of
    old completed jobs; xtbatch's attempt table and the id sequence tell these from an id
    that never was."""
    gone = db.fetch_one(s.conn, "console_job_gone", {"batch_id": batch_id}) or {}
    state = gone.get("state")
    if state in ("dispatched", "running", "cancelled"):
        return JobNotFound(
            f"Batch job {batch_id} ({gone['batch_action']}) was cancelled after xtbatch "
            f"dispatched it: its row was deleted from {s.where}."
        )
    if state:
        when = gone["ended_at"] or gone["dispatched_at"]
        return JobNotFound(
            f"Batch job {batch_id} ({gone['batch_action']}) no longer exists in {s.where}: it "
            f"was cancelled or purged after it ended ({state} at {when:%Y-%m-%d %H:%M:%S})."
        )
    if gone.get("issued") and batch_id > 0:
        return JobNotFound(
            f"Batch job {batch_id} no longer exists in {s.where}: it was cancelled before it "
            "ran (xTuple's cancel deletes the job), or purged as an old completed job."
        )
    return JobNotFound(f"No batch job has id {batch_id} in {s.where}.")


def _load(s: Session, batch_id: int) -> tuple[dict[str, Any], list[db.Row], list[db.Row]]:
    row = db.fetch_one(s.conn, "job", {"batch_id": batch_id})
    if row is None:
        raise _gone(s, batch_id)
    params = db.fetch_all(s.conn, "job_params", {"batch_id": batch_id})
    attempts = db.fetch_all(s.conn, "attempts", {"batch_id": batch_id})
    return table.with_run_status(row), params, attempts


def show(args: argparse.Namespace, settings: Settings) -> int:
    with session(settings) as s:
        row, params, attempts = _load(s, args.id)
    if args.json:
        print(table.to_json({"job": row, "params": params, "attempts": attempts}))
        return 0
    out = table.console()
    table.emit(out, table.job_view(row, params, attempts, plain=not out.is_terminal))
    return 0
