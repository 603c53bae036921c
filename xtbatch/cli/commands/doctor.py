"""``xtbatch doctor``: check everything a working batch manager needs, then run a Ping job.

On an xTuple database it also checks what the desktop client needs: the metric
EnableBatchManager, xtbatch registered and enabled as an xTuple package, xtrole's grants, and
that the client's batch statements resolve in a session as login(true) sets it up.

One line per check (OK, WARN, FAIL or SKIP, what was found, what to do); the exit status is 1
when any check failed. Nothing is sent by email: the SMTP check connects and says EHLO only.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from xtbatch import db, logs, mail
from xtbatch.db import Row
from xtbatch.errors import ConfigurationError, DatabaseUnavailable, NotificationFailed
from xtbatch.install import latest_version
from xtbatch.settings import Settings, redact_url
from xtbatch.workers import alive_within

BROKER_TIMEOUT = 5.0
SMTP_TIMEOUT = 5.0
POLL_SECONDS = 0.2
DEFAULT_PING_TIMEOUT = 30.0
# Tables xtbatch reads and writes in every job's life.
TABLES = (
    "xtbatch.batch",
    "xtbatch.batchparam",
    "xtbatch_mgr.attempt",
    "xtbatch_mgr.worker",
    "xtbatch_mgr.periodic",
)
PRIVILEGES = ("select", "insert", "update", "delete")


@dataclass(frozen=True, kw_only=True)
class Check:
    name: str
    status: str  # OK, WARN, FAIL or SKIP
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        # A SKIP follows from a failure above it, which is what gets counted.
        return self.status == "FAIL"

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name:<10}  {self.detail}"
        return logs.redact(f"{text} -> {self.fix}" if self.fix else text)


def ok(name: str, detail: str) -> Check:
    return Check(name=name, status="OK", detail=detail)


def fail(name: str, detail: str, fix: str) -> Check:
    return Check(name=name, status="FAIL", detail=detail, fix=fix)


def skip(name: str, why: str) -> Check:
    return Check(name=name, status="SKIP", detail=f"not checked: {why}")


def register(sub: Any, parent: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "doctor",
        parents=[parent],
        help="check database, schema, privileges, broker, worker, bridge and SMTP, then Ping",
        description="Checks what xtbatch needs, one line per check, then submits a Ping job "
        "and waits for it to complete. Exit status 1 when any check failed.",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_PING_TIMEOUT,
        help=f"seconds to wait for the Ping job (default {DEFAULT_PING_TIMEOUT:.0f})",
    )
    p.add_argument("--no-ping", action="store_true", help="do not submit a Ping job")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    checks = diagnose(settings, ping_timeout=None if args.no_ping else args.timeout, out=print)
    failed = [c for c in checks if c.failed]
    skipped = sum(1 for c in checks if c.status == "SKIP")
    ran = len(checks) - skipped
    not_run = f"; {skipped} not checked because of them" if skipped and failed else ""
    if failed:
        print(f"{len(failed)} of {ran} checks failed{not_run}.")
        return 1
    print(f"All {ran} checks passed" + (f"; {skipped} not checked." if skipped else "."))
    return 0


def diagnose(
    settings: Settings, *, ping_timeout: float | None, out: Callable[[str], object]
) -> list[Check]:
    """Run every check in order, reporting each line through ``out`` as soon as it is known."""
    checks: list[Check] = []

    def record(check: Check) -> Check:
        checks.append(check)
        out(check.line())
        return check

    from xtbatch.cli.commands.doctor_xtuple import XTUPLE_CHECKS  # it builds on Check, below

    conn: psycopg.Connection[Row] | None = None
    try:
        database = record(check_database(settings))
        if database.status == "OK":
            conn = db.connect(settings, "doctor")
        schema_ok = False
        if conn is None:
            for name in ("schema", "privileges", *XTUPLE_CHECKS):
                record(skip(name, "the database is not reachable"))
        else:
            live = conn
            schema_ok = record(guarded("schema", lambda: check_schema(live))).status == "OK"
            if schema_ok:
                record(guarded("privileges", lambda: check_privileges(live)))
                for name, xtuple_check in XTUPLE_CHECKS.items():
                    record(guarded(name, functools.partial(xtuple_check, live)))
            else:
                for name in ("privileges", *XTUPLE_CHECKS):
                    record(skip(name, "no schema"))
        record(guarded("broker", lambda: check_broker(settings)))
        for name, check in (("worker", check_worker), ("bridge", check_bridge)):
            if conn is None or not schema_ok:
                record(skip(name, "the database or its schema is not ready"))
            else:
                record(guarded(name, functools.partial(check, conn, settings)))
        record(guarded("smtp", lambda: check_smtp(settings, conn if schema_ok else None)))
        if ping_timeout is not None:
            if conn is None or any(c.failed for c in checks):
                record(skip("ping", "fix the failures above first"))
            else:
                record(guarded("ping", lambda: check_ping(live, ping_timeout)))
    finally:
        if conn is not None:
            conn.close()
    return checks


def guarded(name: str, check: Callable[[], Check]) -> Check:
    """Run one check; an unexpected error is that check's failure, never a traceback."""
    try:
        return check()
    except Exception as exc:
        return fail(name, f"the check itself failed: {db.first_line(exc)}", "run with --debug")


def check_database(settings: Settings) -> Check:
    where = db.describe(settings)
    try:
        with db.connect(settings, "doctor") as conn:
            row = db.fetch_one(conn, "doctor_server") or {}
    except (DatabaseUnavailable, psycopg.Error) as exc:
        message = exc.message if isinstance(exc, DatabaseUnavailable) else db.first_line(exc)
        return fail(
            "database",
            message,
            "check XTBATCH_DATABASE_URL (host, port, database, user, password) and that "
            "PostgreSQL accepts this host (pg_hba.conf)",
        )
    return ok("database", f"{where} reachable (PostgreSQL {row.get('version', '?')})")


def check_schema(conn: psycopg.Connection[Row]) -> Check:
    present = db.scalar(conn, "doctor_schema_present")
    version = db.scalar(conn, "schema_version") if present else None
    latest = latest_version()
    if version is None:
        return fail("schema", "xtbatch is not installed in this database", "run: xtbatch install")
    if version < latest:
        return fail(
            "schema",
            f"schema version {version}, this xtbatch needs {latest}",
            "run: xtbatch install (it applies the missing migrations)",
        )
    if version > latest:
        return fail(
            "schema",
            f"schema version {version} is newer than this xtbatch ({latest})",
            "upgrade xtbatch on this host to the version that installed it",
        )
    return ok("schema", f"version {version} (current)")


def check_privileges(conn: psycopg.Connection[Row]) -> Check:
    user = db.fetch_one(conn, "current_user_info") or {}
    name = user.get("username", "?")
    missing = []
    for table in TABLES:
        row = db.fetch_one(conn, "table_privileges", {"name": table}) or {}
        lacking = [p.upper() for p in PRIVILEGES if row.get(p) is False]
        if lacking:
            missing.append(f"GRANT {', '.join(lacking)} ON {table} TO {name};")
    if missing:
        return fail(
            "privileges",
            f"database user '{name}' lacks privileges on xtbatch's tables",
            "ask a database administrator to run: " + " ".join(missing),
        )
    if user.get("superuser"):
        return ok(
            "privileges",
            f"'{name}' is a superuser: every job kind can run, ServerMaintenance's REINDEX too",
        )
    return Check(
        name="privileges",
        status="WARN",
        detail=f"'{name}' is not a superuser: ServerMaintenance cannot REINDEX and fails; "
        "other jobs need privileges on the ERP tables they touch",
        fix="run xtbatch as a PostgreSQL superuser, as the batch manager's manual advises",
    )


def check_broker(settings: Settings) -> Check:
    from kombu import Connection

    url = redact_url(settings.broker_url)
    try:
        with Connection(settings.broker_url, connect_timeout=BROKER_TIMEOUT) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT
            )
    except Exception as exc:  # kombu raises transport-specific errors
        return fail(
            "broker",
            f"cannot reach {url} within {BROKER_TIMEOUT:.0f} s: {db.first_line(exc)}",
            "start Redis/RabbitMQ or fix XTBATCH_BROKER_URL",
        )
    return ok("broker", f"{url} reachable")


def check_worker(conn: psycopg.Connection[Row], settings: Settings) -> Check:
    within = alive_within(settings)
    queue = settings.queue_name
    workers = db.fetch_all(conn, "live_workers", {"queue": queue, "within": within})
    if not workers:
        return fail(
            "worker",
            f"no worker has reported on queue '{queue}' in the last {within:.0f} s",
            "start 'xtbatch worker' with the same XTBATCH_DATABASE_URL and XTBATCH_QUEUE",
        )
    names = ", ".join(f"{w['worker']} ({w['age']:.0f} s ago)" for w in workers)
    return ok("worker", f"{len(workers)} alive on queue '{queue}': {names}")


def check_bridge(conn: psycopg.Connection[Row], settings: Settings) -> Check:
    sessions = db.fetch_all(conn, "doctor_bridges")
    leaders = [s for s in sessions if s["leader"]]
    if not leaders:
        return fail(
            "bridge",
            "no bridge is serving this database, so no job is dispatched",
            "start 'xtbatch bridge' with the same XTBATCH_DATABASE_URL",
        )
    standby = len(sessions) - len(leaders)
    holder = leaders[0]["application_name"].removeprefix("xtbatch-bridge ")
    return ok("bridge", f"leader {holder}" + (f", {standby} standby" if standby else ""))


def check_smtp(settings: Settings, conn: psycopg.Connection[Row] | None = None) -> Check:
    """The mail server answers; without one, the database has xTuple's system messages
    (else nobody learns that a job ended)."""
    if not settings.smtp_url:
        if conn is None:
            return skip("smtp", "no mail server configured, and the database is not ready")
        if not _has_messages(conn):
            return fail(
                "smtp",
                "neither email nor xTuple system messages can reach submitters: "
                "XTBATCH_SMTP_URL is empty and this database has no xTuple system messages "
                "(no postMessage function, no msg/msguser tables)",
                "set XTBATCH_SMTP_URL to your mail server (smtp://host:port) and give jobs "
                "an email address, or point XTBATCH_DATABASE_URL at the xTuple database",
            )
        return ok("smtp", "not configured: submitters get xTuple system messages, not email")
    try:
        server = mail.SmtpServer.from_url(settings.smtp_url)
    except ConfigurationError as exc:
        return fail("smtp", exc.message, "fix XTBATCH_SMTP_URL")
    where = f"{server.host}:{server.port}"
    try:
        code = mail.greet(server, SMTP_TIMEOUT)
    except NotificationFailed as exc:
        return fail(
            "smtp",
            exc.message,
            "start the mail server or fix XTBATCH_SMTP_URL (host, port, user, password)",
        )
    login = f", logged in as {server.user}" if server.user else ""
    answered = f"mail server {where} answered ({code}{login}; nothing sent)"
    if conn is not None and not _has_messages(conn):
        return Check(
            name="smtp",
            status="WARN",
            detail=f"{answered}; this database has no xTuple system messages, so the "
            "submitter of a job without an email address is not told when it ends",
            fix="give jobs an email address (submit --email)",
        )
    return ok("smtp", answered)


def _has_messages(conn: psycopg.Connection[Row]) -> bool:
    """Whether the database has xTuple's system messages (postMessage or its tables)."""
    found = db.fetch_one(conn, "has_post_message") or {}
    return bool(found.get("present") or found.get("tables"))


def _ahead(conn: psycopg.Connection[Row]) -> str:
    """What holds the queue: the attempt running and the one waiting, if any."""
    return "".join(
        f"; batch job {active['batch_id']} ({active['batch_action']}) is {active['state']}, "
        f"sent {active['sent_count']} time(s)"
        for active in db.fetch_all(conn, "active_attempt")
    )


def check_ping(conn: psycopg.Connection[Row], timeout: float) -> Check:
    with conn.transaction():
        batch_id = db.scalar(
            conn, "submit_action", {"action": "Ping", "email": None, "scheduled": None}
        )
        # A diagnostic: nobody is notified (no user, no address), so the check measures the
        # pipeline, not whether this database has xTuple's system messages.
        db.execute(conn, "set_batch_user", {"batch_id": batch_id, "user": None})
    started = time.monotonic()
    deadline = started + timeout
    row: Row | None = None
    while time.monotonic() < deadline:
        row = db.fetch_one(conn, "job", {"batch_id": batch_id})
        if row is None or row["batch_completed"] is not None:
            break
        time.sleep(POLL_SECONDS)
    took = time.monotonic() - started
    if row is None:
        return fail("ping", f"Ping job {batch_id} vanished (cancelled?)", "run doctor again")
    if row["batch_completed"] is None:
        if row["batch_started"] is None:
            db.scalar(conn, "cancel", {"batch_id": batch_id})
            return fail(
                "ping",
                f"Ping job {batch_id} was not started within {timeout:.0f} s (cancelled it)"
                + _ahead(conn),
                "check the bridge's and the worker's logs: is the worker consuming this queue?",
            )
        return fail(
            "ping",
            f"Ping job {batch_id} started but did not finish within {timeout:.0f} s",
            "check the worker's log; a long job may be running before it",
        )
    status = (row["batch_exitstatus"] or "").strip()
    if status:
        return fail(
            "ping",
            f"Ping job {batch_id} failed: {status.splitlines()[0]}",
            "see 'xtbatch show " + str(batch_id) + "' and the worker's log",
        )
    return ok("ping", f"Ping job {batch_id} completed in {took:.1f} s")
