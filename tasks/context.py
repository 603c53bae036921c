"""What a job kind's code is given: the job, its parameters, a connection and a few tools."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import psycopg

from xtbatch.db import Row
from xtbatch.errors import JobInterrupted
from xtbatch.jobs import Job
from xtbatch.params import Params
from xtbatch.settings import Settings


class KindLog(logging.LoggerAdapter[logging.Logger]):
    """A kind's logger carrying the job's fields, merged with each call's own ``extra``.

    The standard adapter replaces a call's ``extra`` with its own, which dropped the
    ``action`` and fields of every line a kind logged (Python 3.13's ``merge_extra=True``).
    """

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        return msg, kwargs


def kind_log(fn: Callable[..., Any], **fields: Any) -> KindLog:
    """The logger of the kind whose code is ``fn``, named after its module
    (``tasks.kinds.ping``), with the job's fields on every line."""
    return KindLog(logging.getLogger(fn.__module__), fields)


@dataclass(kw_only=True)
class JobContext:
    job: Job
    params: Params
    conn: psycopg.Connection[Row]
    settings: Settings
    log: logging.LoggerAdapter[logging.Logger]
    report_progress: Callable[[int, int, str], None]
    cancelled: threading.Event = field(default_factory=threading.Event)
    results: dict[str, Any] = field(default_factory=dict)

    def sleep(self, seconds: float) -> None:
        """Wait, but stop at once when the job is cancelled.

        Raises:
            JobInterrupted: the job was cancelled while waiting.
        """
        if self.cancelled.wait(seconds):
            raise JobInterrupted("The job was cancelled while it ran.")

    def check_cancelled(self) -> None:
        """Raises JobInterrupted when the job was cancelled (call between steps)."""
        if self.cancelled.is_set():
            raise JobInterrupted("The job was cancelled while it ran.")

    def progress(self, done: int, total: int, what: str = "") -> None:
        """Report 'done of total' to the log and to the Celery task state Flower shows."""
        self.report_progress(done, total, what)
