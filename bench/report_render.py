"""Benchmark RunReport rendering: a 1-page and a 50-page report, time and peak memory.

Renders tests/unit/report/fixtures/everything.xml (every section and element kind: report and
page heads and feet, a group with subtotals, images, barcodes, text) from in-memory rows, so
the figures are the renderer's own (layout and PDF), without the database.

    .venv/bin/python bench/report_render.py [--repeat 5]

To compare two versions, run this same script against each tree's ``xtbatch`` in turn (see
docs/benchmarks.md, "Report renderer"): the figures to compare are time per page and peak
memory for the 50-page report.
"""

from __future__ import annotations

import argparse
import logging
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from xtbatch.report.data import QueryResult, ReportData
from xtbatch.report.definition import ReportDefinition, parse_definition
from xtbatch.report.layout import layout
from xtbatch.report.pdf import draw

FIXTURE = Path(__file__).parents[1] / "tests" / "unit" / "report" / "fixtures" / "everything.xml"


def data(rows: int) -> ReportData:
    head = QueryResult.of("head", ("docnumber", "notes"), (("ORD-1001", "Notes " * 40),))
    detail = QueryResult.of(
        "detail",
        ("item", "cat", "amount"),
        tuple((f"item {i:05d}", f"cat{i // 30}", 1.25 * i) for i in range(rows)),
    )
    return ReportData(results={"head": head, "detail": detail}, params={"greeting": "Hello"})


def rows_for(definition: ReportDefinition, pages: int) -> int:
    """The fewest detail rows that fill ``pages`` pages."""
    low, high = 1, 40 * pages
    while low < high:
        middle = (low + high) // 2
        if len(layout(definition, data(middle)).pages) >= pages:
            high = middle
        else:
            low = middle + 1
    return low


def render(definition: ReportDefinition, report_data: ReportData) -> tuple[int, int]:
    document = layout(definition, report_data)
    return len(document.pages), len(draw(document))


def measure(definition: ReportDefinition, rows: int, repeat: int) -> dict[str, float]:
    report_data = data(rows)
    render(definition, report_data)  # warm caches (fonts, images) as a worker would have
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        pages, size = render(definition, report_data)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    render(definition, report_data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": rows,
        "pages": pages,
        "pdf_kib": size / 1024,
        "median_ms": statistics.median(times) * 1000,
        "per_page_ms": statistics.median(times) * 1000 / pages,
        "min_ms": min(times) * 1000,
        "peak_mib": peak / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    # The fixture has an unknown element on purpose; its warning is not the point here.
    logging.basicConfig(level=logging.ERROR)
    definition = parse_definition(FIXTURE.read_text(encoding="utf-8"))
    # A full single page, and the fewest rows that make fifty pages.
    counts = (rows_for(definition, 2) - 1, rows_for(definition, 50))
    results = [measure(definition, rows, args.repeat) for rows in counts]
    print(f"Python {sys.version.split()[0]}, median of {args.repeat} runs\n")
    print(
        "| pages | detail rows | PDF size | median time | per page | best time "
        "| peak Python memory |"
    )
    print("|------:|------------:|---------:|------------:|---------:|----------:|------:|")
    for r in results:
        print(
            f"| {r['pages']:.0f} | {r['rows']:.0f} | {r['pdf_kib']:.0f} KiB "
            f"| {r['median_ms']:.0f} ms | {r['per_page_ms']:.2f} ms | {r['min_ms']:.0f} ms "
            f"| {r['peak_mib']:.1f} MiB |"
        )
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nProcess max RSS after both: {maxrss:.0f} MiB")


if __name__ == "__main__":
    main()
