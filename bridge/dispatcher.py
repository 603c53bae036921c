"""Dispatch: the oldest due job goes onto the database's queue once the previous job is
recorded complete; a job whose worker stopped is ended (or rerun) by its heartbeat."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import psycopg
from celery import Celery

from bridge.metrics import BridgeMetrics
from xtbatch import store
from xtbatch.db import Row, application_name
from xtbatch.kinds import policy
from xtbatch.recovery import end_interrupted, now_text
from xtbatch.settings import Settings
from xtbatch.store import Active, AttemptState, Dispatched, Idle, Raced
from xtbatch.workers import alive_within

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Step:
    """What one step did and how long the bridge may sleep before the next."""

    sleep: float
    dispatched: int | None = None


class Dispatcher:
    def __init__(
        self,
        settings: Settings,
        app: Celery,
        conn: psycopg.Connection[Row],
        metrics: BridgeMetrics,
    ) -> None:
        self.settings = settings
        self.app = app
        self.conn = conn
        self.metrics = metrics
        self.name = application_name("bridge")
        self.late_but_connected: set[int] = set()  # attempts already logged as such

    def step(self) -> Step:
        """Handle the job in flight, or dispatch the next due one (one round trip)."""
        found = store.dispatch_next(self.conn, str(uuid.uuid4()), self.name)
        match found:
            case Active():
                return self._watch(found)
            case Raced():  # cancelled or taken in between: look again
                return Step(sleep=0)
            case Dispatched():
                return self._dispatched(found)
            case Idle(seconds_to_next=seconds):
                limit = self.settings.keepalive_seconds
                return Step(sleep=limit if seconds is None else min(max(seconds, 0.0), limit))

    def _dispatched(self, due: Dispatched) -> Step:
        """The dispatch is recorded (and committed): now publish it."""
        task_id = str(due.task_id)
        self.send(task_id, due.batch_id, due.batch_action, due.batch_user)
        self.metrics.on_dispatch(due.batch_id, due.batch_action, due.due_for)
        log.info(
            "dispatched batch job %s (%s)",
            due.batch_id,
            due.batch_action,
            extra={
                "action": "bridge.dispatched",
                "batch_id": due.batch_id,
                "task_id": task_id,
                "kind": due.batch_action,
            },
        )
        return Step(sleep=self.watch_interval, dispatched=due.batch_id)

    def send(self, task_id: str, batch_id: int, kind: str | None, user: str | None) -> None:
        """Publish the job's message (again, for a resend: the worker's claim dedups)."""
        p = policy(kind)
        self.app.send_task(
            p.task_name,
            kwargs={"batch_id": batch_id, "kind": kind or "", "user": user or ""},
            task_id=task_id,
            queue=self.settings.queue_name,
            link_error=self.app.signature("xtbatch.job_failed"),
            time_limit=p.time_limit,
            soft_time_limit=p.soft_time_limit,
        )

    @property
    def watch_interval(self) -> float:
        return min(self.settings.stale_seconds / 3, self.settings.redispatch_seconds / 2)

    def _watch(self, active: Active) -> Step:
        if active.state is AttemptState.RUNNING:
            age = active.heartbeat_age or 0.0
            if age <= self.settings.stale_seconds:
                return Step(sleep=max(self.settings.stale_seconds - age, 0.5))
            if self._still_connected(active, age):
                return Step(sleep=self.watch_interval)
            end_interrupted(
                self.conn,
                attempt_id=active.attempt_id,
                batch_id=active.batch_id,
                kind=active.batch_action,
                reason=f"Interrupted: the worker running this job ({active.worker}) "
                f"stopped answering; no heartbeat for {age:.0f} s "
                f"(noticed at {now_text()}).",
            )
            return Step(sleep=0)
        if not active.still_due:  # cancelled before any worker claimed it
            store.drop_dispatch(self.conn, active.attempt_id)
            log.info(
                "batch job %s was cancelled before a worker took it",
                active.batch_id,
                extra={"action": "bridge.dropped", "batch_id": active.batch_id},
            )
            return Step(sleep=0)
        sent_age = active.sent_age or 0.0
        if sent_age > self.settings.redispatch_seconds and self._worker_alive():
            self.send(str(active.task_id), active.batch_id, active.batch_action, None)
            store.mark_resent(self.conn, active.attempt_id)
            log.warning(
                "batch job %s was not picked up in %.0f s by a live worker; "
                "sent it again (a broker restart may have lost it)",
                active.batch_id,
                sent_age,
                extra={"action": "bridge.resent", "batch_id": active.batch_id},
            )
        return Step(sleep=self.watch_interval)

    def _still_connected(self, active: Active, age: float) -> bool:
        """Whether the worker of an attempt whose heartbeat is late still has its database
        session (it holds the job's guard, or it is writing the outcome): then it is alive
        but slow (a busy machine), and ending the attempt would run the job twice. A killed
        worker's sessions end with it; a hung one is ended by the job's time limit."""
        backend = store.attempt_session(self.conn, active.attempt_id, active.batch_id)
        if backend is None:
            return False
        if active.attempt_id not in self.late_but_connected:
            self.late_but_connected.add(active.attempt_id)
            log.warning(
                "batch job %s: no heartbeat for %.0f s, but its worker (%s) is still "
                "connected (backend pid %s); waiting for it",
                active.batch_id,
                age,
                active.worker,
                backend,
                extra={"action": "bridge.late_heartbeat", "batch_id": active.batch_id},
            )
        return True

    def _worker_alive(self) -> bool:
        within = alive_within(self.settings)
        return bool(store.live_workers(self.conn, self.settings.queue_name, within))

    def recover_orphans(self) -> None:
        """Close jobs left In-Process with nothing running them (at start and takeover)."""
        for row in store.orphans(self.conn):
            reason = (
                f"Interrupted: found In-Process at {now_text()} with no worker running "
                f"it (started {row.batch_started:%Y-%m-%d %H:%M:%S}). Use Retry to "
                "run it again."
            )
            store.end_orphan(self.conn, row.batch_id, reason)
            log.warning(
                "batch job %s was left In-Process; ended it",
                row.batch_id,
                extra={"action": "bridge.orphan", "batch_id": row.batch_id},
            )
