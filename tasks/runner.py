"""Running one job: claim it, guard it, heartbeat it, run its kind, translate its errors.

Every job kind registers through :func:`job_kind`; the task it makes is named after the kind
(``xtbatch.job.<Kind>``) so Flower shows what runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded

from tasks import resources
from tasks.callbacks import JobTask
from tasks.context import JobContext
from xtbatch import db, parameters, privileges
from xtbatch.db import Row
from xtbatch.errors import (
    DatabaseLost,
    DatabaseUnavailable,
    FunctionMissing,
    JobFailed,
    JobInterrupted,
    ParameterInvalid,
)
from xtbatch.jobs import Job, RawParam
from xtbatch.kinds import POLICIES, KindPolicy
from xtbatch.recovery import GUARD_LOCK_CLASS

log = logging.getLogger(__name__)

KindFn = Callable[[JobContext], str | None]


def job_kind(name: str) -> Callable[[KindFn], KindFn]:
    """Register ``fn`` as the code of job kind ``name`` (its policy is in xtbatch.kinds), on
    the worker's app once tasks/catalog.py is imported."""
    policy = POLICIES[name]

    def register(fn: KindFn) -> KindFn:
        @shared_task(
            base=JobTask,
            name=policy.task_name,
            bind=True,
            time_limit=policy.time_limit,
            soft_time_limit=policy.soft_time_limit,
            acks_late=True,
            ignore_result=True,
            throws=(JobFailed,),
        )
        def task(self: Task, batch_id: int, kind: str = "", user: str = "") -> dict[str, Any]:
            return run(self, policy, fn, batch_id)

        return fn

    return register


class Heartbeat(threading.Thread):
    """One per process: writes the heartbeat of the job it watches, and notices when the ERP
    cancelled that job (its row is gone) or the bridge ended its attempt."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="job-heartbeat", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.task_id: str | None = None
        self.cancelled = threading.Event()

    def watch(self, task_id: str, cancelled: threading.Event) -> None:
        with self.lock:
            self.task_id, self.cancelled = task_id, cancelled

    def unwatch(self) -> None:
        with self.lock:
            self.task_id = None

    def run(self) -> None:
        failing = False
        while not self.stopping.wait(self.interval):
            with self.lock:
                task_id, cancelled = self.task_id, self.cancelled
            if task_id is None:
                continue
            try:
                row = db.fetch_one(resources.control.get(), "job_heartbeat", {"task_id": task_id})
            except Exception as exc:  # psycopg or DatabaseUnavailable: keep beating
                if not failing:  # once per outage, not once per beat
                    log.warning(
                        "job heartbeat failed: %s",
                        db.first_line(exc),
                        extra={"action": "job.heartbeat_failed"},
                    )
                failing = True
                continue
            failing = False
            if (row is None or row["row_present"] is False) and self.task_id == task_id:
                log.warning(
                    "batch job cancelled while it ran; stopping it",
                    extra={"action": "job.cancelled", "task_id": task_id},
                )
                cancelled.set()
                with contextlib.suppress(Exception):
                    resources.job.get().cancel_safe()
                self.unwatch()


_heartbeat: Heartbeat | None = None


def start_heartbeat(interval: float) -> None:
    """Start this pool child's heartbeat thread (at worker_process_init, tasks/worker.py)."""
    global _heartbeat
    _heartbeat = Heartbeat(interval)
    _heartbeat.start()


def stop_heartbeat() -> None:
    if _heartbeat is not None:
        _heartbeat.stopping.set()


def heartbeat() -> Heartbeat:
    """This process's heartbeat thread.

    Raises:
        RuntimeError: called outside a pool child (its heartbeat starts with the child).
    """
    if _heartbeat is None:
        raise RuntimeError("the job heartbeat starts in a worker's pool child")
    return _heartbeat


def _claim(task_id: str) -> Row:
    """Claim and guard the job; one retry on a fresh session after a database restart."""
    params = {
        "task_id": task_id,
        "worker": resources.worker_name(),
        "pid": os.getpid(),
        "guard_class": GUARD_LOCK_CLASS,
    }
    try:
        row = db.fetch_one(resources.control.get(), "claim", params)
    except psycopg.OperationalError:
        row = db.fetch_one(resources.control.get(), "claim", params)
    return row or {"result": "unknown", "guarded": None}


def run(task: Task, policy: KindPolicy, fn: KindFn, batch_id: int) -> dict[str, Any]:
    """Claim, run and return the job's result; a failure raises JobFailed."""
    task_id = str(task.request.id)
    extra = {"batch_id": batch_id, "kind": policy.name, "task_id": task_id}
    try:
        claim = _claim(task_id)
    except (psycopg.OperationalError, DatabaseUnavailable) as exc:
        # Nothing ran and nothing was claimed: the bridge sends the job again once the
        # database is back and a worker's heartbeat is fresh.
        claim = {"result": f"database unavailable: {db.first_line(exc)}", "guarded": None}
    if claim["result"] != "claimed":
        log.warning(
            "batch job %s not run: this delivery is not its current dispatch (%s)",
            batch_id,
            claim["result"],
            extra={"action": "job.skipped", **extra},
        )
        return {"batch_id": batch_id, "task_id": task_id, "skipped": claim["result"]}
    if not claim["guarded"]:
        log.error(
            "batch job %s refused: it is still running in another session",
            batch_id,
            extra={"action": "job.refused", **extra},
        )
        raise JobFailed(
            f"Batch job {batch_id} is still running in another session; "
            "this run was refused so that it never runs twice at once."
        )
    log.info(
        "batch job %s started (%s)", batch_id, policy.name, extra={"action": "job.started", **extra}
    )
    cancelled = threading.Event()
    beat = heartbeat()
    beat.watch(task_id, cancelled)
    try:
        summary = _run_kind(task, policy, fn, batch_id, resources.job.get(), cancelled)
    except (psycopg.OperationalError, DatabaseUnavailable) as exc:
        raise DatabaseLost(
            f"Interrupted: the database connection was lost while the job ran "
            f"({db.first_line(exc)})."
        ) from None
    finally:
        beat.unwatch()
        with contextlib.suppress(Exception):  # a lost session released it anyway
            db.scalar(
                resources.control.get(), "release_guard", {"cls": GUARD_LOCK_CLASS, "id": batch_id}
            )
    log.info(
        "batch job %s succeeded%s",
        batch_id,
        f": {summary}" if summary else "",
        extra={"action": "job.succeeded", **extra},
    )
    return {"batch_id": batch_id, "task_id": task_id, "summary": summary or ""}


def _run_kind(
    task: Task,
    policy: KindPolicy,
    fn: KindFn,
    batch_id: int,
    conn: psycopg.Connection[Row],
    cancelled: threading.Event,
) -> str | None:
    row = db.fetch_one(conn, "job", {"batch_id": batch_id})
    if row is None:
        raise JobInterrupted("The job was cancelled before it started.")
    job = Job.from_row(row)
    adapter = logging.LoggerAdapter(log, {"batch_id": batch_id, "kind": policy.name})

    def report_progress(done: int, total: int, what: str) -> None:
        adapter.info(
            "batch job %s: %d of %d %s",
            batch_id,
            done,
            total,
            what,
            extra={"action": "job.progress", "done": done, "total": total},
        )
        if task.request.id:
            task.update_state(state="PROGRESS", meta={"done": done, "total": total, "what": what})

    try:
        rows = db.fetch_all(conn, "job_params", {"batch_id": batch_id})
        params = parameters.decoded(policy.params, (RawParam.from_row(r) for r in rows))
        ctx = JobContext(
            job=job,
            params=params,
            conn=conn,
            settings=resources.settings(),
            log=adapter,
            report_progress=report_progress,
            cancelled=cancelled,
        )
        return fn(ctx)
    except JobFailed:
        raise
    except SoftTimeLimitExceeded:
        raise JobFailed(
            f"Stopped: the job ran longer than its time limit ({policy.soft_time_limit} s)."
        ) from None
    except psycopg.errors.InsufficientPrivilege as exc:
        user = str(db.scalar(conn, "current_user_info") or "")
        raise privileges.explain(exc, conn, user) from None
    except psycopg.errors.UndefinedFunction as exc:
        raise FunctionMissing(
            f"This database lacks a function the job needs: {db.first_line(exc)}\n"
            + (
                f"{policy.name} needs {policy.needs}."
                if policy.needs
                else "Install or enable the xTuple package that provides it."
            )
        ) from None
    except psycopg.errors.QueryCanceled:
        if cancelled.is_set():
            raise JobInterrupted("The job was cancelled while it ran.") from None
        raise JobFailed("The database cancelled the job's query (statement timeout?).") from None
    except psycopg.Error as exc:
        raise JobFailed(f"Database error: {db.first_line(exc)}") from None
    except (ValueError, TypeError) as exc:
        raise ParameterInvalid(f"The job's parameters do not fit: {exc}") from None
