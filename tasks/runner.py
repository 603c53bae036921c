"""Running one job: claim it, guard it, heartbeat it, run its kind, translate its errors.

Every job kind (tasks/kinds/) binds its function to its declaration through :func:`job_kind`;
the task it makes is named after the kind (``xtbatch.job.<Kind>``) so Flower shows what runs.
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
from tasks.context import JobContext, kind_log
from xtbatch import db, parameters, privileges, store
from xtbatch.db import Row
from xtbatch.errors import (
    DatabaseLost,
    DatabaseUnavailable,
    FunctionMissing,
    InternalError,
    JobFailed,
    JobInterrupted,
    XtbatchError,
)
from xtbatch.kinds import POLICIES, KindPolicy

log = logging.getLogger(__name__)

KindFn = Callable[[JobContext], str | None]


# The function of each declared kind, as job_kind bound it (checked against the declarations
# by tests/unit/test_kind_declarations.py).
KINDS: dict[str, KindFn] = {}


def job_kind(name: str) -> Callable[[KindFn], KindFn]:
    """Bind ``fn`` as the code of job kind ``name``, declared (parameters and policy) in
    :data:`xtbatch.kinds.POLICIES`; the worker runs it as the task ``xtbatch.job.<name>``.

    Raises:
        LookupError: at import: no declaration of ``name``, or a second function for it.
    """
    policy = POLICIES.get(name)
    if policy is None:
        raise LookupError(
            f"job kind {name!r} is not declared: add its parameters and policy to "
            "POLICIES in xtbatch/kinds.py"
        )

    def register(fn: KindFn) -> KindFn:
        bound = KINDS.get(name, fn)
        if (bound.__module__, bound.__qualname__) != (fn.__module__, fn.__qualname__):
            raise LookupError(
                f"job kind {name!r} is bound twice: {bound.__module__}.{bound.__qualname__} "
                f"and {fn.__module__}.{fn.__qualname__}"
            )
        KINDS[name] = fn

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
                wanted = store.job_heartbeat(resources.control.get(), task_id)
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
            if not wanted and self.task_id == task_id:
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


def _claim(task_id: str) -> store.Claim | store.NotRun:
    """Claim, guard and read the job; one retry on a fresh session after a database
    restart."""
    worker, pid = resources.worker_name(), os.getpid()
    try:
        return store.claim(resources.control.get(), task_id, worker, pid)
    except psycopg.OperationalError:
        return store.claim(resources.control.get(), task_id, worker, pid)


def run(task: Task, policy: KindPolicy, fn: KindFn, batch_id: int) -> dict[str, Any]:
    """Claim, run and return the job's result; a failure raises JobFailed."""
    task_id = str(task.request.id)
    extra = {"batch_id": batch_id, "kind": policy.name, "task_id": task_id}
    try:
        claim = _claim(task_id)
    except (psycopg.OperationalError, DatabaseUnavailable) as exc:
        # Nothing ran and nothing was claimed: the bridge sends the job again once the
        # database is back and a worker's heartbeat is fresh.
        return _skipped(batch_id, task_id, f"database unavailable: {db.first_line(exc)}", extra)
    if isinstance(claim, store.NotRun):
        return _skipped(batch_id, task_id, claim.outcome, extra)
    if not claim.guarded:
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
    ran = claim.run
    try:
        if ran is None:
            raise JobInterrupted("The job was cancelled before it started.")
        summary = _run_kind(task, policy, fn, ran, resources.job.get(), cancelled)
    except BaseException as exc:
        # A failure: its outcome is written after the guard is released. A success keeps
        # the guard until its outcome is written (store.complete releases it).
        beat.unwatch()
        with contextlib.suppress(Exception):  # a lost session released it anyway
            store.release_guard(resources.control.get(), batch_id)
        if isinstance(exc, psycopg.OperationalError | DatabaseUnavailable):
            raise DatabaseLost(
                f"Interrupted: the database connection was lost while the job ran "
                f"({db.first_line(exc)})."
            ) from exc
        raise
    beat.unwatch()
    log.info(
        "batch job %s succeeded%s",
        batch_id,
        f": {summary}" if summary else "",
        extra={"action": "job.succeeded", **extra},
    )
    # The job's row travels to the success callback (JobTask.on_success, in this process and
    # request) on the request, not in the return value, which Celery reprs for its log line.
    task.request.xtbatch_job = ran.job
    return {"batch_id": batch_id, "task_id": task_id, "summary": summary or ""}


def _skipped(batch_id: int, task_id: str, reason: str, extra: dict[str, Any]) -> dict[str, Any]:
    """This delivery does not run (a copy, or its job was cancelled or already ended)."""
    log.warning(
        "batch job %s not run: this delivery is not its current dispatch (%s)",
        batch_id,
        reason,
        extra={"action": "job.skipped", **extra},
    )
    return {"batch_id": batch_id, "task_id": task_id, "skipped": str(reason)}


def _run_kind(
    task: Task,
    policy: KindPolicy,
    fn: KindFn,
    run: store.JobRun,
    conn: psycopg.Connection[Row],
    cancelled: threading.Event,
) -> str | None:
    batch_id = run.job.batch_id
    adapter = kind_log(fn, batch_id=batch_id, kind=policy.name)

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
        # Decoded and checked against the kind's declaration before its code runs: only
        # this raises a parameter error (ParameterInvalid).
        params = parameters.decoded(policy.params, run.params)
        ctx = JobContext(
            job=run.job,
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
    except SoftTimeLimitExceeded as exc:
        raise JobFailed(
            f"Stopped: the job ran longer than its time limit ({policy.soft_time_limit} s)."
        ) from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        user = str(db.scalar(conn, "current_user_info") or "")
        raise privileges.explain(exc, conn, user) from exc
    except psycopg.errors.UndefinedFunction as exc:
        raise FunctionMissing(
            f"This database lacks a function the job needs: {db.first_line(exc)}\n"
            + (
                f"{policy.name} needs {policy.needs}."
                if policy.needs
                else "Install or enable the xTuple package that provides it."
            )
        ) from exc
    except psycopg.errors.QueryCanceled as exc:
        if cancelled.is_set():
            raise JobInterrupted("The job was cancelled while it ran.") from exc
        raise JobFailed("The database cancelled the job's query (statement timeout?).") from exc
    except psycopg.Error as exc:
        raise JobFailed(f"Database error: {db.first_line(exc)}") from exc
    except XtbatchError:  # e.g. DatabaseUnavailable: run() makes it DatabaseLost
        raise
    except Exception as exc:  # a fault in the kind's code or in xtbatch, not in the job
        raise _internal_error(batch_id, policy.name, str(task.request.id), exc) from exc


def _internal_error(batch_id: int, kind: str, task_id: str, exc: Exception) -> InternalError:
    """Log the fault's traceback once (Celery logs a JobFailed without one) and say, in the
    exit status, where to find it."""
    log.error(
        "internal error in batch job %s (%s, task %s): %s: %s",
        batch_id,
        kind,
        task_id,
        type(exc).__name__,
        exc,
        exc_info=exc,
        extra={"action": "job.internal_error", "batch_id": batch_id, "task_id": task_id},
    )
    return InternalError(
        f"Internal error: the {kind} job failed unexpectedly ({type(exc).__name__}: {exc}).\n"
        "This is a fault in xtbatch or in the job kind, not in the job; the worker log has "
        f"the traceback under task id {task_id}."
    )
