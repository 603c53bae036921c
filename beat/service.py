"""Celery beat, with its entries run inside the beat process.

Why not send them to the queue as Celery tasks: the job queue carries batch jobs one at a
time (the bridge dispatches the next only when the database says the worker is idle), so a
maintenance message there would break that count and could wait hours behind a long job.
Beat's work is a few statements in the ERP database; submitting ServerMaintenance *is* a
database write, and the job itself then runs on the worker like any other. So the scheduler
below calls the entry's function where Celery would publish a message, and beat never needs
the broker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from celery import Celery
from celery.beat import ScheduleEntry, Scheduler, Service

from beat.schedule import MAINTENANCE, Periodic, Plan
from beat.submit import already_done, purge_once, submit_once
from xtbatch import db
from xtbatch.settings import Settings
from xtbatch.signals import on_stop

log = logging.getLogger(__name__)

TICK_TASK = "xtbatch.beat.tick"
TICK_SECONDS = 30.0


class Beat:
    """Runs the plan's actions whose slot is due, each at most once per slot."""

    def __init__(self, settings: Settings, plan: Plan) -> None:
        self.settings = settings
        self.plan = plan
        self.done: set[tuple[str, dt.datetime]] = set()

    def due(self, now: dt.datetime) -> list[tuple[Periodic, dt.datetime]]:
        """The actions whose slot is due and not yet run by this beat."""
        slots = [(p, p.due_slot(now)) for p in self.plan.actions]
        return [(p, s) for p, s in slots if s is not None and (p.name, s) not in self.done]

    def run_due(self, now: dt.datetime | None = None) -> list[str]:
        """Run every due action once; return the names of those this beat ran.

        ``now`` is a naive local time (tests pass one; default: the clock).

        Raises:
            DatabaseUnavailable, SchemaMissing, psycopg.Error: the database failed.
        """
        due = self.due(now or dt.datetime.now())
        ran: list[str] = []
        if not due:
            return ran
        with db.connect(self.settings, "beat") as conn:
            db.require_schema(conn)
            for periodic, slot in due:
                if self.run(conn, periodic, slot):
                    ran.append(periodic.name)
                self.done.add((periodic.name, slot))
        return ran

    def tick(self) -> list[str]:
        """run_due() that never raises: beat must keep beating through an outage."""
        try:
            return self.run_due()
        except Exception as exc:
            log.error(
                "beat could not run its due actions: %s; trying again in %.0f s",
                db.first_line(exc),
                TICK_SECONDS,
                extra={"action": "beat.failed"},
            )
            return []

    def run(self, conn: Any, periodic: Periodic, slot: dt.datetime) -> bool:
        due_at = slot.astimezone()  # the beat host's zone, as an aware time
        if already_done(conn, periodic.name, due_at):
            return False
        if periodic.name == MAINTENANCE:
            return submit_once(conn, periodic.name, due_at) is not None
        return purge_once(conn, periodic.name, due_at) is not None


class InProcessScheduler(Scheduler):
    """A Celery scheduler that calls its entries' functions instead of publishing them."""

    actions: dict[str, Callable[[], object]] = {}

    @property
    def producer(self) -> None:
        return None  # never connect to the broker

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> None:
        entry = self.reserve(entry) if advance else entry
        self.actions[entry.task]()


def serve(settings: Settings, app: Celery, plan: Plan) -> None:
    """Run beat until SIGTERM or SIGINT."""
    runner = Beat(settings, plan)
    app.conf.beat_schedule = {
        "xtbatch-periodic": {"task": TICK_TASK, "schedule": dt.timedelta(seconds=TICK_SECONDS)}
    }
    app.conf.beat_max_loop_interval = TICK_SECONDS
    scheduler = type(
        "XtbatchScheduler", (InProcessScheduler,), {"actions": {TICK_TASK: runner.tick}}
    )
    service = Service(app, scheduler_cls=scheduler, remote_control=False)

    def stop(signum: int) -> None:
        log.info("beat stopping on signal %d", signum, extra={"action": "beat.stopping"})
        service.stop()
        raise SystemExit(0)  # ends the scheduler's sleep; an open transaction rolls back

    log.info(
        "beat started: %s (local time of this host)",
        plan.describe(),
        extra={"action": "beat.started"},
    )
    try:
        with on_stop(stop):
            runner.tick()  # catch up at once on a slot missed while beat was down
            service.start()
    except SystemExit:
        pass  # stopped during the first check
    finally:
        log.info("beat stopped", extra={"action": "beat.stopped"})
