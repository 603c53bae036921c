"""What beat does at a slot: submit a job or purge history, once per slot across every beat.

Each action claims its slot in ``xtbatch_mgr.periodic`` (``ON CONFLICT DO NOTHING``) in the
same transaction as its work: a second beat's claim waits on the first one's row lock, then
finds the slot taken and does nothing. A beat that dies mid-way rolls back claim and work.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import psycopg

from beat.schedule import STALE_WORKER_SECONDS, purge_days
from xtbatch import db
from xtbatch.db import Row

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class PurgeCounts:
    days: int
    jobs: int
    params: int
    attempts: int
    workers: int
    slots: int


def _claim(conn: psycopg.Connection[Row], name: str, due_at: dt.datetime) -> bool:
    return db.fetch_one(conn, "periodic_claim", {"name": name, "due_at": due_at}) is not None


def already_done(conn: psycopg.Connection[Row], name: str, due_at: dt.datetime) -> bool:
    return bool(db.scalar(conn, "periodic_done", {"name": name, "due_at": due_at}))


def submit_once(conn: psycopg.Connection[Row], kind: str, due_at: dt.datetime) -> int | None:
    """Submit a ``kind`` job for the slot ``due_at``; None when the slot was already taken.

    ``due_at`` must be timezone-aware. The job is an ordinary batch row submitted through
    xtbatch.submitActionToBatch, due at once.
    """
    with conn.transaction():
        if not _claim(conn, kind, due_at):
            return None
        batch_id = db.scalar(
            conn, "submit_action", {"action": kind, "email": None, "scheduled": None}
        )
        db.execute(conn, "periodic_record", {"name": kind, "due_at": due_at, "batch_id": batch_id})
    log.info(
        "submitted %s as batch job %s for %s",
        kind,
        batch_id,
        due_at.isoformat(),
        extra={"action": "beat.submitted", "kind": kind, "batch_id": batch_id},
    )
    return int(batch_id)


def purge_once(conn: psycopg.Connection[Row], name: str, due_at: dt.datetime) -> PurgeCounts | None:
    """Purge old history for the slot ``due_at`` in one transaction; None when already done.

    Deletes completed jobs (and their parameters) older than the metric BatchManagerPurgeDays,
    attempts that ended before then, old periodic slots, and worker rows that stopped
    beating a day ago.
    """
    with conn.transaction():
        if not _claim(conn, name, due_at):
            return None
        metric = None
        if db.scalar(conn, "metric_table_present"):
            metric = db.scalar(conn, "metric_text", {"name": "BatchManagerPurgeDays"})
        days = purge_days(metric)
        if metric is not None and str(metric).strip() and not str(metric).strip().isdigit():
            log.warning(
                "metric BatchManagerPurgeDays=%r is not a whole number of days; using %d",
                metric,
                days,
                extra={"action": "beat.purge_days_invalid"},
            )
        jobs = params = attempts = slots = 0
        if days > 0:
            row = db.fetch_one(conn, "purge_jobs", {"days": days}) or {}
            jobs, params = int(row.get("jobs", 0)), int(row.get("params", 0))
            attempts = db.execute(conn, "purge_attempts", {"days": days})
            slots = db.execute(
                conn, "purge_periodic", {"days": days, "name": name, "due_at": due_at}
            )
        workers = db.execute(conn, "purge_workers", {"seconds": STALE_WORKER_SECONDS})
    counts = PurgeCounts(
        days=days, jobs=jobs, params=params, attempts=attempts, workers=workers, slots=slots
    )
    log.info(
        "purged %d completed job(s) older than %s, %d attempt(s), %d dead worker row(s)",
        jobs,
        f"{days} days" if days else "(kept forever: BatchManagerPurgeDays is 0)",
        attempts,
        workers,
        extra={
            "action": "beat.purged",
            "days": days,
            "jobs": jobs,
            "params": params,
            "attempts": attempts,
            "workers": workers,
            "slots": slots,
        },
    )
    return counts
