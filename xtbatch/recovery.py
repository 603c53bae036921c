"""Ending a job whose run was interrupted: once more if its kind is safe to repeat, else
Done with an exit status that says what happened and when."""

from __future__ import annotations

import datetime as dt
import logging

from xtbatch import store
from xtbatch.kinds import policy
from xtbatch.store import InterruptOutcome

log = logging.getLogger(__name__)

MAX_RERUNS = 1


def now_text() -> str:
    return dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def end_interrupted(
    conn: store.Conn, *, attempt_id: int, batch_id: int, kind: str | None, reason: str
) -> InterruptOutcome:
    """Rerun the job (kinds safe to repeat, once) or end it; NOT_ACTIVE: someone else
    already ended the attempt."""
    earlier = store.interrupted_count(conn, batch_id)
    rerun = policy(kind).safe_to_repeat and earlier < MAX_RERUNS
    text = reason
    if not rerun:
        text += (
            f"\nThe job was not run again: {kind or 'this kind'} is not safe to repeat "
            "automatically; check its effects, then use Retry."
            if not policy(kind).safe_to_repeat
            else "\nIt had already been run again after an earlier interruption; use Retry."
        )
    result = store.interrupt(conn, attempt_id, text, rerun=rerun)
    log.warning(
        "batch job %s interrupted: %s (%s)",
        batch_id,
        reason.splitlines()[0],
        result,
        extra={"action": "job.interrupted", "batch_id": batch_id, "result": result},
    )
    return result
