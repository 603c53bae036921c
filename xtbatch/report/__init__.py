"""Render xTuple OpenRPT reports, with their SQL and MetaSQL queries, to PDF.

The RunReport job calls :func:`render_report`; the parts are usable alone: :mod:`.metasql`
renders MetaSQL to bound SQL, :mod:`.definition` parses OpenRPT XML, :mod:`.data` runs the
queries, :mod:`.layout` paginates and :mod:`.pdf` draws.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from xtbatch.report.data import fetch_data, with_defaults
from xtbatch.report.dbformat import format_in_database
from xtbatch.report.definition import parse_definition
from xtbatch.report.errors import ReportElementUnsupported
from xtbatch.report.layout import layout
from xtbatch.report.loader import load_report_source
from xtbatch.report.pdf import draw


@dataclass(frozen=True, kw_only=True)
class RenderedReport:
    report_name: str
    pdf: bytes
    page_count: int


def render_report(
    conn: psycopg.Connection[Any],
    report_name: str,
    params: Mapping[str, object],
    *,
    strict_fonts: bool = False,
) -> RenderedReport:
    """Render the highest grade of ``report_name`` with ``params`` to PDF.

    ``params`` are decoded job parameters (str, int, float, bool, date, datetime, list; a flag
    is present with True). Unknown fonts fall back to Helvetica with a warning in the log,
    unless ``strict_fonts`` is set.

    Raises:
        ReportNotFound: no grade of the report exists.
        ReportDefinitionInvalid: the report's XML does not parse.
        ReportElementUnsupported: the report uses a graph, crosstab, label sheet… (named).
        ReportParameterMissing: a query needs a parameter ``params`` lacks.
        MetaSQLNotFound, MetaSQLSyntaxError, MetaSQLLiteralUnsafe: a query is not usable.
        ReportQueryFailed: a query failed in the database (its name, reason and position).
        ReportImageInvalid: an image will not decode.
        ReportFontUnknown: a font is unknown and ``strict_fonts`` is set.
    """
    try:
        definition = parse_definition(load_report_source(conn, report_name))
    except ReportElementUnsupported as exc:
        raise ReportElementUnsupported(
            exc.message.replace("The report uses", f"Report '{report_name}' uses", 1)
        ) from exc
    data = fetch_data(conn, definition, with_defaults(definition, params), report_name=report_name)
    document = format_in_database(conn, layout(definition, data, strict_fonts=strict_fonts))
    return RenderedReport(
        report_name=report_name, pdf=draw(document), page_count=len(document.pages)
    )


__all__ = ["RenderedReport", "render_report"]
