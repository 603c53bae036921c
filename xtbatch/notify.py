"""Tell the submitter that a job ended: email, else an xTuple system message."""

from __future__ import annotations

import logging

import psycopg

from xtbatch import db, mail
from xtbatch.db import Row
from xtbatch.errors import NotificationFailed
from xtbatch.jobs import Job
from xtbatch.kinds import policy
from xtbatch.settings import Settings

log = logging.getLogger(__name__)


def sender_for(conn: psycopg.Connection[Row], settings: Settings, job: Job) -> str:
    """From: the job's sender, else the metric DefaultBatchFromEmailAddress, else config."""
    if job.from_email and job.from_email.strip():
        return job.from_email.strip()
    metric = db.scalar(conn, "metric_text", {"name": "DefaultBatchFromEmailAddress"})
    if metric and str(metric).strip():
        return str(metric).strip()
    return settings.sender


def summary(job: Job, exitstatus: str) -> tuple[str, str]:
    """(subject, text) of the notification."""
    what = f"Batch job {job.batch_id} ({job.action or 'no kind'})"
    if exitstatus:
        return f"{what} failed", f"{what} failed.\n\nExit status:\n{exitstatus}"
    return f"{what} completed", f"{what} completed successfully."


_MESSAGING: dict[int, Row] = {}


def _messaging(conn: psycopg.Connection[Row]) -> Row:
    """What this database has for system messages; asked once per connection (a worker's
    sessions live long; conn.info.dsn would cost more than the query it saves)."""
    key = id(conn)
    if key not in _MESSAGING:
        _MESSAGING.clear()  # one live connection per process asks; forget closed ones
        _MESSAGING[key] = db.fetch_one(conn, "has_post_message") or {}
    return _MESSAGING[key]


def post_message(conn: psycopg.Connection[Row], username: str, text: str) -> None:
    """Post an xTuple system message, through postMessage where the database has it.

    Raises:
        NotificationFailed: the database has neither postMessage nor the msg tables, or
            posting failed.
    """
    found = _messaging(conn)
    try:
        if found.get("present"):  # one statement: its own transaction
            db.execute(conn, "post_message", {"username": username, "text": text})
            return
        with conn.transaction():
            if found.get("tables"):
                db.execute(conn, "post_message_rows", {"username": username, "text": text})
                db.execute(conn, "notify_message_posted")
            else:
                raise NotificationFailed(
                    "This database has no xTuple system messages (no postMessage function, "
                    "no msg table)."
                )
    except psycopg.Error as exc:
        raise NotificationFailed(
            f"Posting a system message to {username} failed: {db.first_line(exc)}"
        ) from exc


def notify(conn: psycopg.Connection[Row], settings: Settings, job: Job, exitstatus: str) -> str:
    """Notify the submitter; return a line for the exit status when that failed, else ''."""
    subject, text = summary(job, exitstatus)
    own_mail = policy(job.action).sends_own_mail
    if own_mail and not exitstatus:
        return ""  # the job's own email was the notification
    problems: list[str] = []
    address = None if own_mail else (job.email or "").strip()
    if not address and not (job.user or "").strip():
        return ""  # nobody to tell: the job names neither an address nor a user
    if address and settings.smtp_url:
        try:
            mail.send(
                settings.smtp_url,
                mail.Mail(
                    sender=sender_for(conn, settings, job), to=address, subject=subject, body=text
                ),
            )
            return ""
        except NotificationFailed as exc:
            problems.append(f"Email to {address} failed: {exc.message}")
    username = (job.user or "").strip()
    if not username:
        return _failure(job, [*problems, "The job names no user for a system message."])
    try:
        post_message(conn, username, text)
    except NotificationFailed as exc:
        problems.append(exc.message)
        return _failure(job, problems)
    log.info(
        "system message posted",
        extra={"action": "notify.message", "batch_id": job.batch_id, "user": username},
    )
    if problems:
        return problems[0] + f" A system message was posted to {username} instead."
    return ""


def _failure(job: Job, problems: list[str]) -> str:
    text = "Could not notify the submitter: " + " ".join(problems)
    log.warning(text, extra={"action": "notify.failed", "batch_id": job.batch_id})
    return text
