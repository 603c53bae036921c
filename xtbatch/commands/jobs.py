"""``xtbatch submit``, ``cancel``, ``retry`` and ``reschedule``: steer jobs the way the
xTuple Connect Console does, through xTuple's own functions."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
from typing import Any

from xtbatch import db
from xtbatch.errors import ConfigurationError, JobNotFound, XtbatchError
from xtbatch.jobs import Job
from xtbatch.settings import Settings


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "submit",
        parents=[parent],
        help="submit a job",
        description="Submit a job through xtbatch.submitActionToBatch.",
    )
    p.add_argument("kind", help="job kind, e.g. Ping, ServerMaintenance, RunMRP")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE[:TYPE]",
        help="a parameter (repeat); TYPE is the client's type name, e.g. int, "
        "bool, QDate; a NAME alone is a flag",
    )
    p.add_argument("--at", metavar="TIME", help="when to run (ISO date/time; default now)")
    p.add_argument("--email", help="address notified when the job ends")
    p.add_argument("--user", help="submitter recorded on the job (default: you)")
    p.set_defaults(handler=submit)

    for name, helptext in (
        ("cancel", "cancel (delete) jobs, run or not"),
        ("retry", "run completed jobs again as soon as possible"),
    ):
        c = sub.add_parser(name, parents=[parent], help=helptext, description=helptext)
        c.add_argument("ids", nargs="+", type=int, metavar="ID")
        if name == "cancel":
            c.add_argument("--yes", action="store_true", help="do not ask to confirm")
        c.set_defaults(handler=cancel if name == "cancel" else retry)

    r = sub.add_parser("reschedule", parents=[parent], help="run a job at another time")
    r.add_argument("id", type=int)
    r.add_argument("at", metavar="TIME", help="ISO date/time, or 'now'")
    r.set_defaults(handler=reschedule)


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO date/time, or None for 'now'.

    Raises:
        ConfigurationError: not a date/time.
    """
    if text is None or text.strip().lower() == "now":
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigurationError(
            f"'{text}' is not a date/time: use YYYY-MM-DD HH:MM[:SS] or 'now'."
        ) from None


def parse_param(text: str, order: int) -> dict[str, Any]:
    name, sep, rest = text.partition("=")
    if not name.strip():
        raise ConfigurationError(f"--param '{text}' has no name: use NAME=VALUE[:TYPE].")
    value, type_ = rest, None
    if sep and ":" in rest:
        candidate, _, maybe_type = rest.rpartition(":")
        if maybe_type and maybe_type.replace("<", "").replace(">", "").isalnum():
            value, type_ = candidate, maybe_type
    return {"order": order, "name": name.strip(), "value": value if sep else "", "type": type_}


def submit(args: argparse.Namespace, settings: Settings) -> int:
    params = [parse_param(text, i) for i, text in enumerate(args.param, start=1)]
    scheduled = parse_time(args.at)
    with db.connect(settings, "cli") as conn:
        db.require_schema(conn)
        with conn.transaction():
            batch_id = db.scalar(
                conn,
                "submit_action",
                {
                    "action": args.kind,
                    "email": args.email,
                    "scheduled": scheduled,
                },
            )
            db.execute(
                conn,
                "set_batch_user",
                {
                    "batch_id": batch_id,
                    "user": args.user or getpass.getuser(),
                },
            )
            for param in params:
                db.execute(conn, "insert_param", {"batch_id": batch_id, **param})
    print(f"Submitted batch job {batch_id} ({args.kind}).")
    return 0


def _job(conn: Any, batch_id: int) -> Job:
    row = db.fetch_one(conn, "job", {"batch_id": batch_id})
    if row is None:
        raise JobNotFound(f"No batch job has id {batch_id}.")
    return Job.from_row(row)


def cancel(args: argparse.Namespace, settings: Settings) -> int:
    with db.connect(settings, "cli") as conn:
        db.require_schema(conn)
        jobs = [_job(conn, i) for i in args.ids]
        if len(jobs) > 1 and not args.yes:
            answer = input(f"Cancel {len(jobs)} jobs ({', '.join(map(str, args.ids))})? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                print("Nothing cancelled.")
                return 1
        for job in jobs:
            db.scalar(conn, "cancel", {"batch_id": job.batch_id})
            print(f"Cancelled batch job {job.batch_id} ({job.action}, {job.state}).")
    return 0


def retry(args: argparse.Namespace, settings: Settings) -> int:
    with db.connect(settings, "cli") as conn:
        db.require_schema(conn)
        jobs = [_job(conn, i) for i in args.ids]
        not_done = [j for j in jobs if j.state != "Done"]
        if not_done:
            raise XtbatchError(
                "Only completed jobs can be retried; "
                + ", ".join(f"{j.batch_id} is {j.state}" for j in not_done)
                + "."
            )
        for job in jobs:
            db.scalar(conn, "reschedule", {"batch_id": job.batch_id, "scheduled": None})
            print(f"Batch job {job.batch_id} ({job.action}) will run again as soon as possible.")
    return 0


def reschedule(args: argparse.Namespace, settings: Settings) -> int:
    scheduled = parse_time(args.at)
    with db.connect(settings, "cli") as conn:
        db.require_schema(conn)
        job = _job(conn, args.id)
        db.scalar(conn, "reschedule", {"batch_id": job.batch_id, "scheduled": scheduled})
    print(f"Batch job {job.batch_id} rescheduled for {scheduled or 'now'}.")
    return 0
