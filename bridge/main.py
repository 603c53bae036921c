"""The bridge's main loop: lead, recover, dispatch, sleep until a NOTIFY or the next
scheduled time; reconnect with backoff through database and broker outages."""

from __future__ import annotations

import logging
import time

import psycopg
from celery import Celery
from kombu.exceptions import OperationalError as BrokerError

from bridge.dispatcher import Dispatcher
from bridge.leader import DONE_CHANNEL, STARTED_CHANNEL, Leadership
from bridge.metrics import BridgeMetrics
from xtbatch import db
from xtbatch.errors import DatabaseUnavailable
from xtbatch.settings import Settings
from xtbatch.signals import on_stop

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
WAIT_SLICE = 1.0  # longest uninterrupted wait, so a stop request is seen within a second


class Stop(Exception):
    """Raised inside a blocking wait when the bridge is asked to stop."""


class Bridge:
    def __init__(self, settings: Settings, app: Celery) -> None:
        self.settings = settings
        self.app = app
        self.stopping = False
        self.waiting = False
        self.outage_since: float | None = None
        self.metrics = BridgeMetrics(settings)

    def request_stop(self, signum: int) -> None:
        log.info("stopping on signal %d", signum, extra={"action": "bridge.stopping"})
        self.stopping = True
        if self.waiting:
            raise Stop()

    def run(self) -> None:
        """Serve until stopped (SIGTERM/SIGINT)."""
        with on_stop(self.request_stop):
            self.serve_until_stopped()
        log.info("bridge stopped", extra={"action": "bridge.stopped"})

    def serve_until_stopped(self) -> None:
        if self.settings.metrics_port:
            self.metrics.serve(self.settings.metrics_address, self.settings.metrics_port)
        backoff = 1.0
        while not self.stopping:
            try:
                self.serve()
            except Stop:
                break
            except (psycopg.OperationalError, DatabaseUnavailable, BrokerError, OSError) as exc:
                self.outage(exc, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
            else:
                backoff = 1.0

    def outage(self, exc: BaseException, backoff: float) -> None:
        """Log an outage once, then retry quietly with backoff."""
        if self.outage_since is None:
            self.outage_since = time.monotonic()
            log.error(
                "lost the database or broker: %s; retrying with backoff up to %.0f s",
                db.first_line(exc),
                MAX_BACKOFF,
                extra={"action": "bridge.outage"},
            )
        self.sleep(backoff)

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, WAIT_SLICE))

    def serve(self) -> None:
        leadership = Leadership(self.settings)
        work: psycopg.Connection[db.Row] | None = None
        try:
            # Installed? Checked before taking the lead, so that a bridge pointed at the wrong
            # database never logs that it leads it.
            with db.connect(self.settings, "bridge-check") as check:
                db.require_schema(check, self.settings)
            self.waiting = True
            if not leadership.acquire(lambda: self.stopping):
                return
            self.waiting = False
            self.metrics.leader.set(1)
            work = db.connect(self.settings, "bridge-work")
            db.require_schema(work)
            if self.outage_since is not None:
                log.info(
                    "database and broker reachable again after %.0f s",
                    time.monotonic() - self.outage_since,
                    extra={"action": "bridge.recovered"},
                )
                self.outage_since = None
            dispatcher = Dispatcher(self.settings, self.app, work, self.metrics)
            dispatcher.recover_orphans()
            while not self.stopping:
                step = dispatcher.step()
                if step.sleep > 0:
                    self.wait(leadership, step.sleep, step.queued_in_flight)
        finally:
            self.waiting = False
            self.metrics.leader.set(0)
            leadership.release()
            if work is not None:
                work.close()

    def wait(self, leadership: Leadership, seconds: float, queued_in_flight: bool) -> None:
        """Sleep until a notification that needs a step, or ``seconds``.

        With a job waiting on the queue (its message in flight), the end of the running job
        needs no step: the worker takes the waiting job by itself, and its claim wakes the
        bridge to dispatch the next. Every other notification does: a submitted, changed or
        cancelled job, a claim, a refusal, an interruption."""
        deadline = time.monotonic() + seconds
        while not self.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            notes = leadership.wait(min(left, WAIT_SLICE))
            if notes:
                self.metrics.on_started([p for c, p in notes if c == STARTED_CHANNEL])
                self.metrics.on_notifications([p for c, p in notes if c == DONE_CHANNEL])
                if not (queued_in_flight and all(_job_ended(c, p) for c, p in notes)):
                    return


def _job_ended(channel: str, payload: str) -> bool:
    """A job ran to its end: '<batch_id> succeeded|failed[ notice_failed]' on DONE_CHANNEL."""
    return channel == DONE_CHANNEL and payload.split(" ")[1:2] in (["succeeded"], ["failed"])


def run(settings: Settings, app: Celery) -> None:
    Bridge(settings, app).run()
