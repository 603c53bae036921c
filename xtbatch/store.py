"""The typed path between the job's processes and xtbatch's SQL: one function per statement
of a job's life, rows as frozen dataclasses, every state and outcome a :class:`StrEnum`
whose values are the strings the SQL returns (xtbatch/sql/queries.sql over the functions of
migrations 0003, 0004 and 0006; xtbatch/sql/schema.sql is the whole current schema).

A batch id's way, from the bridge to the exit status:
:func:`dispatch_next` (bridge, one job ahead) -> :func:`claim` (worker: claim, guard and
the job's row and parameters in one statement; the kind runs) -> :func:`complete` (result
callbacks; :func:`finish_context` first for a failure); or :func:`interrupt` when its worker
stopped (:mod:`xtbatch.recovery`).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import class_row, kwargs_row

from xtbatch import sql
from xtbatch.db import Row, first_line
from xtbatch.errors import NotificationFailed
from xtbatch.jobs import Job, RawParam

Conn = psycopg.Connection[Row]

# Advisory-lock class for the per-job guard: a job runs in at most one session at a time.
# The worker takes it when it claims a job; the bridge looks for it before ending a job whose
# heartbeat is late.
GUARD_LOCK_CLASS = 0x78746201


class AttemptState(enum.StrEnum):
    """``xtbatch_mgr.attempt.state`` (its CHECK constraint, migration 0002)."""

    DISPATCHED = "dispatched"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    CANCELLED = "cancelled"


class DispatchOutcome(enum.StrEnum):
    """``xtbatch_mgr.dispatch_next().outcome`` (migration 0007)."""

    RUNNING = "running"
    QUEUED = "queued"
    DISPATCHED = "dispatched"
    RACED = "raced"
    IDLE = "idle"


class ClaimOutcome(enum.StrEnum):
    """``xtbatch_mgr.claim()`` (migration 0007): 'claimed', or why this delivery may not run."""

    CLAIMED = "claimed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"
    BUSY = "busy"  # another job still runs: the bridge sends this one again once it ended
    SUPERSEDED = "superseded"  # no longer its turn: the bridge dispatches the right job
    ALREADY_RUNNING = "already running"
    ALREADY_SUCCEEDED = "already succeeded"
    ALREADY_FAILED = "already failed"
    ALREADY_INTERRUPTED = "already interrupted"
    ALREADY_CANCELLED = "already cancelled"


class CompleteOutcome(enum.StrEnum):
    """``xtbatch_mgr.complete()`` (migration 0006)."""

    COMPLETED = "completed"
    GONE = "gone"  # the job was cancelled (deleted) while it ran
    RESCHEDULED = "rescheduled"  # the ERP made it due again while it ran: the reschedule wins
    NOT_RUNNING = "not running"  # the attempt had already been ended (taken as interrupted)


class InterruptOutcome(enum.StrEnum):
    """``xtbatch_mgr.interrupt()`` (migration 0003)."""

    RERUN = "rerun"
    ENDED = "ended"
    NOT_ACTIVE = "not active"  # someone else already ended the attempt


# dispatch_next: what the bridge's one statement per step found.


@dataclass(frozen=True, kw_only=True)
class Active:
    """An attempt in flight: the one running, or the one waiting on the queue (at most one
    of each per database)."""

    attempt_id: int
    task_id: uuid.UUID
    batch_id: int
    batch_action: str | None
    state: AttemptState
    worker: str | None
    still_due: bool  # queued, and its job is still the next due one
    heartbeat_age: float | None
    # queued: seconds since its message could last have been taken (sent, or the last
    # attempt ended); None: a claim refused it as busy, so no message of it is queued
    sent_age: float | None


@dataclass(frozen=True, kw_only=True)
class Dispatched:
    """A new dispatch, recorded (and committed) before its message is sent."""

    attempt_id: int
    task_id: uuid.UUID
    batch_id: int
    batch_action: str | None
    batch_user: str | None
    due_for: float  # seconds since the job was due


@dataclass(frozen=True, kw_only=True)
class Raced:
    """The due job was taken or cancelled in between: look again."""

    batch_id: int


@dataclass(frozen=True, kw_only=True)
class Idle:
    """Nothing due; the next scheduled job is due in this many seconds (None: none)."""

    seconds_to_next: float | None


@dataclass(frozen=True, kw_only=True)
class Flight:
    """What the bridge's step found: the attempt running, the one queued, and (when none was
    queued) the dispatch of the next due job, a race, or idleness."""

    running: Active | None = None
    queued: Active | None = None
    next: Dispatched | Raced | Idle | None = None


@dataclass(frozen=True, kw_only=True)
class _DispatchRow:
    outcome: str
    attempt_id: int | None
    task_id: uuid.UUID | None
    batch_id: int | None
    batch_action: str | None
    batch_user: str | None
    state: str | None
    worker: str | None
    still_due: bool | None
    heartbeat_age: float | None
    sent_age: float | None
    due_for: float | None
    seconds_to_next: float | None


def dispatch_next(conn: Conn, task_id: str, bridge: str) -> Flight:
    """The attempts in flight and, when none is queued, the dispatch of the next due job (as
    ``task_id``) or idleness; one round trip."""
    with conn.cursor(row_factory=class_row(_DispatchRow)) as cur:
        rows = cur.execute(sql.query("dispatch_next"), {"task_id": task_id, "bridge": bridge})
        found = rows.fetchall()
    running = queued = None
    following: Dispatched | Raced | Idle | None = None
    for row in found:
        outcome = DispatchOutcome(row.outcome)
        if outcome is DispatchOutcome.IDLE:
            following = Idle(seconds_to_next=row.seconds_to_next)
            continue
        assert row.batch_id is not None and row.task_id is not None
        if outcome is DispatchOutcome.RACED:
            following = Raced(batch_id=row.batch_id)
            continue
        assert row.attempt_id is not None and row.state is not None
        if outcome is DispatchOutcome.DISPATCHED:
            following = Dispatched(
                attempt_id=row.attempt_id,
                task_id=row.task_id,
                batch_id=row.batch_id,
                batch_action=row.batch_action,
                batch_user=row.batch_user,
                due_for=row.due_for or 0.0,
            )
            continue
        active = Active(
            attempt_id=row.attempt_id,
            task_id=row.task_id,
            batch_id=row.batch_id,
            batch_action=row.batch_action,
            state=AttemptState(row.state),
            worker=row.worker,
            still_due=bool(row.still_due),
            heartbeat_age=row.heartbeat_age,
            sent_age=row.sent_age,
        )
        if outcome is DispatchOutcome.RUNNING:
            running = active
        else:
            queued = active
    return Flight(running=running, queued=queued, next=following)


def drop_dispatch(conn: Conn, attempt_id: int) -> None:
    """End a dispatch whose job was cancelled or started elsewhere before any claim."""
    conn.execute(sql.query("drop_dispatch"), {"attempt_id": attempt_id})


def mark_resent(conn: Conn, attempt_id: int) -> None:
    """The bridge sent an unclaimed dispatch's message again."""
    conn.execute(sql.query("mark_resent"), {"attempt_id": attempt_id})


def attempt_session(conn: Conn, attempt_id: int, batch_id: int) -> int | None:
    """The backend pid of a running attempt's worker session, None when it has none."""
    params = {"cls": GUARD_LOCK_CLASS, "batch_id": batch_id, "attempt_id": attempt_id}
    row = conn.execute(sql.query("attempt_session"), params).fetchone()
    return None if row is None else row["backend_pid"]


@dataclass(frozen=True, kw_only=True)
class LiveWorker:
    worker: str
    hostname: str
    pid: int
    age: float  # seconds since its heartbeat


def live_workers(conn: Conn, queue: str, within: float) -> list[LiveWorker]:
    """Workers on ``queue`` whose heartbeat is younger than ``within`` seconds."""
    with conn.cursor(row_factory=class_row(LiveWorker)) as cur:
        return cur.execute(sql.query("live_workers"), {"queue": queue, "within": within}).fetchall()


@dataclass(frozen=True, kw_only=True)
class Orphan:
    batch_id: int
    batch_started: dt.datetime


def orphans(conn: Conn) -> list[Orphan]:
    """Jobs left In-Process with no attempt in flight."""
    with conn.cursor(row_factory=class_row(Orphan)) as cur:
        return cur.execute(sql.query("orphans")).fetchall()


def end_orphan(conn: Conn, batch_id: int, reason: str) -> None:
    """Close a job left In-Process with ``reason`` as its exit status."""
    conn.execute(sql.query("end_orphan"), {"batch_id": batch_id, "reason": reason})


# The worker: claim, guard, heartbeat, read the job.


@dataclass(frozen=True, kw_only=True)
class JobRun:
    """A job's row and its parameters in order, undecoded."""

    job: Job
    params: list[RawParam]


def _job_run(*, params: list[dict[str, Any]], **row: Any) -> JobRun:
    return JobRun(job=Job(**row), params=[RawParam(**p) for p in params])


@dataclass(frozen=True, kw_only=True)
class Claim:
    """This delivery is the job's current dispatch: it runs (``guarded``: its guard lock was
    taken; False: the job still runs in another session). ``run``: its row and parameters
    as the claim left them (None: the row was deleted in between)."""

    batch_id: int
    guarded: bool
    run: JobRun | None


@dataclass(frozen=True, kw_only=True)
class NotRun:
    """This delivery may not run (a copy, its job was cancelled or already ended, it is not
    its turn, or another job still runs)."""

    outcome: ClaimOutcome


def _claim_row(
    *, result: str, guarded: bool | None, claimed_batch_id: int | None, **job: Any
) -> Claim | NotRun:
    outcome = ClaimOutcome(result)
    if outcome is not ClaimOutcome.CLAIMED:
        return NotRun(outcome=outcome)
    assert claimed_batch_id is not None
    run = _job_run(**job) if job["batch_id"] is not None else None
    return Claim(batch_id=claimed_batch_id, guarded=bool(guarded), run=run)


def claim(conn: Conn, task_id: str, worker: str, pid: int) -> Claim | NotRun:
    """Claim the job of a delivered message, take its guard lock and read its row and
    parameters as the claim left them: one statement, one round trip, one transaction. The
    job that runs is the claimed attempt's, whatever the message says."""
    params = {"task_id": task_id, "worker": worker, "pid": pid, "guard_class": GUARD_LOCK_CLASS}
    with conn.cursor(row_factory=kwargs_row(_claim_row)) as cur:
        found = cur.execute(sql.query("claim"), params).fetchone()
    return NotRun(outcome=ClaimOutcome.UNKNOWN) if found is None else found


def release_guard(conn: Conn, batch_id: int) -> None:
    """Release the job's guard lock (a lost session released it anyway)."""
    conn.execute(sql.query("release_guard"), {"cls": GUARD_LOCK_CLASS, "id": batch_id})


def job_heartbeat(conn: Conn, task_id: str) -> bool:
    """Record that the running job is alive; False once it is no longer wanted (its row was
    deleted by the ERP, or its attempt is no longer running)."""
    row = conn.execute(sql.query("job_heartbeat"), {"task_id": task_id}).fetchone()
    return row is not None and row["row_present"] is not False


def job_run(conn: Conn, batch_id: int) -> JobRun | None:
    """The job's row and parameters in one statement, so in one snapshot: the ERP's
    cancelBatchItem deletes both in one transaction, and a run sees the job whole or not
    at all (never its row without its parameters). None when it is gone."""
    with conn.cursor(row_factory=kwargs_row(_job_run)) as cur:
        return cur.execute(sql.query("run_job"), {"batch_id": batch_id}).fetchone()


# The result callbacks and recovery.


@dataclass(frozen=True, kw_only=True)
class FinishContext:
    """An attempt's state and its job (None when the row is gone), read before completing."""

    attempt_state: AttemptState
    job: Job | None


def _finish_context(*, attempt_state: str, **job: Any) -> FinishContext:
    state = AttemptState(attempt_state)
    return FinishContext(attempt_state=state, job=None if job["batch_id"] is None else Job(**job))


def finish_context(conn: Conn, task_id: str) -> FinishContext | None:
    """The attempt of ``task_id`` and its job's row, in one trip; None: no such attempt."""
    with conn.cursor(row_factory=kwargs_row(_finish_context)) as cur:
        return cur.execute(sql.query("finish_context"), {"task_id": task_id}).fetchone()


@dataclass(frozen=True, kw_only=True)
class Message:
    """An xTuple system message to ``username``: through the database's postMessage, or
    else written into its msg and msguser tables."""

    username: str
    text: str
    through_function: bool


def complete(
    conn: Conn,
    task_id: str,
    *,
    exitstatus: str,
    succeeded: bool,
    notice: str | None,
    notice_failed: bool,
    message: Message | None = None,
) -> CompleteOutcome:
    """Write the outcome to the ERP row and how the submitter was told to the attempt, then
    release the job's guard. With ``message``: post it first, in the same transaction and
    round trip (pipelined), so a job's end costs one commit.

    Raises:
        NotificationFailed: posting the message failed; nothing was written.
    """
    params = {
        "task_id": task_id,
        "exitstatus": exitstatus,
        "succeeded": succeeded,
        "notice": notice,
        "notice_failed": notice_failed,
    }
    if message is None:
        row = conn.execute(sql.query("complete"), params).fetchone()
        assert row is not None
        return CompleteOutcome(row["result"])
    posted = {"username": message.username, "text": message.text}
    with conn.cursor() as cur:
        try:
            with conn.pipeline():
                if message.through_function:
                    conn.execute(sql.query("post_message"), posted)
                else:
                    conn.execute(sql.query("post_message_rows"), posted)
                    conn.execute(sql.query("notify_message_posted"))
                cur.execute(sql.query("complete"), params)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            raise NotificationFailed(
                f"Posting a system message to {message.username} failed: {first_line(exc)}"
            ) from exc
        row = cur.fetchone()
    assert row is not None
    return CompleteOutcome(row["result"])


@dataclass(frozen=True, kw_only=True)
class Attempt:
    attempt_id: int
    batch_id: int
    batch_action: str | None
    state: AttemptState


def attempt_by_task(conn: Conn, task_id: str) -> Attempt | None:
    """One attempt by its Celery task id."""
    row = conn.execute(sql.query("attempt_by_task"), {"task_id": task_id}).fetchone()
    if row is None:
        return None
    return Attempt(**{**row, "state": AttemptState(row["state"])})


def interrupted_count(conn: Conn, batch_id: int) -> int:
    """How often this job was already interrupted."""
    row = conn.execute(sql.query("interrupted_count"), {"batch_id": batch_id}).fetchone()
    return 0 if row is None else int(row["n"])


def interrupt(conn: Conn, attempt_id: int, reason: str, *, rerun: bool) -> InterruptOutcome:
    """End an attempt whose worker stopped: run its job again, or end it with ``reason``."""
    params = {"attempt_id": attempt_id, "reason": reason, "rerun": rerun}
    row = conn.execute(sql.query("interrupt"), params).fetchone()
    assert row is not None
    return InterruptOutcome(row["result"])
