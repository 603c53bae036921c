"""A batch job as xtbatch reads it: the ``xtbatch.batch`` row and its parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """A job's run status as the xTuple Connect Console shows it, derived from its row."""

    SCHEDULED = "Scheduled"
    IN_PROCESS = "In-Process"
    DONE = "Done"


def run_status(started: dt.datetime | None, completed: dt.datetime | None) -> RunStatus:
    """The one place the run status is computed (batch_started, batch_completed): Done once
    completed, In-Process once started, else Scheduled. No SQL spells it."""
    if completed is not None:
        return RunStatus.DONE
    if started is not None:
        return RunStatus.IN_PROCESS
    return RunStatus.SCHEDULED


def failed(completed: dt.datetime | None, exitstatus: str | None) -> bool:
    """Whether a job ended in failure: Done with an exit status that is not blank."""
    return completed is not None and bool((exitstatus or "").strip())


@dataclass(frozen=True, kw_only=True)
class Job:
    batch_id: int
    action: str
    parameter: str | None
    user: str | None
    email: str | None
    submitted: dt.datetime | None
    scheduled: dt.datetime | None
    started: dt.datetime | None
    completed: dt.datetime | None
    subject: str | None
    body: str | None
    filename: str | None
    exitstatus: str | None
    from_email: str | None
    cc: str | None
    bcc: str | None
    reply_to: str | None
    email_html: bool
    resched_interval: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Job:
        return cls(
            batch_id=row["batch_id"],
            action=row.get("batch_action") or "",
            parameter=row.get("batch_parameter"),
            user=row.get("batch_user"),
            email=row.get("batch_email"),
            submitted=row.get("batch_submitted"),
            scheduled=row.get("batch_scheduled"),
            started=row.get("batch_started"),
            completed=row.get("batch_completed"),
            subject=row.get("batch_subject"),
            body=row.get("batch_responsebody"),
            filename=row.get("batch_filename"),
            exitstatus=row.get("batch_exitstatus"),
            from_email=row.get("batch_fromemail"),
            cc=row.get("batch_cc"),
            bcc=row.get("batch_bcc"),
            reply_to=row.get("batch_replyto"),
            email_html=bool(row.get("batch_emailhtml")),
            resched_interval=row.get("batch_reschedinterval"),
        )

    @property
    def state(self) -> RunStatus:
        """Run status as the xTuple Connect Console shows it."""
        return run_status(self.started, self.completed)


@dataclass(frozen=True, kw_only=True)
class RawParam:
    """One ``xtbatch.batchparam`` row, undecoded."""

    order: int | None
    name: str | None
    value: str | None
    type: str | None
