"""Helpers for report tests that need no database: definitions, in-memory data, PDF text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pypdf

from xtbatch.report.data import QueryResult, ReportData

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def result(name: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> QueryResult:
    return QueryResult.of(name, tuple(columns), tuple(tuple(row) for row in rows))


def report_data(*results: QueryResult, params: dict[str, object] | None = None) -> ReportData:
    return ReportData(results={r.name: r for r in results}, params=params or {})


def pdf_pages(pdf: bytes) -> list[list[str]]:
    """The text lines of each page, in drawing order."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [page.extract_text().splitlines() for page in reader.pages]


def everything_data(rows: int = 100) -> ReportData:
    """Data for everything.xml: ``rows`` lines in categories of 30, amount 1.25 * index."""
    return report_data(
        result("head", ["docnumber", "notes"], [["ORD-1001", "First line of the notes"]]),
        result(
            "detail",
            ["item", "cat", "amount"],
            [[f"item {i:03d}", f"cat{i // 30}", 1.25 * i] for i in range(rows)],
        ),
        params={"greeting": "Hello"},
    )


def band_report(body: str, *, page: str = "<size>Letter</size><portrait/>") -> str:
    """A small report definition around ``body`` (sections), margins 50."""
    return f"""<!DOCTYPE openRPTDef>
<report>
 <title>Small</title><name>small</name>
 {page}
 <topmargin>50</topmargin><bottommargin>50</bottommargin>
 <leftmargin>50</leftmargin><rightmargin>50</rightmargin>
 {body}
</report>"""


def label(text: str, *, x: int = 0, y: int = 0, extra: str = "<left/><top/>") -> str:
    return (
        f"<label><rect><x>{x}</x><y>{y}</y><width>300</width><height>20</height></rect>"
        f"<font><face>Helvetica</face><size>10</size></font>{extra}<string>{text}</string></label>"
    )


def field(query: str, column: str, *, x: int = 0, y: int = 0, extra: str = "") -> str:
    return (
        f"<field><rect><x>{x}</x><y>{y}</y><width>300</width><height>20</height></rect>"
        f"<font><face>Helvetica</face><size>10</size></font><left/><top/>"
        f"<data><query>{query}</query><column>{column}</column></data>{extra}</field>"
    )


def detail_section(name: str, query: str, body: str, *, height: int = 25, extra: str = "") -> str:
    return (
        f"<section><name>{name}</name>{extra}<detail><key><query>{query}</query></key>"
        f"<height>{height}</height>{body}</detail></section>"
    )
