"""Tell the submitter that a job ended: email, else an xTuple system message.

The outcome is a :class:`Notice`, kept on the job's attempt; it never changes the exit status
of a job that succeeded (in xTuple a non-empty exit status means the job failed).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg

from xtbatch import db, mail, store
from xtbatch.db import Row
from xtbatch.errors import NotificationFailed
from xtbatch.jobs import Job
from xtbatch.kinds import policy
from xtbatch.settings import Settings

log = logging.getLogger(__name__)

# What an administrator does when nobody could be told (the worker's ERROR line says it).
HOW_TO_REACH = (
    "set XTBATCH_SMTP_URL to a mail server that answers (and give jobs an email address), "
    "or run on an xTuple database with system messages (postMessage); 'xtbatch doctor' "
    "checks both"
)


@dataclass(frozen=True, kw_only=True)
class Notice:
    """How the submitter was told that a job ended, or why nobody was."""

    text: str  # e.g. "email to a@example.com", "system message to jsmith"
    failed: bool = False  # the submitter could not be told at all


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


def system_message(conn: psycopg.Connection[Row], username: str, text: str) -> store.Message:
    """A system message to post with the job's outcome (:func:`xtbatch.store.complete`),
    through postMessage where the database has it, else into xTuple's msg tables.

    Raises:
        NotificationFailed: the database has neither postMessage nor the msg tables.
    """
    found = _messaging(conn)
    if not found.get("present") and not found.get("tables"):
        raise NotificationFailed(
            "This database has no xTuple system messages (no postMessage function, no msg table)."
        )
    return store.Message(username=username, text=text, through_function=bool(found.get("present")))


@dataclass(frozen=True, kw_only=True)
class Pending:
    """A system message still to be posted, in one transaction with the job's outcome: the
    notice once it is posted, and what to record if posting fails."""

    message: store.Message
    notice: Notice
    problems: list[str]  # what failed before (the email)

    def failed(self, reason: str) -> Notice:
        return _failure([*self.problems, reason])


def notify(
    conn: psycopg.Connection[Row], settings: Settings, job: Job, exitstatus: str
) -> Notice | Pending:
    """Notify the submitter by email (sent now), else by system message (returned as
    :class:`Pending`, posted with the outcome); say how, or why nobody was."""
    subject, text = summary(job, exitstatus)
    own_mail = policy(job.action).sends_own_mail
    if own_mail and not exitstatus:
        return Notice(text="the job's own email")  # it was the notification
    problems: list[str] = []
    address = None if own_mail else (job.email or "").strip()
    username = (job.user or "").strip()
    if not address and not username:
        return Notice(text="nobody to tell: the job names neither an address nor a user")
    if address and settings.smtp_url:
        try:
            mail.send(
                settings.smtp_url,
                mail.Mail(
                    sender=sender_for(conn, settings, job), to=address, subject=subject, body=text
                ),
            )
            return Notice(text=f"email to {address}")
        except NotificationFailed as exc:
            problems.append(f"Email to {address} failed: {exc.message}")
    elif address:
        problems.append(f"No email to {address}: XTBATCH_SMTP_URL is empty.")
    if not username:
        return _failure([*problems, "The job names no user for a system message."])
    try:
        message = system_message(conn, username, text)
    except NotificationFailed as exc:
        return _failure([*problems, exc.message])
    fallback = f" ({problems[0]})" if problems and settings.smtp_url else ""
    return Pending(
        message=message,
        notice=Notice(text=f"system message to {username}{fallback}"),
        problems=problems,
    )


def _failure(problems: list[str]) -> Notice:
    return Notice(text="Could not notify the submitter: " + " ".join(problems), failed=True)
