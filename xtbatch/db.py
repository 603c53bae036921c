"""Database access: connections, the per-process pool, and running named SQL blocks."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row

from xtbatch import sql
from xtbatch.errors import DatabaseUnavailable, SchemaMissing
from xtbatch.settings import Settings, database_hint, database_identity

log = logging.getLogger(__name__)

Row = dict[str, Any]
Params = Mapping[str, Any] | None

CONNECT_TIMEOUT = 10


def application_name(role: str) -> str:
    """What pg_stat_activity shows for our sessions: role, host and pid."""
    return f"xtbatch-{role} {socket.gethostname()}:{os.getpid()}"[:63]


def describe(settings: Settings) -> str:
    """The database named for a human, without credentials."""
    host, port, dbname = database_identity(settings.database_url)
    return f"database '{dbname}' on {host}:{port}"


def connect(settings: Settings, role: str, *, autocommit: bool = True) -> psycopg.Connection[Row]:
    """A dedicated connection (the bridge's lock and LISTEN sessions, the CLI).

    Raises:
        DatabaseUnavailable: the server cannot be reached or refuses us.
    """
    try:
        return psycopg.connect(
            settings.database_url,
            autocommit=autocommit,
            row_factory=dict_row,
            application_name=application_name(role),
            connect_timeout=CONNECT_TIMEOUT,
        )
    except psycopg.OperationalError as exc:
        advice = what_to_check(settings, exc)
        raise DatabaseUnavailable(
            f"Cannot connect to {describe(settings)}: {first_line(exc)}{advice}"
        ) from exc


_UNREACHABLE = ("refused", "timeout expired", "no route", "could not translate host", "unreachable")


def what_to_check(settings: Settings, exc: BaseException) -> str:
    """What an administrator checks after a failed connection, as a sentence to append."""
    host, port, _ = database_identity(settings.database_url)
    text = str(exc).lower()
    if any(marker in text for marker in _UNREACHABLE):
        advice = (
            f". Check that PostgreSQL is running and accepts TCP connections at {host}:{port}; "
            "XTBATCH_DATABASE_URL (or --database-url) chooses the server."
        )
    else:
        advice = ". XTBATCH_DATABASE_URL (or --database-url) chooses the server, database and user."
    return advice + database_hint(settings)


def fetch_one(conn: psycopg.Connection[Row], name: str, params: Params = None) -> Row | None:
    """Run the named SQL block, return its first row."""
    return conn.execute(sql.query(name), params).fetchone()


def fetch_all(conn: psycopg.Connection[Row], name: str, params: Params = None) -> list[Row]:
    """Run the named SQL block, return every row."""
    return conn.execute(sql.query(name), params).fetchall()


def execute(conn: psycopg.Connection[Row], name: str, params: Params = None) -> int:
    """Run the named SQL block, return the rows it affected."""
    return conn.execute(sql.query(name), params).rowcount


def scalar(conn: psycopg.Connection[Row], name: str, params: Params = None) -> Any:
    """Run the named SQL block, return the first column of its first row."""
    row = fetch_one(conn, name, params)
    return None if row is None else next(iter(row.values()))


def not_installed(where: str, settings: Settings | None = None) -> SchemaMissing:
    """The error for a database without xtbatch, saying which setting chooses the database."""
    hint = database_hint(settings) if settings is not None else ""
    if hint:
        return SchemaMissing(
            f"xtbatch is not installed in {where}.{hint} Then run 'xtbatch install' there."
        )
    return SchemaMissing(f"xtbatch is not installed in {where}: run 'xtbatch install'.")


def require_schema(conn: psycopg.Connection[Row], settings: Settings | None = None) -> int:
    """The installed schema version.

    Raises:
        SchemaMissing: xtbatch is not installed in this database.
    """
    if not scalar(conn, "schema_present"):
        info = conn.info
        where = f"database '{info.dbname}' on {info.host}:{info.port}"
        raise not_installed(where, settings)
    return int(scalar(conn, "schema_version") or 0)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
