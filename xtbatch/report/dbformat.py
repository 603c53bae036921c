"""Builtin number formats (money, qty…) through xTuple's own SQL functions, as OpenRPT does.

OpenRPT formats a field whose ``<format builtin="true">`` is ``money`` with
``SELECT formatMoney(<value>)``, so the user's locale sets the decimals and separators.
Layout fills such fields with :func:`xtbatch.report.formatting.format_builtin`'s text and marks
them :class:`~xtbatch.report.shapes.BuiltinNumber`; :func:`format_in_database` then asks the
database once per function for every number the report prints. Functions the database lacks
keep the layout's text (xTuple's stock Default locale).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from xtbatch import sql as named_sql
from xtbatch.report.errors import ReportQueryFailed
from xtbatch.report.formatting import BUILTINS, as_argument
from xtbatch.report.shapes import BuiltinNumber, Document, Shape, TextBox

log = logging.getLogger(__name__)


def format_in_database(conn: psycopg.Connection[Any], document: Document) -> Document:
    """Return ``document`` with its builtin-format numbers as the database formats them.

    Raises:
        ReportQueryFailed: a format function failed in the database.
    """
    wanted: dict[str, dict[float, str]] = {}
    for page in document.pages:
        for shape in page:
            if isinstance(shape, TextBox) and isinstance(shape.deferred, BuiltinNumber):
                function = BUILTINS[shape.deferred.format].function
                wanted.setdefault(function, {})[shape.deferred.value] = shape.text
    if not wanted:
        return document
    try:
        with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(named_sql.query("report_format_functions"), {"names": sorted(wanted)})
            present = {str(row[0]) for row in cur.fetchall()}
            for function in sorted(present):
                _format(cur, function, wanted[function])
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0]
        raise ReportQueryFailed(f"Formatting the report's numbers failed: {reason}") from exc
    missing = sorted(set(wanted) - present)
    if missing:
        log.info(
            "The database lacks %s: those numbers are formatted as in xTuple's Default locale",
            ", ".join(f"{name}(numeric)" for name in missing),
            extra={"action": "report_format_fallback"},
        )
    return _replace(document, {f: t for f, t in wanted.items() if f in present})


def _format(cur: psycopg.Cursor[tuple[Any, ...]], function: str, texts: dict[float, str]) -> None:
    """Fill ``texts`` (number -> text) with ``function``'s text of each number."""
    numbers = list(texts)
    query = sql.SQL(named_sql.query("report_format_numbers")).format(
        function=sql.Identifier(function)
    )
    cur.execute(query, {"values": [as_argument(number) for number in numbers]})
    for number, (text,) in zip(numbers, cur.fetchall(), strict=True):
        texts[number] = "" if text is None else str(text)


def _replace(document: Document, texts: Mapping[str, Mapping[float, str]]) -> Document:
    def swap(shape: Shape) -> Shape:
        if isinstance(shape, TextBox) and isinstance(shape.deferred, BuiltinNumber):
            by_number = texts.get(BUILTINS[shape.deferred.format].function)
            if by_number is not None:
                return dataclasses.replace(shape, text=by_number[shape.deferred.value])
        return shape

    pages = tuple(tuple(swap(shape) for shape in page) for page in document.pages)
    return dataclasses.replace(document, pages=pages)
