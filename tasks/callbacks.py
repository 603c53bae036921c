"""Result callbacks: notify the submitter and write the outcome back to the ERP row.

Both run synchronously in the worker that ran the job, before its message is acknowledged:
- success: :class:`JobTask`'s ``on_success`` handler (Celery calls it right after the task
  returns). A ``link`` callback would be a second message, which a broker restart can lose
  after the job's work is done, leaving a finished job unrecorded (and rerun).
- failure: the ``link_error`` errback ``xtbatch.job_failed``. It takes
  ``(request, exc, traceback)``, so Celery calls it in the process that saw the failure,
  also when the pool child was killed by a time limit or a signal.
If neither runs (the whole worker died), the bridge notices the stale heartbeat and ends the
job itself.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from billiard.exceptions import WorkerLostError
from celery import Task, shared_task
from celery.exceptions import TimeLimitExceeded

from tasks import resources
from xtbatch import notify, store
from xtbatch.errors import (
    DatabaseLost,
    DatabaseUnavailable,
    JobFailed,
    NotificationFailed,
    XtbatchError,
)
from xtbatch.jobs import Job
from xtbatch.kinds import policy
from xtbatch.recovery import end_interrupted, now_text
from xtbatch.store import AttemptState, CompleteOutcome

log = logging.getLogger(__name__)


class JobTask(Task):
    """The base of every job kind's task: success is recorded before the ack."""

    def on_success(self, retval: Any, task_id: str, args: Any, kwargs: Any) -> None:
        if isinstance(retval, dict) and "batch_id" in retval and not retval.get("skipped"):
            ran = getattr(self.request, "xtbatch_job", None)  # set by runner.run
            finish(task_id, int(retval["batch_id"]), "", ran=ran if isinstance(ran, Job) else None)


@shared_task(name="xtbatch.job_failed", ignore_result=True)
def job_failed(request: Any, exc: BaseException, traceback: Any) -> None:
    """A job's task failed: record the failure in words an administrator understands."""
    task_id = str(request.id)
    kwargs = request.kwargs or {}
    batch_id = int(kwargs.get("batch_id") or (request.args or [0])[0])
    kind = str(kwargs.get("kind") or "")
    if isinstance(exc, WorkerLostError | DatabaseLost):
        _interrupted(task_id, batch_id, kind, exc)
        return
    finish(task_id, batch_id, exit_status(exc, kind))


def exit_status(exc: BaseException, kind: str) -> str:
    """First line the summary, then detail."""
    if isinstance(exc, JobFailed):
        return exc.message
    if isinstance(exc, TimeLimitExceeded):
        return (
            f"Stopped: the job ran longer than its time limit of "
            f"{policy(kind).time_limit} s and was ended at {now_text()}."
        )
    if isinstance(exc, XtbatchError):
        return exc.message
    return (
        f"The job failed with an unexpected error: {type(exc).__name__}: {exc}\n"
        "This is a fault in xtbatch or in the job kind; the worker log has the traceback."
    )


def _interrupted(task_id: str, batch_id: int, kind: str, exc: BaseException) -> None:
    """The run was cut short (its process died, or its database session was lost): run it
    again if its kind is safe to repeat, else end it saying so."""
    reason = (
        exc.message
        if isinstance(exc, DatabaseLost)
        else f"Interrupted: the worker process running this job ended unexpectedly "
        f"at {now_text()} ({exc})."
    )
    try:
        conn = resources.control.get()
        attempt = store.attempt_by_task(conn, task_id)
        if attempt is None or attempt.state is not AttemptState.RUNNING:
            return
        end_interrupted(
            conn, attempt_id=attempt.attempt_id, batch_id=batch_id, kind=kind, reason=reason
        )
    except (psycopg.OperationalError, DatabaseUnavailable):
        # Still no database: the bridge ends the attempt when its heartbeat is stale.
        log.warning(
            "batch job %s: interruption not recorded (database unavailable)",
            batch_id,
            extra={"action": "job.unrecorded", "batch_id": batch_id},
        )


def finish(task_id: str, batch_id: int, exitstatus: str, *, ran: Job | None = None) -> None:
    """Notify the submitter, then write the outcome and how the submitter was told.

    ``ran``: the job's row as this process just ran it (a success); otherwise (a failure,
    reported by the errback) the row and the attempt's state are read first.

    The exit status is the job's own outcome: empty when it succeeded, whether or not its
    submitter could be told. A failed job whose submitter could not be told gains one last
    line saying so, for whoever reads it in the Batch Manager (docs/operations.md).
    """
    conn = resources.control.get()
    job = ran
    if job is None:
        context = store.finish_context(conn, task_id)
        if context and context.attempt_state is AttemptState.RUNNING:
            job = context.job
    succeeded = not exitstatus
    outcome, notice, exitstatus = _tell_and_write(conn, task_id, job, exitstatus)
    extra = {"batch_id": batch_id, "task_id": task_id, "outcome": outcome}
    if outcome is not CompleteOutcome.COMPLETED:
        log.warning(
            "batch job %s result not written to its row: %s",
            batch_id,
            outcome,
            extra={"action": "job.unrecorded", **extra},
        )
        return
    log.info(
        "batch job %s completed%s",
        batch_id,
        f" with exit status: {exitstatus.splitlines()[0]}" if exitstatus else "",
        extra={
            "action": "job.completed",
            "failed": not succeeded,
            "notice": notice.text if notice else None,
            "notice_failed": bool(notice and notice.failed),
            **extra,
        },
    )


def _tell_and_write(
    conn: store.Conn, task_id: str, job: Job | None, exitstatus: str
) -> tuple[CompleteOutcome, notify.Notice | None, str]:
    """Tell the submitter, then write the outcome: an email is sent first; a system message
    is posted in the same transaction as the outcome, and if posting fails, the outcome is
    written saying so. Returns the outcome, the notice and the exit status written."""
    succeeded = not exitstatus
    told = notify.notify(conn, resources.settings(), job, exitstatus) if job else None
    if isinstance(told, notify.Pending):
        try:
            outcome = store.complete(
                conn,
                task_id,
                exitstatus=exitstatus,
                succeeded=succeeded,
                notice=told.notice.text,
                notice_failed=False,
                message=told.message,
            )
            return outcome, told.notice, exitstatus
        except NotificationFailed as exc:
            told = told.failed(exc.message)
    if told is not None and told.failed:
        assert job is not None  # nobody is told about a job that is gone
        _notice_failed(job, succeeded, told)
        if not succeeded:
            exitstatus = f"{exitstatus}\n{told.text}"
    outcome = store.complete(
        conn,
        task_id,
        exitstatus=exitstatus,
        succeeded=succeeded,
        notice=told.text if told else None,
        notice_failed=bool(told and told.failed),
    )
    return outcome, told, exitstatus


def _notice_failed(job: Job, succeeded: bool, notice: notify.Notice) -> None:
    """Loud: nobody will know this job ended unless someone reads the Batch Manager."""
    log.error(
        "batch job %s (%s) %s, but its submitter %s could not be told: %s -> %s",
        job.batch_id,
        job.action or "no kind",
        "succeeded" if succeeded else "failed",
        (job.user or "").strip() or (job.email or "").strip() or "(none named)",
        notice.text.removeprefix("Could not notify the submitter: "),
        notify.HOW_TO_REACH,
        extra={"action": "notify.failed", "batch_id": job.batch_id, "succeeded": succeeded},
    )
