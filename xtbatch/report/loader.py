"""Read report definitions and MetaSQL statements from xTuple's ``report`` and ``metasql``."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import tuple_row

from xtbatch import sql
from xtbatch.report.errors import MetaSQLNotFound, ReportNotFound, ReportQueryFailed


def load_report_source(conn: psycopg.Connection[Any], name: str) -> str:
    """Return the OpenRPT XML of the highest grade of report ``name``.

    Raises:
        ReportNotFound: no grade of that report exists.
        ReportQueryFailed: the ``report`` table cannot be read.
    """
    row = _fetch_one(conn, "report_source", {"name": name}, what=f"report '{name}'")
    if row is None:
        raise ReportNotFound(f"Report '{name}' does not exist in this database")
    return str(row[0] or "")


def load_metasql(conn: psycopg.Connection[Any], group: str, name: str) -> str:
    """Return the MetaSQL text of the highest grade of ``group``/``name``.

    Raises:
        MetaSQLNotFound: no grade of that statement exists.
        ReportQueryFailed: the ``metasql`` table cannot be read.
    """
    what = f"MetaSQL statement '{group}-{name}'"
    row = _fetch_one(conn, "metasql_query", {"group": group, "name": name}, what=what)
    if row is None:
        raise MetaSQLNotFound(f"The {what} does not exist in this database")
    return str(row[0] or "")


def _fetch_one(
    conn: psycopg.Connection[Any], block: str, params: dict[str, str], *, what: str
) -> tuple[object, ...] | None:
    try:
        # A savepoint (or a transaction in autocommit) keeps the caller's session usable.
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(sql.query(block), params)
            return cur.fetchone()
    except psycopg.Error as exc:
        raise ReportQueryFailed(
            f"Cannot read the {what}: {str(exc).strip().splitlines()[0]}"
        ) from exc
