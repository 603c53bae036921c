"""Per-process resources of the worker: settings, its name and two dedicated database sessions.

- ``control``: claims, the per-job guard lock, heartbeats and completion;
- ``job``: the job kind's own work (cancelled as a whole when the ERP cancels the job).

:func:`start` gives a process its own: the worker's main process at ``worker_init`` (its
result callbacks run there when a pool child died), each pool child at
``worker_process_init`` (tasks/worker.py). A child forked from the main process inherits the
main process's connection objects; ``start`` drops them unclosed, since closing would end
the main process's session. Each session opens on first use, and again after it broke (a
database restart). Dedicated sessions instead of a pool: a job needs both for its whole run
anyway, and a pool would check each connection with a round trip on every checkout.
"""

from __future__ import annotations

import threading

import psycopg

from xtbatch import db
from xtbatch.settings import Settings


class Session:
    """A dedicated connection of this process, reopened after a failure."""

    def __init__(self, role: str) -> None:
        self.role = role
        self.conn: psycopg.Connection[db.Row] | None = None
        self.lock = threading.Lock()

    def get(self) -> psycopg.Connection[db.Row]:
        """The open connection.

        Raises:
            DatabaseUnavailable: it could not be (re)opened.
        """
        with self.lock:
            conn = self.conn
            if conn is None or conn.closed or conn.broken:
                if conn is not None:
                    conn.close()
                self.conn = conn = db.connect(settings(), self.role)
                db.execute(conn, "session_keepalives")
            return conn

    def forget(self) -> None:
        """Drop a connection inherited through a fork, without closing the parent's session."""
        with self.lock:
            self.conn = None

    def close(self) -> None:
        with self.lock:
            if self.conn is not None:
                self.conn.close()
            self.conn = None


control = Session("worker")
job = Session("worker-job")

_settings: Settings | None = None
_worker = ""


def start(settings: Settings, worker: str) -> None:
    """This process's resources: ``settings`` and the name of the worker it belongs to
    (host:pid of the worker's main process)."""
    global _settings, _worker
    _settings, _worker = settings, worker
    control.forget()
    job.forget()


def stop() -> None:
    control.close()
    job.close()


def settings() -> Settings:
    """This worker's settings.

    Raises:
        RuntimeError: called outside a started worker process.
    """
    if _settings is None:
        raise RuntimeError("worker resources are used before the worker started")
    return _settings


def worker_name() -> str:
    return _worker
