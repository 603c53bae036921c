"""``xtbatch install``: apply the migrations that are missing, then make xtbatch an xTuple
package and grant xTuple's users what the desktop client needs, idempotently."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from psycopg.rows import dict_row

from xtbatch import db, sql, xtuple
from xtbatch.db import Row
from xtbatch.xtuple import MetricState, PackageState

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Installed:
    """What one ``install`` did and found."""

    applied: list[str]  # migrations applied now, e.g. "0005_xtuple_dropin"
    package: PackageState
    granted: list[str] | None  # objects granted to xtrole; None: the role does not exist
    metric: MetricState


def latest_version() -> int:
    return sql.migrations()[-1].version


def install(conn: psycopg.Connection[Row]) -> Installed:
    """Apply missing migrations, register the package and grant xtrole, in one transaction.

    Safe to run again and concurrently (an advisory lock serialises installs). Objects of
    xTuple's that already exist are used as they are.
    """
    caller_rows = conn.row_factory
    conn.row_factory = dict_row  # install reads rows by column name, whatever the caller's
    try:
        return _install(conn)
    finally:
        conn.row_factory = caller_rows


def _install(conn: psycopg.Connection[Row]) -> Installed:
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
        package = xtuple.register_package(conn)
        granted = xtuple.grant_xtrole(conn)
        metric = xtuple.batch_manager_metric(conn)
    return Installed(applied=applied_now, package=package, granted=granted, metric=metric)
