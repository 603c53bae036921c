"""Run a report's query sources: MetaSQL rendered with the job's parameters, values bound.

Before them runs OpenRPT's Context Query (report_date, report_time): through xTuple's own
formatDate() and formatTime(), so the user's locale applies, where the database has them; else
as YYYY-MM-DD and HH24:MI:SS, the forms formatDate() itself falls back to.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from xtbatch import sql as named_sql
from xtbatch.errors import JobFailed
from xtbatch.report.definition import QuerySource, ReportDefinition
from xtbatch.report.errors import ReportQueryFailed
from xtbatch.report.loader import load_metasql
from xtbatch.report.metasql import parse, position, render_template

log = logging.getLogger(__name__)

CONTEXT_QUERY = "Context Query"


@dataclass(frozen=True, kw_only=True)
class QueryResult:
    """The rows of one query source, in the order the database returned them."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    _index: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(
        cls, name: str, columns: tuple[str, ...], rows: tuple[tuple[object, ...], ...]
    ) -> QueryResult:
        # The first of two equal column names wins, as in Qt's QSqlRecord.
        index: dict[str, int] = {}
        for i, column in enumerate(columns):
            index.setdefault(column, i)
        return cls(name=name, columns=columns, rows=rows, _index=index)

    def column_index(self, column: str) -> int | None:
        return self._index.get(column)


@dataclass(frozen=True, kw_only=True)
class ReportData:
    """Everything a report renders: its query results and the job's parameters."""

    results: Mapping[str, QueryResult]
    params: Mapping[str, object]


def with_defaults(definition: ReportDefinition, params: Mapping[str, object]) -> dict[str, object]:
    """Add the defaults of the report's active ``<parameter>`` elements the job does not give."""
    merged = dict(params)
    for parameter in definition.parameters:
        if parameter.active and parameter.name not in merged:
            merged[parameter.name] = parameter.default
    return merged


def fetch_data(
    conn: psycopg.Connection[Any],
    definition: ReportDefinition,
    params: Mapping[str, object],
    *,
    report_name: str,
) -> ReportData:
    """Run every query source of ``definition`` with ``params``.

    Raises:
        ReportQueryFailed: a query failed in the database; says which, why and where.
        ReportParameterMissing: a query needs a parameter that ``params`` lacks.
        MetaSQLSyntaxError, MetaSQLLiteralUnsafe, MetaSQLNotFound: a query is not usable.
    """
    results: dict[str, QueryResult] = {}
    # One transaction (or savepoint) for all: read-only work, and a failure leaves the
    # caller's session usable.
    with conn.transaction():
        results[CONTEXT_QUERY] = _context(conn, report_name=report_name)
        for source in definition.queries:
            if source.name in results:
                log.warning("Report %r has two queries named %r", report_name, source.name)
            results[source.name] = _run(conn, source, params, report_name=report_name)
    return ReportData(results=results, params=dict(params))


def _context(conn: psycopg.Connection[Any], *, report_name: str) -> QueryResult:
    """OpenRPT's Context Query: report_date and report_time, formatted by the database."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(named_sql.query("report_context_functions")).fetchone()
        block = "report_context_xtuple" if row and row[0] else "report_context_plain"
        if block == "report_context_plain":
            log.info(
                "The database has no formatDate(date)/formatTime(timestamptz): report %r prints "
                "the date as YYYY-MM-DD",
                report_name,
                extra={"action": "report_context_plain"},
            )
        try:
            with conn.transaction():
                cur.execute(named_sql.query(block))
        except psycopg.Error as exc:
            where = f"Context Query of report '{report_name}'"
            raise _query_failed(exc, named_sql.query(block), where) from exc
        assert cur.description is not None
        columns = tuple(column.name for column in cur.description)
        return QueryResult.of(CONTEXT_QUERY, columns, tuple(cur.fetchall()))


def _run(
    conn: psycopg.Connection[Any],
    source: QuerySource,
    params: Mapping[str, object],
    *,
    report_name: str,
) -> QueryResult:
    text = source.sql
    if source.load_from_db:
        text = load_metasql(conn, source.mql_group, source.mql_name)
    where = f"query '{source.name}' of report '{report_name}'"
    try:
        sql, bound = render_template(parse(text), params)
    except JobFailed as exc:
        # Same error class, prefixed with which query of which report.
        raise type(exc)(f"The {where}: {exc.message}") from exc
    if not sql:
        return QueryResult.of(source.name, (), ())
    try:
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(sql, bound)
            if cur.description is None:
                return QueryResult.of(source.name, (), ())
            columns = tuple(column.name for column in cur.description)
            return QueryResult.of(source.name, columns, tuple(cur.fetchall()))
    except psycopg.Error as exc:
        raise _query_failed(exc, sql, where) from exc


def _query_failed(exc: psycopg.Error, sql: str, where: str) -> ReportQueryFailed:
    diag = exc.diag
    reason = (diag.message_primary or str(exc)).strip().splitlines()[0]
    state = f" (SQLSTATE {exc.sqlstate})" if exc.sqlstate else ""
    detail = ""
    if diag.statement_position and diag.statement_position.isdigit():
        # PostgreSQL counts characters from 1 in the SQL we sent, placeholders as $n.
        offset = int(diag.statement_position) - 1
        sent = _as_sent(sql)
        line, column = position(sent, min(offset, len(sent)))
        source_line = sent.splitlines()[line - 1] if sent.splitlines() else ""
        detail = f"\nat line {line}, column {column} of the rendered SQL: {source_line.strip()}"
    return ReportQueryFailed(f"The {where} failed: {reason}{state}{detail}")


def _as_sent(sql: str) -> str:
    """The SQL as PostgreSQL received it: psycopg turns ``%(pN)s`` into ``$N`` and ``%%`` to %."""
    out = sql
    for number in range(sql.count("%(p"), 0, -1):
        out = out.replace(f"%(p{number})s", f"${number}")
    return out.replace("%%", "%")
