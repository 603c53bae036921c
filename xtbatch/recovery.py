"""Ending a job whose run was interrupted: once more if its kind is safe to repeat, else
Done with an exit status that says what happened and when."""

from __future__ import annotations

import datetime as dt
import logging

import psycopg

from xtbatch import db
from xtbatch.db import Row
from xtbatch.kinds import policy

log = logging.getLogger(__name__)

MAX_RERUNS = 1
# Advisory-lock class for the per-job guard: a job runs in at most one session at a time.
# The worker takes it when it claims a job; the bridge looks for it before ending a job whose
# heartbeat is late.
GUARD_LOCK_CLASS = 0x78746201


def now_text() -> str:
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def end_interrupted(
    conn: psycopg.Connection[Row], *, attempt_id: int, batch_id: int, kind: str | None, reason: str
) -> str:
    """Rerun the job (kinds safe to repeat, once) or end it; return 'rerun', 'ended' or
    'not active' (someone else already ended the attempt)."""
    earlier = int(db.scalar(conn, "interrupted_count", {"batch_id": batch_id}) or 0)
    rerun = policy(kind).safe_to_repeat and earlier < MAX_RERUNS
    text = reason
    if not rerun:
        text += (
            f"\nThe job was not run again: {kind or 'this kind'} is not safe to repeat "
            "automatically; check its effects, then use Retry."
            if not policy(kind).safe_to_repeat
            else "\nIt had already been run again after an earlier interruption; use Retry."
        )
    result = str(
        db.scalar(conn, "interrupt", {"attempt_id": attempt_id, "reason": text, "rerun": rerun})
    )
    log.warning(
        "batch job %s interrupted: %s (%s)",
        batch_id,
        reason.splitlines()[0],
        result,
        extra={"action": "job.interrupted", "batch_id": batch_id, "result": result},
    )
    return result
