"""What a job kind's code is given: the job, its parameters, a connection and a few tools."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from xtbatch.db import Row
from xtbatch.errors import JobInterrupted
from xtbatch.jobs import Job
from xtbatch.params import Params
from xtbatch.settings import Settings


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
