"""The xTuple desktop client's SQL, sent the way its Qt driver (QPSQL) sends it.

A ``QSqlQuery`` with named placeholders (``:action``) is prepared by QPSQL as
``PREPARE qpsqlpstmt_N AS <the query with $1, $2, …>``, with no parameter types, so the
server infers each one from where it stands, as it does for an untyped literal. ``exec()``
then sends ``EXECUTE qpsqlpstmt_N (<values>)``, each value written by
``QPSQLDriver::formatValue``: a QString quoted (``'it''s'``), an int or double bare, a bool
``TRUE``/``FALSE``, a QDate ``'2024-05-01'``, a QTime ``'10:30:00.000'``, a QDateTime as an
untyped ``'2024-05-01 10:30:00.000'`` (Qt 5 up to 5.x; later Qt writes
``TIMESTAMP WITH TIME ZONE '…Z'``, see :class:`QtTzDateTime`), an unbound or null value
``NULL``. (Facts from qtbase's src/plugins/sqldrivers/psql/qsql_psql.cpp.)
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

# A quoted literal (skipped), or a named placeholder that is not part of a :: cast.
_TOKEN = re.compile(r"'(?:[^']|'')*'|(?<![:\w]):([A-Za-z_]\w*)")
_IDS = itertools.count(1)


@dataclass(frozen=True)
class QtTzDateTime:
    """A QDateTime as later Qt versions bind it: typed timestamptz, in UTC."""

    value: dt.datetime


def positional(query: str) -> tuple[str, list[str]]:
    """The query with ``$n`` for each named placeholder, and the names in order."""
    names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)
        names.append(match.group(1))
        return f"${len(names)}"

    return _TOKEN.sub(replace, query), names


def format_value(value: Any) -> str:
    """A bound value as QPSQLDriver::formatValue writes it into EXECUTE."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, QtTzDateTime):
        utc = value.value.astimezone(dt.UTC)
        return f"TIMESTAMP WITH TIME ZONE '{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z'"
    if isinstance(value, dt.datetime):
        return f"'{value:%Y-%m-%d %H:%M:%S}.{value.microsecond // 1000:03d}'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    if isinstance(value, dt.time):
        return f"'{value:%H:%M:%S}.{value.microsecond // 1000:03d}'"
    raise TypeError(f"no Qt binding for {value!r}")


class QtSession:
    """One client session: an ordinary user's connection, after ``login(true)``."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def login(self) -> int:
        """What the client runs on connecting: xTuple's login(true) sets the search_path."""
        row = self.conn.execute("SELECT login(true) AS result").fetchone()
        assert row is not None
        return int(row["result"])

    def exec(self, query: str, binds: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Prepare and execute ``query`` as QSqlQuery does; unbound placeholders are NULL.

        Raises:
            psycopg.Error: what the server answered (the client shows it to the user).
        """
        sql, names = positional(query)
        name = f"qpsqlpstmt_{next(_IDS):x}"
        self.conn.execute(f"PREPARE {name} AS {sql}".encode())
        try:
            values = ", ".join(format_value((binds or {}).get(n)) for n in names)
            run = f"EXECUTE {name} ({values})" if names else f"EXECUTE {name}"
            cursor = self.conn.execute(run.encode())
            return cursor.fetchall() if cursor.description else []
        finally:
            self.conn.execute(f"DEALLOCATE {name}".encode())
