"""Running totals and subtotals of report fields, as OpenRPT's tracktotal computes them.

A total is the sum of a column over the rows rendered so far: through the current row of a
detail query, or over every row of a query no detail section walks. A subtotal subtracts the
total at a checkpoint: the start of the page (in page footers) or of the group (in group heads
and feet, and in the detail band, where the innermost group counts).
"""

from __future__ import annotations

from collections.abc import Mapping

from xtbatch.report.data import QueryResult
from xtbatch.report.elements import DataRef
from xtbatch.report.formatting import to_number


class Totals:
    """Row cursors of the report's queries and the sums over them."""

    def __init__(self, results: Mapping[str, QueryResult]) -> None:
        self._results = results
        self._prefix: dict[tuple[str, str], list[float]] = {}
        self._cursors: dict[str, int] = {}
        self._page_marks: dict[str, int] = {}
        self._group_marks: dict[int, int] = {}
        self._detail: str | None = None

    def move(self, query: str, row: int) -> None:
        """Make ``row`` (-1: before the first) the current row of ``query``."""
        self._cursors[query] = row

    def row(self, query: str) -> int:
        """The row of ``query`` whose values fields show: the current one, else the first."""
        return max(self._cursors.get(query, 0), 0)

    def start_detail(self, query: str) -> None:
        self._detail = query
        self._group_marks = {}

    def end_detail(self) -> None:
        self._detail = None

    def mark_page(self) -> None:
        """A page starts: page subtotals count from the current rows on."""
        self._page_marks = dict(self._cursors)

    def reset_group(self, index: int, *, through: int) -> None:
        """Group ``index`` starts after row ``through`` of the detail query."""
        self._group_marks[index] = through

    def total(self, ref: DataRef, *, subtotal: bool, context: str | int | None) -> float:
        """The running total of ``ref``, or its subtotal since the checkpoint of ``context``."""
        current = self._cursors.get(ref.query)
        total = self._through(ref, current)
        if not subtotal or current is None:
            return total
        mark: int | None = None
        if context == "page":
            mark = self._page_marks.get(ref.query, -1)
        elif ref.query == self._detail and self._group_marks:
            index = context if isinstance(context, int) else max(self._group_marks)
            mark = self._group_marks.get(index, -1)
        return total if mark is None else total - self._through(ref, mark)

    def _through(self, ref: DataRef, row: int | None) -> float:
        prefix = self._prefix_sums(ref)
        if not prefix:
            return 0.0
        if row is None:
            return prefix[-1]
        return 0.0 if row < 0 else prefix[min(row, len(prefix) - 1)]

    def _prefix_sums(self, ref: DataRef) -> list[float]:
        key = (ref.query, ref.column)
        if key not in self._prefix:
            result = self._results.get(ref.query)
            index = result.column_index(ref.column) if result is not None else None
            sums: list[float] = []
            running = 0.0
            if result is not None and index is not None:
                for row in result.rows:
                    running += to_number(row[index]) or 0.0
                    sums.append(running)
            self._prefix[key] = sums
        return self._prefix[key]
