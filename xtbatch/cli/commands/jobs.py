"""``xtbatch submit``, ``cancel``, ``retry`` and ``reschedule``: steer jobs the way the
xTuple Connect Console does, through xTuple's own functions.

Semantics kept from the original: Retry runs a completed job again as soon as possible
(``rescheduleBatchItem(id, now)``) and refuses any other; Reschedule sets a new time and
clears started/completed; Cancel deletes the job (``cancelBatchItem``), run or not.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from xtbatch import db
from xtbatch.cli.console import table
from xtbatch.cli.console.session import Session, session
from xtbatch.cli.console.submission import PARAM_FORMAT, check_kind, check_params, parse_param
from xtbatch.cli.console.when import FORMATS, parse_time, text
from xtbatch.errors import ConfigurationError, JobNotFound, XtbatchError
from xtbatch.jobs import RunStatus, run_status
from xtbatch.settings import Settings

# Flags that fill the email columns of an Email or RunReport job: (flag, dest, help).
MAIL_FLAGS = (
    ("--from", "from_", "sender (default: DefaultBatchFromEmailAddress, then XTBATCH_MAIL_FROM)"),
    ("--cc", "cc", "copy to"),
    ("--bcc", "bcc", "blind copy to"),
    ("--reply-to", "reply_to", "reply-to address"),
    ("--subject", "subject", "subject"),
    ("--body", "body", "message body"),
    ("--filename", "filename", "attachment file name"),
)
MAIL_KINDS = ("Email", "RunReport")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    _register_submit(sub, parent)
    c = sub.add_parser(
        "cancel",
        parents=[parent],
        help="cancel (delete) jobs, run or not",
        description="Cancel jobs through xtbatch.cancelBatchItem: the row and its parameters "
        "are deleted; a running job is stopped by its worker. Asks to confirm when several.",
    )
    c.add_argument("ids", nargs="+", type=int, metavar="ID")
    c.add_argument("--yes", "-y", action="store_true", help="do not ask to confirm")
    c.set_defaults(handler=cancel)

    r = sub.add_parser(
        "retry",
        parents=[parent],
        help="run completed jobs again as soon as possible",
        description="Retry ASAP, as the console's button: only completed jobs (Done).",
    )
    r.add_argument("ids", nargs="+", type=int, metavar="ID")
    r.set_defaults(handler=retry)

    s = sub.add_parser(
        "reschedule",
        parents=[parent],
        help="run a job at another time",
        description="Set the job's scheduled time and clear started/completed "
        "(xtbatch.rescheduleBatchItem).",
    )
    s.add_argument("id", type=int, metavar="ID")
    s.add_argument("at", metavar="TIME", help=FORMATS)
    s.set_defaults(handler=reschedule)


def _register_submit(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "submit",
        parents=[parent],
        help="submit a job",
        description="Submit a job through xTuple's own functions: submitActionToBatch, "
        "submitEmailToBatch for Email jobs, submitReportToBatch for RunReport jobs.",
    )
    p.add_argument("kind", metavar="KIND", help="job kind, e.g. Ping, ServerMaintenance, RunMRP")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE[:TYPE]",
        help=f"a job parameter (repeat): {PARAM_FORMAT}; a NAME alone is a flag",
    )
    p.add_argument("--at", metavar="TIME", help=f"when to run: {FORMATS} (default: now)")
    p.add_argument("--email", metavar="ADDR", help="address notified (Email/RunReport: the To)")
    p.add_argument("--user", help="submitter recorded on the job (default: the database user)")
    p.add_argument("--force", action="store_true", help="submit a kind xtbatch does not know")
    p.add_argument("--json", action="store_true", help="print the new job as JSON")
    mail = p.add_argument_group("Email and RunReport jobs")
    mail.add_argument("--report", metavar="NAME", help="RunReport: the report to run")
    for flag, dest, helptext in MAIL_FLAGS:
        mail.add_argument(flag, dest=dest, help=helptext)
    mail.add_argument("--html", action="store_true", help="the body is HTML")
    p.set_defaults(handler=submit)


def _check_mail_flags(args: argparse.Namespace) -> None:
    given = [flag for flag, dest, _ in MAIL_FLAGS if getattr(args, dest) is not None]
    given += ["--html"] if args.html else []
    if args.kind not in MAIL_KINDS:
        given += ["--report"] if args.report is not None else []
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise ConfigurationError(
                f"{', '.join(given)} {verb} only to Email and RunReport jobs, not {args.kind}."
            )
    if args.kind == "RunReport" and not args.report:
        raise ConfigurationError("A RunReport job needs --report NAME (the report to run).")
    if args.kind == "Email" and args.report is not None:
        raise ConfigurationError("--report applies to RunReport jobs, not Email.")
    if args.kind == "Email" and not args.email:
        raise ConfigurationError("An Email job needs --email ADDR (the recipient).")


def _insert(s: Session, args: argparse.Namespace, scheduled: Any) -> int:
    mail = {
        "from": args.from_,
        "to": args.email,
        "cc": args.cc,
        "bcc": args.bcc,
        "reply_to": args.reply_to,
        "subject": args.subject,
        "body": args.body,
        "filename": args.filename,
        "scheduled": scheduled,
        "html": bool(args.html),
    }
    if args.kind == "Email":
        return int(db.scalar(s.conn, "console_submit_email", mail))
    if args.kind == "RunReport":
        batch_id = int(db.scalar(s.conn, "console_submit_report", {**mail, "report": args.report}))
        db.execute(s.conn, "console_set_headers", {**mail, "batch_id": batch_id})
        return batch_id
    action = {"action": args.kind, "email": args.email, "scheduled": scheduled}
    return int(db.scalar(s.conn, "console_submit_action", action))


def _check_report(s: Session, name: str) -> None:
    """Refuse a RunReport job whose report the worker will not find.

    Raises:
        ConfigurationError: no report table, or no report of that name.
    """
    if not db.scalar(s.conn, "console_report_table"):
        raise ConfigurationError(
            f"{s.where} has no report table (xTuple's report definitions), so report "
            f"'{name}' cannot run there; is this the xTuple database? Nothing was submitted."
        )
    if not db.scalar(s.conn, "console_report_exists", {"name": name}):
        raise ConfigurationError(
            f"Report '{name}' does not exist in {s.where} (report names are case-sensitive). "
            "Nothing was submitted."
        )


def submit(args: argparse.Namespace, settings: Settings) -> int:
    if not args.force:
        check_kind(args.kind)
    _check_mail_flags(args)
    params = [parse_param(text, i) for i, text in enumerate(args.param, start=1)]
    check_params(args.kind, params)
    scheduled = parse_time(args.at, "--at") if args.at is not None else None
    with session(settings) as s:
        if args.kind == "RunReport":
            _check_report(s, args.report)
        with s.conn.transaction():
            batch_id = _insert(s, args, scheduled)
            if args.user:
                db.execute(s.conn, "set_batch_user", {"batch_id": batch_id, "user": args.user})
            for p in params:
                values = {"order": p.order, "name": p.name, "value": p.value, "type": p.type}
                db.execute(s.conn, "insert_param", {"batch_id": batch_id, **values})
        row = db.fetch_one(s.conn, "job", {"batch_id": batch_id})
    assert row is not None
    if args.json:
        print(table.to_json(row))
    else:
        print(
            f"Submitted batch job {batch_id} ({args.kind}) for {row['batch_user']}, "
            f"scheduled {text(row['batch_scheduled'])}."
        )
    return 0


def _fetch(s: Session, ids: list[int]) -> list[db.Row]:
    """The named jobs, locked; every id must exist.

    Raises:
        JobNotFound: naming the ids that do not exist.
    """
    rows = db.fetch_all(s.conn, "console_jobs_locked", {"ids": sorted(set(ids))})
    for row in rows:
        row["run_status"] = run_status(row["batch_started"], row["batch_completed"])
    missing = sorted(set(ids) - {r["batch_id"] for r in rows})
    if missing:
        listed = ", ".join(map(str, missing))
        raise JobNotFound(
            f"No batch job has id {listed} in {s.where}."
            if len(missing) == 1
            else f"No batch jobs have ids {listed} in {s.where}."
        )
    return rows


def _confirm(rows: list[db.Row]) -> bool:
    """Ask on the terminal before cancelling several jobs.

    Raises:
        ConfigurationError: stdin is not a terminal and --yes was not given.
    """
    if not sys.stdin.isatty():
        raise ConfigurationError(
            f"Cancelling {len(rows)} jobs needs confirmation: add --yes to cancel them "
            "without asking."
        )
    listed = ", ".join(f"{r['batch_id']} ({r['batch_action']}, {r['run_status']})" for r in rows)
    try:
        answer = input(f"Cancel {len(rows)} jobs: {listed}? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def cancel(args: argparse.Namespace, settings: Settings) -> int:
    with session(settings) as s:
        # Read without holding locks while a person answers the question.
        rows = _fetch(s, args.ids)
        if len(rows) > 1 and not args.yes and not _confirm(rows):
            print("Nothing cancelled.")
            return 1
        with s.conn.transaction():
            rows = _fetch(s, args.ids)
            for row in rows:
                db.scalar(s.conn, "cancel", {"batch_id": row["batch_id"]})
    for row in rows:
        note = "; its worker stops it" if row["run_status"] == RunStatus.IN_PROCESS else ""
        print(
            f"Cancelled batch job {row['batch_id']} "
            f"({row['batch_action']}, was {row['run_status']}{note})."
        )
    return 0


def retry(args: argparse.Namespace, settings: Settings) -> int:
    with session(settings) as s, s.conn.transaction():
        rows = _fetch(s, args.ids)
        not_done = [r for r in rows if r["run_status"] != RunStatus.DONE]
        if not_done:
            raise XtbatchError(
                "Only completed jobs can be retried: "
                + ", ".join(f"{r['batch_id']} is {r['run_status']}" for r in not_done)
                + ". Nothing was changed."
            )
        for row in rows:
            db.scalar(
                s.conn, "console_reschedule", {"batch_id": row["batch_id"], "scheduled": None}
            )
    for row in rows:
        print(
            f"Batch job {row['batch_id']} ({row['batch_action']}) "
            "will run again as soon as possible."
        )
    return 0


def reschedule(args: argparse.Namespace, settings: Settings) -> int:
    scheduled = parse_time(args.at, "TIME")
    with session(settings) as s:
        with s.conn.transaction():
            (row,) = _fetch(s, [args.id])
            db.scalar(s.conn, "console_reschedule", {"batch_id": args.id, "scheduled": scheduled})
        when = db.scalar(s.conn, "console_scheduled_at", {"batch_id": args.id})
    if row["run_status"] == RunStatus.IN_PROCESS:
        print(
            f"Note: job {args.id} is running now; that run's outcome will not be recorded.",
            file=sys.stderr,
        )
    print(f"Batch job {args.id} ({row['batch_action']}) rescheduled for {text(when)}.")
    return 0
