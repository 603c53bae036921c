"""Per-process resources of the worker: settings and one connection pool.

Celery forks the pool child after the main process imported this module, so the pool is
created lazily and again in each process (a pool must never cross a fork).
"""

from __future__ import annotations

import os
import socket

from xtbatch import db
from xtbatch.celeryapp import app, app_settings
from xtbatch.settings import Settings

_pool: db.Pool | None = None
_pool_pid = 0


def settings() -> Settings:
    return app_settings(app)


def pool() -> db.Pool:
    """This process's connection pool (job, heartbeat and callbacks share it)."""
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():
        _pool = db.make_pool(settings(), "worker", max_size=3)
        _pool_pid = os.getpid()
    return _pool


def close_pool() -> None:
    global _pool
    if _pool is not None and _pool_pid == os.getpid():
        _pool.close()
    _pool = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getppid() if is_child() else os.getpid()}"


_main_pid = os.getpid()


def mark_main_process() -> None:
    global _main_pid
    _main_pid = os.getpid()


def is_child() -> bool:
    return os.getpid() != _main_pid
