"""Dispatch: the oldest due job goes onto the database's queue one ahead: while job N runs,
N+1 waits on the queue, so the worker takes it the moment N is acknowledged. The worker's
claim refuses a waiting job whose turn has passed; a job whose worker stopped is ended (or
rerun) by its heartbeat."""

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
from xtbatch.store import Active, Dispatched, Idle, Raced
from xtbatch.workers import alive_within

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Step:
    """What one step did and how long the bridge may sleep before the next."""

    sleep: float
    dispatched: int | None = None
    queued_in_flight: bool = False  # a job waits on the queue, its message sent


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
        self.errback = app.signature("xtbatch.job_failed")  # the same on every message

    def step(self) -> Step:
        """Watch the jobs in flight and keep one waiting on the queue (one round trip)."""
        found = store.dispatch_next(self.conn, str(uuid.uuid4()), self.name)
        sleeps = [self.settings.keepalive_seconds]
        if found.running is not None:
            sleeps.append(self._watch_running(found.running))
        if found.queued is not None:
            sleeps.append(self._watch_queued(found.queued, running=found.running is not None))
        match found.next:
            case Raced():  # cancelled or taken in between: look again
                sleeps.append(0)
            case Dispatched():
                return self._dispatched(found.next)
            case Idle(seconds_to_next=seconds) if seconds is not None:
                sleeps.append(max(seconds, 0.0))
        queued = found.queued
        in_flight = queued is not None and queued.still_due and queued.sent_age is not None
        return Step(sleep=min(sleeps), queued_in_flight=in_flight)

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
        return Step(sleep=self.watch_interval, dispatched=due.batch_id, queued_in_flight=True)

    def send(self, task_id: str, batch_id: int, kind: str | None, user: str | None) -> None:
        """Publish the job's message (again, for a resend: the worker's claim dedups)."""
        p = policy(kind)
        self.app.send_task(
            p.task_name,
            kwargs={"batch_id": batch_id, "kind": kind or "", "user": user or ""},
            task_id=task_id,
            queue=self.settings.queue_name,
            link_error=self.errback,
            time_limit=p.time_limit,
            soft_time_limit=p.soft_time_limit,
        )

    @property
    def watch_interval(self) -> float:
        return min(self.settings.stale_seconds / 3, self.settings.redispatch_seconds / 2)

    def _watch_running(self, active: Active) -> float:
        """End the running attempt when its worker stopped answering; the seconds until it
        needs looking at again."""
        age = active.heartbeat_age or 0.0
        if age <= self.settings.stale_seconds:
            return max(self.settings.stale_seconds - age, 0.5)
        if self._still_connected(active, age):
            return self.watch_interval
        end_interrupted(
            self.conn,
            attempt_id=active.attempt_id,
            batch_id=active.batch_id,
            kind=active.batch_action,
            reason=f"Interrupted: the worker running this job ({active.worker}) "
            f"stopped answering; no heartbeat for {age:.0f} s "
            f"(noticed at {now_text()}).",
        )
        return 0

    def _watch_queued(self, queued: Active, *, running: bool) -> float:
        """The job waiting on the queue: withdrawn when its turn passed (cancelled,
        rescheduled, or an earlier job became due), sent again when its message was taken
        while another job ran or seems lost; the seconds until it needs looking at again."""
        if not queued.still_due:
            store.drop_dispatch(self.conn, queued.attempt_id)
            log.info(
                "batch job %s was withdrawn from the queue before a worker took it "
                "(cancelled, rescheduled, or an earlier job is due)",
                queued.batch_id,
                extra={"action": "bridge.dropped", "batch_id": queued.batch_id},
            )
            return 0
        if running:  # it waits its turn; the end of the running job wakes the bridge
            return self.settings.keepalive_seconds
        if queued.sent_age is None:  # a claim refused it while another job ran
            self._resend(queued, "its message was taken while another job still ran")
        elif queued.sent_age > self.settings.redispatch_seconds and self._worker_alive():
            self._resend(
                queued,
                f"a live worker did not pick it up in {queued.sent_age:.0f} s "
                "(a broker restart may have lost it)",
            )
        return self.watch_interval

    def _resend(self, queued: Active, why: str) -> None:
        self.send(str(queued.task_id), queued.batch_id, queued.batch_action, None)
        store.mark_resent(self.conn, queued.attempt_id)
        log.warning(
            "batch job %s sent again: %s",
            queued.batch_id,
            why,
            extra={"action": "bridge.resent", "batch_id": queued.batch_id},
        )

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
