"""A bare Celery app configured like xtbatch's worker, for bench/engine.py: Celery's own
ceiling for one job at a time, with no database, no bridge and no callback.

``celery -A bare_app:app worker`` builds it from the environment:

- BARE_CELERY_BROKER_URL: the broker;
- BARE_CELERY_QUEUE: the queue it consumes (created on first use, deleted by engine.py);
- BARE_CELERY_DATABASE_URL: for ``bare.sql`` only, the bench database whose due jobs it
  claims and completes;
- BARE_CELERY_MARKS: a file the worker appends ``<run> <what> <time.time()>`` lines to
  (``worker ready``, a run's ``start`` and ``end``, ``held``).

The publisher (engine.py) builds the same configuration with ``create_app`` and sends by
task name, so it needs none of these variables.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import psycopg
from celery import Celery
from celery.signals import worker_ready

from xtbatch.celeryapp import celery_config
from xtbatch.settings import load


def _query(name: str) -> str:
    """A named statement of bench/queries.sql (harness.py is not imported here: it re-runs
    the importing script on a snapshot)."""
    text = Path(__file__).with_name("queries.sql").read_text(encoding="utf-8")
    return text.split(f"-- name: {name}\n", 1)[1].split("\n-- name:", 1)[0]


REF_START, REF_FINISH = _query("ref_start"), _query("ref_finish")


def config(broker_url: str, queue: str) -> dict[str, Any]:
    """xtbatch's own worker settings (xtbatch/celeryapp.py ``celery_config``, so the two
    cannot drift apart): prefork at concurrency 1, prefetch 1, late acks, no results, no task
    events; only the broker and the queue are this run's."""
    return celery_config(load({"broker_url": broker_url, "queue": queue}))


def create_app(broker_url: str, queue: str) -> Celery:
    """The configured app, with no task registered (enough to publish by name)."""
    app = Celery("bare", set_as_current=False)
    app.conf.update(config(broker_url, queue))
    return app


def gate(marks: Path, run: str) -> Path:
    """The file whose existence ends ``bare.hold`` for ``run``."""
    return marks.with_name(f"{marks.name}.{run}.go")


def read_marks(marks: Path) -> dict[tuple[str, str], float]:
    """The worker's marks so far: (run, what) → time.time() when it happened."""
    if not marks.exists():
        return {}
    out = {}
    for line in marks.read_text().splitlines():
        run, what, when = line.split()
        out[run, what] = float(when)
    return out


def worker_app() -> Celery:
    """The app for ``celery worker``: configured from the environment, with its tasks."""
    app = create_app(os.environ["BARE_CELERY_BROKER_URL"], os.environ["BARE_CELERY_QUEUE"])
    marks = Path(os.environ["BARE_CELERY_MARKS"])

    def mark(run: str, what: str) -> None:
        with marks.open("a") as handle:
            handle.write(f"{run} {what} {time.time()!r}\n")

    @app.task(name="bare.noop")
    def noop(run: str, index: int, count: int) -> None:
        """Nothing, except that the first of a run notes its start and the last its end."""
        if index == 0:
            mark(run, "start")
        if index == count - 1:
            mark(run, "end")

    conn: list[psycopg.Connection[Any]] = []  # the pool child's own session, opened on first use

    @app.task(name="bare.sql")
    def sql(run: str, index: int, count: int) -> None:
        """The two durable commits every xtbatch job needs and nothing else: claim the next
        due job and complete it, each its own transaction (bench/reference.py's statements),
        on the database of BARE_CELERY_DATABASE_URL."""
        if index == 0:
            mark(run, "start")
        if not conn:
            conn.append(psycopg.connect(os.environ["BARE_CELERY_DATABASE_URL"], autocommit=True))
        row = conn[0].execute(REF_START).fetchone()
        if row is not None:
            conn[0].execute(REF_FINISH, {"batch_id": row[0]})
        if index == count - 1:
            mark(run, "end")

    @app.task(name="bare.hold")
    def hold(run: str, seconds: float) -> None:
        """Keep the pool busy until the publisher opens the gate (at most ``seconds``), so
        that a run's tasks are all queued before the first starts."""
        mark(run, "held")
        deadline = time.monotonic() + seconds
        while not gate(marks, run).exists() and time.monotonic() < deadline:
            time.sleep(0.005)

    @worker_ready.connect(weak=False)
    def ready(**_: Any) -> None:
        mark("worker", "ready")

    return app


app: Celery  # for ``celery -A bare_app:app``: built on first use by __getattr__ below


def __getattr__(name: str) -> Celery:
    """``bare_app:app`` for Celery's command line, built from the environment on first use
    (never at import, so engine.py can import this module without those variables)."""
    global app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = worker_app()
    return app
