"""Per-process resources of the worker: settings and two dedicated database sessions.

- ``control``: claims, the per-job guard lock, heartbeats and completion;
- ``job``: the job kind's own work (cancelled as a whole when the ERP cancels the job).

Celery forks the pool child after the main process imported this module, so each session
is opened lazily in the process that uses it, and again after it broke (a database restart).
Dedicated sessions instead of a pool: a job needs both for its whole run anyway, and a pool
would check each connection with a round trip on every checkout.
"""

from __future__ import annotations

import os
import socket
import threading

import psycopg

from xtbatch import db
from xtbatch.celeryapp import app, app_settings
from xtbatch.settings import Settings


def settings() -> Settings:
    return app_settings(app)


class Session:
    """A dedicated connection of this process, reopened after a fork or a failure."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.conn: psycopg.Connection[db.Row] | None = None
        self.pid = 0
        self.lock = threading.Lock()

    def get(self) -> psycopg.Connection[db.Row]:
        """The open connection.

        Raises:
            DatabaseUnavailable: it could not be (re)opened.
        """
        with self.lock:
            conn = self.conn
            if conn is None or self.pid != os.getpid() or conn.closed or conn.broken:
                if conn is not None and self.pid == os.getpid():
                    conn.close()
                self.conn = conn = db.connect(settings(), self.role)
                db.execute(conn, "session_keepalives")
                self.pid = os.getpid()
            return conn

    def close(self) -> None:
        with self.lock:
            if self.conn is not None and self.pid == os.getpid():
                self.conn.close()
            self.conn = None


control = Session("worker")
job = Session("worker-job")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getppid() if is_child() else os.getpid()}"


_main_pid = os.getpid()


def mark_main_process() -> None:
    global _main_pid
    _main_pid = os.getpid()


def is_child() -> bool:
    return os.getpid() != _main_pid
