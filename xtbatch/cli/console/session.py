"""A command's database session: every database failure becomes one clear XtbatchError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from xtbatch import db
from xtbatch.errors import (
    ConfigurationError,
    DatabaseUnavailable,
    XtbatchError,
)
from xtbatch.settings import Settings


@dataclass(frozen=True, kw_only=True)
class Session:
    """An open connection and the database user it runs as."""

    conn: psycopg.Connection[db.Row]
    username: str
    where: str


def open_connection(settings: Settings, role: str = "cli") -> psycopg.Connection[db.Row]:
    """A dedicated autocommit connection.

    Raises:
        ConfigurationError: the database URL cannot be parsed.
        DatabaseUnavailable: the server cannot be reached or refuses us.
    """
    try:
        return db.connect(settings, role)
    except psycopg.ProgrammingError as exc:
        raise ConfigurationError(
            f"XTBATCH_DATABASE_URL (or --database-url) is not a valid PostgreSQL "
            f"connection string: {db.first_line(exc)}"
        ) from exc


def where(settings: Settings) -> str:
    """The database named for a human, or a placeholder when the URL cannot be parsed."""
    try:
        return db.describe(settings)
    except psycopg.Error:
        return "the database"


@contextmanager
def translated(settings: Settings) -> Iterator[None]:
    """Turn psycopg errors raised inside into XtbatchError with one line to read.

    Raises:
        DatabaseUnavailable: the connection was lost.
        XtbatchError: the database refused a statement.
    """
    try:
        yield
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"Lost the connection to {where(settings)}: {db.first_line(exc)}"
        ) from exc
    except psycopg.Error as exc:
        raise XtbatchError(f"{where(settings)} refused: {db.first_line(exc)}") from exc


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    """A connection to an ERP database where xtbatch is installed.

    Raises:
        ConfigurationError: the database URL cannot be parsed.
        DatabaseUnavailable: the server cannot be reached or the connection was lost.
        SchemaMissing: xtbatch is not installed in that database.
        XtbatchError: the database refused a statement.
    """
    conn = open_connection(settings)
    with conn, translated(settings):
        info = db.fetch_one(conn, "console_session")
        if info is None or not info["installed"]:
            raise db.not_installed(where(settings), settings)
        yield Session(conn=conn, username=str(info["username"]), where=where(settings))
