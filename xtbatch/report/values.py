"""What a report's elements show: query columns at their current rows, the job's parameters,
the Context Query, and running totals, as OpenRPT's ``evaluateField`` (orprerender.cpp) gives
them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from xtbatch.report.data import CONTEXT_QUERY, QueryResult, ReportData
from xtbatch.report.definition import ReportDefinition
from xtbatch.report.elements import DataRef, Field
from xtbatch.report.formatting import BUILTINS, format_value, to_number
from xtbatch.report.shapes import BuiltinNumber, PageCount
from xtbatch.report.totals import Totals

log = logging.getLogger(__name__)

PARAMETER_QUERY = "Parameter Query"
# Context Query columns OpenRPT fills in itself; report_date and report_time come from the
# Context Query it runs in the database (:func:`xtbatch.report.data.fetch_data`).
_CONTEXT_COLUMNS = frozenset({"page_number", "report_name", "report_title", "report_description"})


@dataclass(kw_only=True)
class Values:
    """The values of one report run; ``totals`` holds each query's current row."""

    definition: ReportDefinition
    data: ReportData
    totals: Totals
    _warned: set[str] = field(default_factory=set)

    def field_text(
        self, element: Field, *, page_number: int, context: str | int | None
    ) -> tuple[str, PageCount | BuiltinNumber | None]:
        """The field's text, and what it waits for: the page count or the database's format."""
        ref = element.data
        if element.track_total:
            value: object = self.totals.total(ref, subtotal=element.subtotal, context=context)
        elif ref.query == CONTEXT_QUERY and ref.column == "page_count":
            return "", PageCount(format="" if element.builtin_format else element.format)
        else:
            value = self.value(ref, page_number=page_number)
        text = format_value(value, element.format, builtin=element.builtin_format)
        if element.builtin_format and element.format in BUILTINS:
            number = to_number(value)
            if number is not None:
                return text, BuiltinNumber(format=element.format, value=number)
        return text, None

    def value(self, ref: DataRef, *, page_number: int) -> object:
        if ref.query == CONTEXT_QUERY and ref.column in _CONTEXT_COLUMNS:
            return self.context_value(ref.column, page_number=page_number)
        if ref.query == PARAMETER_QUERY:
            return self.data.params.get(ref.column, "")
        result = self.result(ref.query)
        if result is None or not result.rows:
            return None
        index = result.column_index(ref.column)
        if index is None:
            self.warn_once(f"Query {ref.query!r} has no column {ref.column!r}: left blank")
            return None
        return result.rows[self.totals.row(ref.query)][index]

    def context_value(self, column: str, *, page_number: int) -> object:
        """The Context Query columns OpenRPT computes itself (evaluateField)."""
        if column == "page_number":
            return page_number
        definition = self.definition
        return {
            "report_name": definition.name,
            "report_title": definition.title,
            "report_description": definition.description,
        }.get(column)

    def result(self, query: str) -> QueryResult | None:
        result = self.data.results.get(query)
        if result is None:
            self.warn_once(f"The report has no query source named {query!r}: left blank")
        return result

    def warn_once(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            log.warning(message, extra={"action": "report_render"})
