"""Layout and PDF: text extracted with pypdf in order, pages, totals, images, fonts."""

from __future__ import annotations

import base64
import io
import logging

import pypdf
import pytest
from PIL import Image as PILImage

from tests.unit.report.report_helpers import (
    band_report,
    detail_section,
    everything_data,
    field,
    label,
    pdf_pages,
    report_data,
    result,
)
from xtbatch.report.definition import ReportDefinition, parse_definition
from xtbatch.report.errors import ReportFontUnknown, ReportImageInvalid
from xtbatch.report.layout import layout
from xtbatch.report.pdf import draw, render
from xtbatch.report.shapes import BarcodeShape, ImageShape, TextBox


@pytest.fixture(scope="module")
def everything_pages(everything: ReportDefinition) -> list[list[str]]:
    return pdf_pages(render(everything, everything_data()))


def test_everything_renders_on_four_pages(everything_pages: list[list[str]]) -> None:
    assert len(everything_pages) == 4


def test_report_head_comes_first_with_its_values(everything_pages: list[list[str]]) -> None:
    first = everything_pages[0]
    assert first[:6] == [
        "FIRST PAGE HEAD",
        "REPORT HEAD",
        "Everything Report",
        "Hello",
        "Document ORD-1001",
        "First line of the notes",
    ]


def test_page_head_variants_first_even_then_any(everything_pages: list[list[str]]) -> None:
    heads = [page[0] for page in everything_pages]
    assert heads == ["FIRST PAGE HEAD", "EVEN PAGE HEAD", "ANY PAGE HEAD", "EVEN PAGE HEAD"]


def test_detail_rows_flow_across_pages_in_order(everything_pages: list[list[str]]) -> None:
    items = [line for page in everything_pages for line in page if line.startswith("item ")]
    assert items == [f"item {i:03d}" for i in range(100)]


def test_page_footer_numbers_and_page_count(everything_pages: list[list[str]]) -> None:
    for number, page in enumerate(everything_pages[:3], start=1):
        assert f"Page {number}" in page
        assert page[page.index(f"Page {number}") + 1] == "4"


def test_last_page_uses_the_lastpage_footer(everything_pages: list[list[str]]) -> None:
    assert everything_pages[-1][-1] == "LAST PAGE FOOT"
    assert not any(line.startswith("Page ") for line in everything_pages[-1])


def test_page_footer_subtotal_counts_the_rows_on_its_page(
    everything_pages: list[list[str]],
) -> None:
    for page in everything_pages[:3]:
        rows = [line for line in page if line.startswith("item ")]
        expected = sum(1.25 * int(row.split()[1]) for row in rows)
        assert f"page {expected:.2f}" in page


@pytest.mark.parametrize("rows", range(20, 140, 9))
def test_page_subtotals_hold_wherever_pages_break(everything: ReportDefinition, rows: int) -> None:
    pages = pdf_pages(render(everything, everything_data(rows=rows)))
    for page in pages[:-1]:
        drawn = [line for line in page if line.startswith("item ")]
        expected = sum(1.25 * int(row.split()[1]) for row in drawn)
        assert f"page {expected:.2f}" in page
    items = [line for page in pages for line in page if line.startswith("item ")]
    assert items == [f"item {i:03d}" for i in range(rows)]


def test_group_heads_and_subtotals(everything_pages: list[list[str]]) -> None:
    lines = [line for page in everything_pages for line in page]
    heads = [lines[i + 1] for i, line in enumerate(lines) if line == "Category"]
    assert heads == ["cat0", "cat1", "cat2", "cat3"]
    subtotals = [lines[i + 1] for i, line in enumerate(lines) if line == "Subtotal"]
    expected = [sum(1.25 * i for i in range(g * 30, min(g * 30 + 30, 100))) for g in range(4)]
    assert subtotals == [f"{value:.2f}" for value in expected]
    # Each group's foot comes after its last row and before the next group's head.
    assert lines.index("item 029") < lines.index("Subtotal") < lines.index("cat1")


def test_report_foot_grand_total_with_builtin_money_format(
    everything_pages: list[list[str]],
) -> None:
    last = everything_pages[-1]
    assert last[last.index("Grand total") + 1] == "6,187.50"


def test_one_page_report_uses_first_and_last_variants(everything: ReportDefinition) -> None:
    [page] = pdf_pages(render(everything, everything_data(rows=3)))
    assert page[0] == "FIRST PAGE HEAD"
    assert page[-1] == "LAST PAGE FOOT"


def test_detail_section_without_rows_is_left_out(everything: ReportDefinition) -> None:
    [page] = pdf_pages(render(everything, everything_data(rows=0)))
    assert "Category" not in page and "Grand total" in page


def test_group_page_break_after_foot_starts_a_new_page() -> None:
    group = (
        "<group><name>g</name><column>g</column><pagebreak when='after foot'/>"
        f"<foot><height>20</height>{label('END GROUP')}</foot></group>"
    )
    body = detail_section("s", "q", field("q", "v"), extra=group)
    definition = parse_definition(band_report(body))
    data = report_data(result("q", ["g", "v"], [["a", "a1"], ["a", "a2"], ["b", "b1"]]))
    assert pdf_pages(render(definition, data)) == [["a1", "a2", "END GROUP"], ["b1", "END GROUP"]]


def test_section_page_break_at_end() -> None:
    body = detail_section("s", "q", field("q", "v"), extra="<pagebreak when='at end'/>")
    body += f"<rptfoot><height>20</height>{label('FOOT')}</rptfoot>"
    data = report_data(result("q", ["v"], [["x"]]))
    assert pdf_pages(render(parse_definition(band_report(body)), data)) == [["x"], ["FOOT"]]


def test_text_area_wraps_and_grows_its_band() -> None:
    text = (
        "<text><rect><x>0</x><y>0</y><width>100</width><height>15</height></rect>"
        "<bottompad>30</bottompad><font><face>Helvetica</face><size>10</size></font>"
        "<left/><top/><data><query>q</query><column>t</column></data></text>"
    )
    body = f"<rpthead><height>20</height>{text}</rpthead>"
    body += f"<rptfoot><height>20</height>{label('AFTER')}</rptfoot>"
    data = report_data(result("q", ["t"], [["one two three four five six seven eight"]]))
    document = layout(parse_definition(band_report(body)), data)
    boxes = [s for s in document.pages[0] if isinstance(s, TextBox)]
    lines = [b for b in boxes if b.text != "AFTER"]
    assert len(lines) > 1
    assert " ".join(b.text for b in lines) == "one two three four five six seven eight"
    after = next(b for b in boxes if b.text == "AFTER")
    assert after.y == pytest.approx(50 + len(lines) * 15 + 30)


def test_long_text_area_flows_onto_the_next_page() -> None:
    text = (
        "<text><rect><x>0</x><y>0</y><width>600</width><height>20</height></rect>"
        "<font><face>Helvetica</face><size>10</size></font><left/><top/>"
        "<data><query>q</query><column>t</column></data></text>"
    )
    body = f"<rpthead><height>20</height>{text}</rpthead>"
    body += f"<pgfoot><height>30</height>{field('Context Query', 'page_number')}</pgfoot>"
    paragraphs = "\n".join(f"paragraph {i}" for i in range(80))
    data = report_data(result("q", ["t"], [[paragraphs]]))
    pages = pdf_pages(render(parse_definition(band_report(body)), data))
    assert len(pages) == 2
    flowed = [line for page in pages for line in page if line.startswith("paragraph")]
    assert flowed == [f"paragraph {i}" for i in range(80)]
    assert pages[0][-1] == "1" and pages[1][-1] == "2"


def test_alignment_places_text_in_its_rect() -> None:
    labels = label("L", extra="<left/><top/>") + label("R", y=30, extra="<right/><bottom/>")
    labels += label("C", y=60, extra="<hcenter/><vcenter/>")
    document = layout(
        parse_definition(band_report(f"<rpthead><height>90</height>{labels}</rpthead>")),
        report_data(),
    )
    pdf = draw(document)
    positions: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
        if text.strip():
            positions[text.strip()] = (tm[4], tm[5])

    pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    left, right, centre = positions["L"][0], positions["R"][0], positions["C"][0]
    # Rect from 50 to 350 hundredths of an inch = 36 to 252 points.
    assert left == pytest.approx(36, abs=1)
    assert 240 < right < 252  # the text's right edge, not its start, is at 252
    assert 135 < centre < 150


def test_unknown_font_falls_back_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    xml = band_report(
        "<rpthead><height>20</height><label><rect><x>0</x><y>0</y><width>100</width>"
        "<height>20</height></rect><font><face>Wingdings Fancy</face><size>10</size></font>"
        "<string>fallback</string></label></rpthead>"
    )
    assert pdf_pages(render(parse_definition(xml), report_data())) == [["fallback"]]
    assert "Wingdings Fancy" in caplog.text
    with pytest.raises(ReportFontUnknown, match="Wingdings Fancy"):
        render(parse_definition(xml), report_data(), strict_fonts=True)


def image_report(source: str, mode: str = "stretch") -> ReportDefinition:
    return parse_definition(
        band_report(
            "<rpthead><height>100</height><image><rect><x>0</x><y>0</y><width>100</width>"
            f"<height>50</height></rect><mode>{mode}</mode><map format='png'>{source}</map>"
            "</image></rpthead>"
        )
    )


def test_base64_image_is_drawn() -> None:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4), (0, 0, 255)).save(buffer, "PNG")
    pdf = render(image_report(base64.b64encode(buffer.getvalue()).decode()), report_data())
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1


def test_uuencoded_images_are_drawn_stretched_and_clipped(everything: ReportDefinition) -> None:
    pdf = render(everything, everything_data(rows=1))
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    # Both use the same data, which the PDF stores once and draws twice.
    assert len(page.images) == 1
    content = page.get_contents()
    assert content is not None and content.get_data().count(b" Do") == 2


@pytest.mark.parametrize("source", ["begin 644 x\n#86)C\n`\nend\n", "bm90IGFuIGltYWdl", "!!"])
def test_image_that_will_not_decode_raises(source: str) -> None:
    with pytest.raises(ReportImageInvalid, match="will not decode"):
        render(image_report(source), report_data())


def test_image_from_a_query_column() -> None:
    buffer = io.BytesIO()
    PILImage.new("RGB", (4, 4)).save(buffer, "PNG")
    xml = band_report(
        "<rpthead><height>100</height><image><rect><x>0</x><y>0</y><width>100</width>"
        "<height>50</height></rect><data><query>q</query><column>img</column></data>"
        "</image></rpthead>"
    )
    data = report_data(result("q", ["img"], [[base64.b64encode(buffer.getvalue()).decode()]]))
    document = layout(parse_definition(xml), data)
    assert any(isinstance(s, ImageShape) for s in document.pages[0])
    assert len(pypdf.PdfReader(io.BytesIO(draw(document))).pages[0].images) == 1


def test_barcodes_are_drawn_as_bars(everything: ReportDefinition) -> None:
    document = layout(everything, everything_data(rows=1))
    barcodes = [s for s in document.pages[0] if isinstance(s, BarcodeShape)]
    assert [(b.format, b.value) for b in barcodes] == [
        ("3of9", "ORD-1001"),
        ("128", "ORD-1001"),
        ("upc-e", "ORD-1001"),
    ]
    without = layout(everything, everything_data(rows=1))
    pdf = draw(without)
    content = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].get_contents()
    assert content is not None
    # A code 39 of 8 characters plus start/stop has 50 bars; code 128 adds dozens more.
    assert content.get_data().count(b" re") > 80


def test_missing_column_and_query_are_blank_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = f"<rpthead><height>40</height>{field('q', 'nope')}{field('absent', 'x', y=20)}"
    body += f"{label('still here', y=40)}</rpthead>"
    data = report_data(result("q", ["v"], [["x"]]))
    assert pdf_pages(render(parse_definition(band_report(body)), data)) == [["still here"]]
    assert "'nope'" in caplog.text and "'absent'" in caplog.text


def test_field_printf_format_and_parameter_query() -> None:
    body = "<rpthead><height>40</height>"
    body += field("q", "n", extra="<format>%08.3f</format>")
    body += field("Parameter Query", "cust", y=20) + "</rpthead>"
    data = report_data(result("q", ["n"], [[3.14159]]), params={"cust": "ACME"})
    assert pdf_pages(render(parse_definition(band_report(body)), data)) == [["0003.142", "ACME"]]


def test_context_query_report_name_and_description() -> None:
    body = "<rpthead><height>40</height>" + field("Context Query", "report_name")
    body += field("Context Query", "report_description", y=20) + "</rpthead>"
    xml = band_report(body).replace(
        "<name>small</name>", "<name>small</name><description>D</description>"
    )
    assert pdf_pages(render(parse_definition(xml), report_data())) == [["small", "D"]]


def test_landscape_page_size_reaches_the_pdf() -> None:
    xml = band_report(
        f"<rpthead><height>20</height>{label('x')}</rpthead>", page="<size>A4</size><landscape/>"
    )
    page = pypdf.PdfReader(io.BytesIO(render(parse_definition(xml), report_data()))).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)


def test_rendering_twice_gives_the_same_bytes(everything: ReportDefinition) -> None:
    assert render(everything, everything_data(rows=5)) == render(
        everything, everything_data(rows=5)
    )


def test_odd_even_and_lastpage_page_heads() -> None:
    heads = "".join(
        f"<pghead><{variant}/><height>20</height>{label(variant.upper())}</pghead>"
        for variant in ("odd", "even", "lastpage")
    )
    body = heads + detail_section("s", "q", field("q", "v"), height=200)
    data = report_data(result("q", ["v"], [[f"row {i}"] for i in range(12)]))
    pages = pdf_pages(render(parse_definition(band_report(body)), data))
    assert len(pages) == 3
    assert [page[0] for page in pages] == ["ODD", "EVEN", "LASTPAGE"]
    rows = [line for page in pages for line in page if line.startswith("row")]
    assert rows == [f"row {i}" for i in range(12)]


def test_group_head_that_starts_a_page_counts_its_rows_on_the_new_page() -> None:
    group = f"<group><name>g</name><column>g</column><head><height>400</height>{label('HEAD')}"
    group += f"{field('q', 'g', y=20)}</head></group>"
    subtotal = field(
        "q", "n", x=400, extra="<format>sub %0.0f</format><tracktotal subtotal='true'/>"
    )
    body = f"<pgfoot><height>30</height>{subtotal}</pgfoot>"
    body += detail_section("s", "q", field("q", "n"), extra=group)
    rows = [["a", 1]] * 20 + [["b", 100]] * 3
    pages = pdf_pages(
        render(parse_definition(band_report(body)), report_data(result("q", ["g", "n"], rows)))
    )
    assert len(pages) == 2
    assert pages[0][:2] == ["HEAD", "a"] and pages[0][-1] == "sub 20"
    assert pages[1][:2] == ["HEAD", "b"] and pages[1][-1] == "sub 300"


def test_page_head_taller_than_the_page_does_not_start_pages_forever() -> None:
    text = (
        "<text><rect><x>0</x><y>0</y><width>600</width><height>20</height></rect>"
        "<font><face>Helvetica</face><size>10</size></font><left/><top/>"
        "<data><query>q</query><column>t</column></data></text>"
    )
    body = f"<pghead><height>20</height>{text}</pghead>"
    body += detail_section("s", "q", field("q", "t"))
    data = report_data(result("q", ["t"], [["\n".join(f"line {i}" for i in range(80))]]))
    assert len(layout(parse_definition(band_report(body)), data).pages) >= 1
