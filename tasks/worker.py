"""The worker's lifecycle, on Celery's signals: each process's resources, the worker's
heartbeat row and a clean goodbye.

- ``worker_init`` (main process, before the pool forks): its resources, for the result
  callbacks that run there when a pool child died;
- ``worker_process_init`` / ``worker_process_shutdown`` (each pool child): its own database
  sessions and job heartbeat;
- ``worker_ready`` / ``worker_shutdown`` (main process): the worker's heartbeat row, the
  second-SIGTERM handler and the timer clean-up.
"""

from __future__ import annotations

import heapq
import logging
import os
import socket
import threading
from typing import Any

from celery import platforms
from celery.apps import worker as celery_worker
from celery.signals import (
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
    worker_shutdown,
)

from tasks import resources, runner
from xtbatch import db
from xtbatch.celeryapp import XtbatchApp

log = logging.getLogger(__name__)


class WorkerHeartbeat(threading.Thread):
    """Records every few seconds that this worker serves the queue (for the bridge and doctor)."""

    def __init__(self) -> None:
        super().__init__(name="worker-heartbeat", daemon=True)
        self.stopping = threading.Event()
        self.name_ = resources.worker_name()
        # One connection kept open (reopened after a failure), not one per beat.
        self.session = resources.Session("worker-heartbeat")

    def beat(self) -> None:
        settings = resources.settings()
        params = {
            "worker": self.name_,
            "queue": settings.queue_name,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
        }
        db.execute(self.session.get(), "worker_heartbeat", params)

    def run(self) -> None:
        interval = resources.settings().worker_heartbeat_seconds
        failing = False
        while True:
            try:
                self.beat()
                if failing:
                    log.info("worker heartbeat restored", extra={"action": "worker.heartbeat_ok"})
                failing = False
            except Exception as exc:  # keep beating through outages, logging each once
                if not failing:
                    log.warning(
                        "worker heartbeat failed: %s",
                        db.first_line(exc),
                        extra={"action": "worker.heartbeat_failed"},
                    )
                failing = True
            if self.stopping.wait(interval):
                return

    def stop(self) -> None:
        self.stopping.set()
        try:
            db.execute(self.session.get(), "worker_gone", {"worker": self.name_})
            self.session.close()
        except Exception as exc:
            log.warning("could not remove the worker heartbeat: %s", db.first_line(exc))


def drop_cancelled_timers(hub: Any) -> int:
    """Drop cancelled entries from the worker's event-loop timer; return how many.

    For every job the prefork pool arms its time limits as timer entries; when the job ends
    they are only marked cancelled and stay queued, holding their message, until their due
    time (the soft limit: hours). Run every minute, this keeps the worker's memory bounded by
    the last minute's jobs instead of the last soft-time-limit's (celery#5200). It relies on
    kombu's timer keeping a heap in ``_queue`` (kombu is pinned below 6 in pyproject.toml);
    without one it does nothing.
    """
    queue = getattr(getattr(hub, "timer", None), "_queue", None)
    if not isinstance(queue, list):
        return 0
    kept = [item for item in queue if not getattr(item.entry, "canceled", False)]
    dropped = len(queue) - len(kept)
    if dropped:
        queue[:] = kept
        heapq.heapify(queue)
    return dropped


_heartbeat: WorkerHeartbeat | None = None


def second_sigterm_stops_at_once(worker: Any) -> None:
    """The first SIGTERM lets the current job finish (Celery's warm shutdown); a second one
    stops at once (cold shutdown). The job is still accounted for: its failure callback or,
    failing that, the bridge's heartbeat check ends or reruns it."""
    warm = platforms.signals["SIGTERM"]

    def first_sigterm(*args: Any) -> None:
        celery_worker.install_worker_term_hard_handler(worker, sig="SIGTERM", verbose=False)
        log.warning(
            "SIGTERM: finishing the current job, then stopping; a second SIGTERM stops at once",
            extra={"action": "worker.stopping"},
        )
        warm(*args)

    platforms.signals["SIGTERM"] = first_sigterm


def connect(app: XtbatchApp) -> None:
    """Run this worker's lifecycle with ``app``'s settings (call before the worker starts)."""
    settings = app.settings
    host = socket.gethostname()

    def main_init(**_: Any) -> None:
        resources.start(settings, f"{host}:{os.getpid()}")

    def child_init(**_: Any) -> None:
        resources.start(settings, f"{host}:{os.getppid()}")
        runner.start_heartbeat(settings.heartbeat_seconds)

    def child_shutdown(**_: Any) -> None:
        runner.stop_heartbeat()
        resources.stop()

    # weak=False: the receivers are closures that nothing else keeps alive.
    worker_init.connect(main_init, weak=False)
    worker_process_init.connect(child_init, weak=False)
    worker_process_shutdown.connect(child_shutdown, weak=False)
    worker_ready.connect(_started, weak=False)
    worker_shutdown.connect(_stopping, weak=False)


def _started(sender: Any = None, **_: Any) -> None:
    global _heartbeat
    controller = getattr(sender, "controller", None)
    if controller is not None:
        second_sigterm_stops_at_once(controller)
        hub = getattr(controller, "hub", None)
        if hub is not None:
            hub.call_repeatedly(60, drop_cancelled_timers, hub)
    _heartbeat = WorkerHeartbeat()
    _heartbeat.start()


def _stopping(**_: Any) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()
