"""``xtbatch status`` and ``xtbatch show``: the xTuple Connect Console in a terminal."""

from __future__ import annotations

import argparse
import json
from typing import Any

from xtbatch import db
from xtbatch.errors import JobNotFound
from xtbatch.settings import Settings

COLUMNS = ("ID", "User", "Action", "Scheduled", "Run Status", "Completed", "Exit Status")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[parent], help="list jobs as the status screen does")
    p.add_argument("--user", help="only jobs submitted by this user")
    p.add_argument("--all", action="store_true", help="include completed jobs")
    p.add_argument("--completed", action="store_true", help="include completed jobs")
    p.add_argument("--kind", help="only jobs of this kind")
    p.add_argument("--since", help="only jobs scheduled or completed since (ISO date/time)")
    p.add_argument("--limit", type=int, default=500, help="at most this many rows")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=status)
    s = sub.add_parser("show", parents=[parent], help="one job: row, params and attempts")
    s.add_argument("id", type=int)
    s.add_argument("--json", action="store_true", help="machine-readable output")
    s.set_defaults(handler=show)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M:%S"))
    return str(value)


def status(args: argparse.Namespace, settings: Settings) -> int:
    from xtbatch.commands.jobs import parse_time

    with db.connect(settings, "cli") as conn:
        db.require_schema(conn)
        rows = db.fetch_all(
            conn,
            "status_rows",
            {
                "user": args.user,
                "completed": bool(args.all or args.completed),
                "kind": args.kind,
                "since": parse_time(args.since) if args.since else None,
                "limit": args.limit,
            },
        )
    if args.json:
        print(json.dumps(rows, default=_text, indent=1))
        return 0
    table = [COLUMNS] + [
        (
            str(r["batch_id"]),
            _text(r["batch_user"]),
            _text(r["batch_action"]),
            _text(r["batch_scheduled"]),
            r["run_status"],
            _text(r["batch_completed"]),
            (r["batch_exitstatus"] or "").split("\n", 1)[0][:60],
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def show(args: argparse.Namespace, settings: Settings) -> int:
    with db.connect(settings, "cli") as conn:
        db.require_schema(conn)
        row = db.fetch_one(conn, "job", {"batch_id": args.id})
        if row is None:
            raise JobNotFound(f"No batch job has id {args.id}.")
        params = db.fetch_all(conn, "job_params", {"batch_id": args.id})
        attempts = db.fetch_all(conn, "attempts", {"batch_id": args.id})
    if args.json:
        print(
            json.dumps(
                {"job": row, "params": params, "attempts": attempts}, default=_text, indent=1
            )
        )
        return 0
    for key, value in row.items():
        print(f"{key:26} {_text(value)}")
    print("\nParameters:")
    for p in params:
        print(
            f"  {p['batchparam_order']}. {p['batchparam_name']} = "
            f"{_text(p['batchparam_value'])} ({_text(p['batchparam_type'])})"
        )
    print("\nAttempts:")
    for a in attempts:
        print(
            f"  #{a['attempt_id']} {a['state']:11} worker={_text(a['worker'])} "
            f"started={_text(a['started_at'])} ended={_text(a['ended_at'])} "
            f"{_text(a['detail']).splitlines()[0] if a['detail'] else ''}"
        )
    return 0
