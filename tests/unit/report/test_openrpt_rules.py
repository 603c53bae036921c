"""OpenRPT's rules, each pinned with numbers on a small report (issue 12, rules A to F).

A: Context Query (report_date, page_count); B: a band without elements takes no room when
drawn, yet its height is reserved; C: <weight> in 1/100 inch, square caps; D: text areas wrap
at the box width less 0.1 inch; E: text is clipped to its rectangle. Margins are 50 (1/100 in)
on a Letter page (850 x 1100), so content starts at y = 50 and ends above y = 1050.
"""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from tests.unit.report.report_helpers import (
    band_report,
    detail_section,
    field,
    label,
    pdf_pages,
    report_data,
    result,
)
from xtbatch.report.data import CONTEXT_QUERY
from xtbatch.report.definition import parse_definition
from xtbatch.report.errors import ReportElementUnsupported
from xtbatch.report.fonts import text_area_lines, text_area_width, text_width
from xtbatch.report.layout import layout
from xtbatch.report.pdf import draw, render
from xtbatch.report.shapes import Document, TextBox, WatermarkShape

TOP = 50


def boxes(document: Document, page: int = 0) -> list[TextBox]:
    return [s for s in document.pages[page] if isinstance(s, TextBox)]


def y_of(document: Document, text: str) -> float:
    return next(
        b.y for page in range(len(document.pages)) for b in boxes(document, page) if b.text == text
    )


def content(pdf: bytes, page: int = 0) -> bytes:
    stream = pypdf.PdfReader(io.BytesIO(pdf)).pages[page].get_contents()
    assert stream is not None
    return stream.get_data()


# -- A. Context Query ----------------------------------------------------------------------


def footer_report(rows: int, *, page_count_format: str = "") -> tuple[str, object]:
    fmt = f"<format>{page_count_format}</format>" if page_count_format else ""
    foot = (
        "<pgfoot><height>30</height>"
        + label("Report Date:")
        + field(CONTEXT_QUERY, "report_date", x=100)
        + label("Page", x=400)
        + field(CONTEXT_QUERY, "page_number", x=450)
        + label("of", x=500)
        + field(CONTEXT_QUERY, "page_count", x=550, extra=fmt)
        + "</pgfoot>"
    )
    body = foot + detail_section("s", "q", field("q", "v"), height=100)
    data = report_data(
        result(CONTEXT_QUERY, ["report_date", "report_time"], [["12/02/26", "09:41"]]),
        result("q", ["v"], [[f"row {i}"] for i in range(rows)]),
    )
    return band_report(body), data


def test_report_date_from_the_context_query_is_in_the_footer() -> None:
    xml, data = footer_report(1)
    [page] = pdf_pages(render(parse_definition(xml), data))  # type: ignore[arg-type]
    assert page[page.index("Report Date:") + 1] == "12/02/26"


def test_a_three_page_report_prints_page_n_of_3() -> None:
    xml, data = footer_report(25)  # 9 rows of 100 fit above the footer on a page
    document = layout(parse_definition(xml), data)  # type: ignore[arg-type]
    assert len(document.pages) == 3
    for number in range(3):
        texts = [b.text for b in boxes(document, number)]
        start = texts.index("Page")
        assert texts[start : start + 4] == ["Page", str(number + 1), "of", "3"]


def test_page_count_takes_its_fields_printf_format() -> None:
    xml, data = footer_report(1, page_count_format="(%d pages)")
    document = layout(parse_definition(xml), data)  # type: ignore[arg-type]
    assert "(1 pages)" in [b.text for b in boxes(document)]


def test_report_time_and_the_names_come_from_the_context_query() -> None:
    body = "<rpthead><height>80</height>" + field(CONTEXT_QUERY, "report_time")
    body += field(CONTEXT_QUERY, "report_title", y=20) + field(CONTEXT_QUERY, "report_name", y=40)
    body += field(CONTEXT_QUERY, "report_description", y=60) + "</rpthead>"
    xml = band_report(body).replace(
        "<name>small</name>", "<name>small</name><description>D</description>"
    )
    data = report_data(result(CONTEXT_QUERY, ["report_date", "report_time"], [["x", "09:41"]]))
    assert pdf_pages(render(parse_definition(xml), data)) == [["09:41", "Small", "small", "D"]]


# -- B. Empty bands ------------------------------------------------------------------------


def test_empty_first_page_head_takes_no_room() -> None:
    # xTuple's reports carry an empty <pghead><firstpage/> of height 6 or 7.
    body = "<pghead><firstpage/><height>7</height></pghead>"
    body += "<pghead><height>40</height>" + label("HEAD") + "</pghead>"
    body += detail_section("s", "q", field("q", "v"), height=500)
    document = layout(
        parse_definition(band_report(body)), report_data(result("q", ["v"], [["a"], ["b"]]))
    )
    assert y_of(document, "a") == TOP  # not TOP + 7
    assert y_of(document, "HEAD") == TOP and y_of(document, "b") == TOP + 40  # page 2


@pytest.mark.parametrize(
    "empty",
    [
        "<rpthead><height>40</height></rpthead>",
        "<pghead><height>40</height></pghead>",
        "<section><name>e</name><detail><key><query>one</query></key><height>40</height></detail></section>",
    ],
    ids=["rpthead", "pghead", "detail"],
)
def test_other_empty_bands_take_no_room(empty: str) -> None:
    body = empty + detail_section("s", "q", field("q", "v"))
    data = report_data(result("one", ["x"], [[1]]), result("q", ["v"], [["first"]]))
    assert y_of(layout(parse_definition(band_report(body)), data), "first") == TOP


def test_empty_group_head_and_foot_take_no_room() -> None:
    group = "<group><name>g</name><column>g</column><head><height>30</height></head>"
    group += "<foot><height>30</height></foot></group>"
    body = detail_section("s", "q", field("q", "v"), height=25, extra=group)
    data = report_data(result("q", ["g", "v"], [["a", "a1"], ["b", "b1"]]))
    document = layout(parse_definition(band_report(body)), data)
    assert (y_of(document, "a1"), y_of(document, "b1")) == (TOP, TOP + 25)


def test_empty_page_foot_still_reserves_its_height() -> None:
    body = "<pgfoot><height>200</height></pgfoot>" + detail_section(
        "s", "q", field("q", "v"), height=100
    )
    data = report_data(result("q", ["v"], [[f"r{i}"] for i in range(10)]))
    document = layout(parse_definition(band_report(body)), data)
    # A row fits while y + 100 + 200 < 1050: rows at 50…650 (7 rows), the 8th on page 2.
    assert [b.text for b in boxes(document)] == [f"r{i}" for i in range(7)]
    assert [b.text for b in boxes(document, 1)] == ["r7", "r8", "r9"]


# -- C. Line weights -----------------------------------------------------------------------


def test_line_weight_2_is_1_44_points_with_square_caps() -> None:
    line = "<line><xstart>0</xstart><ystart>5</ystart><xend>300</xend><yend>5</yend>"
    line += "<weight>2</weight></line>"
    box = "<rect><x>0</x><y>10</y><width>100</width><height>20</height><weight>5</weight></rect>"
    pdf = render(
        parse_definition(band_report(f"<rpthead><height>40</height>{line}{box}</rpthead>")),
        report_data(),
    )
    stream = content(pdf)
    assert re.search(rb"(^|\s)1\.44 w\s", stream)  # 2/100 inch = 1.44 pt, not 2 pt
    assert re.search(rb"(^|\s)3\.6 w\s", stream)  # the rectangle: 5/100 inch
    assert re.search(rb"(^|\s)2 J\s", stream)  # PDF line cap 2: projecting square


# -- D. Text area wrapping -----------------------------------------------------------------


def words_of_width(target: float) -> str:
    """Words at most ``target`` (1/100 inch) wide in Helvetica 10, within 7 of it."""
    text = "alpha"
    while text_width(text + " i", "Helvetica", 10) <= target:
        text += " i"
    return text


def test_text_area_wrap_width_is_the_box_less_a_tenth_of_an_inch() -> None:
    assert text_area_width(200) == 190
    assert text_area_width(57) == 46  # OpenRPT's int(0.57 * 100) truncates to 56
    between = words_of_width(200)  # wider than 190, narrower than 200
    assert 193 < text_width(between, "Helvetica", 10) <= 200
    assert len(text_area_lines(between, "Helvetica", 10, 200)) == 2
    assert text_area_lines(words_of_width(189), "Helvetica", 10, 200) == [words_of_width(189)]


def test_text_area_lines_follow_the_wrap_width_in_the_layout() -> None:
    text = words_of_width(200)
    area = (
        "<text><rect><x>0</x><y>0</y><width>200</width><height>20</height></rect>"
        "<font><face>Arial</face><size>10</size></font><left/><top/>"
        "<data><query>q</query><column>t</column></data></text>"
    )
    body = (
        f"<rpthead><height>20</height>{area}</rpthead>"
        + f"<rptfoot><height>20</height>{label('AFTER')}</rptfoot>"
    )
    document = layout(
        parse_definition(band_report(body)), report_data(result("q", ["t"], [[text]]))
    )
    lines = [b for b in boxes(document) if b.text != "AFTER"]
    assert [b.y for b in lines] == [TOP, TOP + 20]
    assert " ".join(b.text for b in lines) == text
    assert y_of(document, "AFTER") == TOP + 40


def test_text_area_breaks_at_newlines_and_splits_words_wider_than_the_box() -> None:
    assert text_area_lines("one\ntwo", "Helvetica", 10, 200) == ["one", "two"]
    lines = text_area_lines("x" * 80, "Helvetica", 10, 200)
    assert len(lines) > 1 and "".join(lines) == "x" * 80
    assert all(text_width(line, "Helvetica", 10) <= 200 for line in lines)


# -- E. Clipping ---------------------------------------------------------------------------


def test_field_wider_than_its_box_is_clipped_to_it() -> None:
    narrow = (
        "<field><rect><x>0</x><y>0</y><width>100</width><height>20</height></rect>"
        "<font><face>Helvetica</face><size>10</size></font><left/><top/>"
        "<data><query>q</query><column>long</column></data></field>"
    )
    body = f"<rpthead><height>40</height>{narrow}{field('q', 'short', y=20)}</rpthead>"
    data = report_data(
        result("q", ["long", "short"], [["A report name far wider than its column", "ok"]])
    )
    stream = content(render(parse_definition(band_report(body)), data))
    # One clip path, the field's rectangle: x 50, width 100, height 20 (1/100 in) in points.
    clips = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re W\*? n", stream)
    assert [tuple(float(v) for v in clip) for clip in clips] == [(36.0, 741.6, 72.0, 14.4)]


# -- Unsupported elements ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xml", "named"),
    [
        (
            "<rpthead><height>20</height><graph><name>g</name></graph></rpthead>",
            "<graph> (a graph in the report header)",
        ),
        (
            "<pgfoot><height>20</height><crosstab/></pgfoot>",
            "<crosstab> (a crosstab in a page footer)",
        ),
        ("<labeltype>Avery 5263</labeltype>", "<labeltype> (a label sheet"),
        ("<background><image>begin 644 x</image></background>", "<background>"),
        (
            detail_section("s", "q", field("q", "v", extra="<columns>3</columns>")),
            "<field> (a field repeated over several cells in a detail band)",
        ),
    ],
    ids=["graph", "crosstab", "labels", "background", "multi-cell field"],
)
def test_unsupported_elements_fail_naming_the_element(xml: str, named: str) -> None:
    with pytest.raises(ReportElementUnsupported, match=re.escape(named)):
        parse_definition(band_report(xml))


def test_label_page_size_fails() -> None:
    with pytest.raises(ReportElementUnsupported, match="label sheet"):
        parse_definition(band_report("", page="<size>Labels</size><portrait/>"))


def test_watermark_from_a_parameter_is_drawn_behind_every_page() -> None:
    # xTuple's Invoice takes its watermark ("Customer Copy"…) from a parameter.
    mark = "<watermark><data><query>Parameter Query</query><column>watermark</column></data>"
    mark += "<opacity>25</opacity></watermark>"
    body = mark + detail_section("s", "q", field("q", "v"), height=600)
    definition = parse_definition(band_report(body))
    rows = result("q", ["v"], [["a"], ["b"]])
    document = layout(definition, report_data(rows, params={"watermark": "Customer Copy"}))
    assert len(document.pages) == 2
    for page in document.pages:
        first = page[0]
        assert isinstance(first, WatermarkShape)
        assert (first.text, first.opacity, first.size) == ("Customer Copy", 25, None)
        assert (first.x, first.y, first.width, first.height) == (50, 50, 750, 1000)
    stream = content(draw(document))
    assert b"(Customer Copy) Tj" in stream
    assert re.search(rb"\s\.901961 g", stream)  # grey: 1 - 25/255
    assert all(
        not isinstance(s, WatermarkShape) for s in layout(definition, report_data(rows)).pages[0]
    )


def test_watermark_without_text_or_with_no_opacity_is_harmless() -> None:
    xml = "<watermark><opacity>25</opacity></watermark>"
    xml += "<background><opacity>0</opacity><image>x</image></background>"
    assert parse_definition(band_report(xml)).name == "small"


# -- Group heads stay with their rows ------------------------------------------------------


def test_a_group_head_that_fits_without_its_first_row_moves_to_the_next_page() -> None:
    # After a report head of 880 the page has y = 930; the page foot takes 30 of 1050.
    # OpenRPT would draw the head (930 + 60 + 30 < 1050) and move the row (990 + 40 + 30).
    group = f"<group><name>g</name><column>g</column><head><height>60</height>{label('HEAD')}"
    group += "</head></group>"
    body = f"<rpthead><height>880</height>{label('TOP')}</rpthead>"
    body += "<pgfoot><height>30</height>" + label("FOOT") + "</pgfoot>"
    body += detail_section("s", "q", field("q", "v"), height=40, extra=group)
    data = report_data(result("q", ["g", "v"], [["a", "row 0"]]))
    document = layout(parse_definition(band_report(body)), data)
    assert [b.text for b in boxes(document)] == ["TOP", "FOOT"]
    assert [b.text for b in boxes(document, 1)] == ["HEAD", "row 0", "FOOT"]


@pytest.mark.parametrize("lead", range(0, 340, 20))
def test_a_group_head_never_ends_a_page(lead: int) -> None:
    # A report head of ``lead`` shifts where the heads fall, so some land near a page's end.
    rows = 45
    group = f"<group><name>g</name><column>g</column><head><height>60</height>{label('HEAD')}"
    group += f"{field('q', 'g', x=300)}</head></group>"
    body = f"<rpthead><height>{lead}</height>{label('TOP')}</rpthead>"
    body += "<pgfoot><height>30</height>" + label("FOOT") + "</pgfoot>"
    body += detail_section("s", "q", field("q", "v"), height=40, extra=group)
    data = report_data(result("q", ["g", "v"], [[f"g{i // 7}", f"row {i}"] for i in range(rows)]))
    document = layout(parse_definition(band_report(body)), data)
    assert len(document.pages) > 1
    for page in range(len(document.pages)):
        texts = [b.text for b in boxes(document, page) if b.text != "FOOT"]
        assert texts[-1].startswith("row "), f"page {page + 1} ends with a group head: {texts}"
    drawn = [b.text for p in range(len(document.pages)) for b in boxes(document, p)]
    assert [t for t in drawn if t.startswith("row ")] == [f"row {i}" for i in range(rows)]
