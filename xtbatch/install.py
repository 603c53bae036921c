"""``xtbatch install``: apply the migrations that are missing, idempotently."""

from __future__ import annotations

import logging

import psycopg

from xtbatch import db, sql
from xtbatch.db import Row

log = logging.getLogger(__name__)


def latest_version() -> int:
    return sql.migrations()[-1].version


def install(conn: psycopg.Connection[Row]) -> list[str]:
    """Apply missing migrations in one transaction; return the names applied.

    Safe to run again and concurrently (an advisory lock serialises installs). Objects of
    xTuple's that already exist are used as they are.
    """
    applied_now: list[str] = []
    with conn.transaction():
        db.execute(conn, "lock_migrations")
        conn.execute(sql.query("bootstrap"))
        done = {row["version"] for row in db.fetch_all(conn, "applied_migrations")}
        for migration in sql.migrations():
            if migration.version in done:
                continue
            log.info(
                "applying migration %04d_%s",
                migration.version,
                migration.name,
                extra={"action": "install.migrate", "version": migration.version},
            )
            conn.execute(migration.sql.encode())
            db.execute(
                conn, "record_migration", {"version": migration.version, "name": migration.name}
            )
            applied_now.append(f"{migration.version:04d}_{migration.name}")
    return applied_now
