"""Parsing OpenRPT XML: page, queries, sections and every element kind."""

from __future__ import annotations

import logging

import pytest

from tests.unit.report.report_helpers import band_report, detail_section, field, label
from xtbatch.report.definition import ReportDefinition, parse_definition
from xtbatch.report.elements import Barcode, Box, Field, Image, Label, Line, TextArea
from xtbatch.report.errors import ReportDefinitionInvalid


def test_report_identity_and_parameters(everything: ReportDefinition) -> None:
    assert (everything.name, everything.title) == ("everything", "Everything Report")
    assert everything.description.startswith("Every section")
    [parameter] = everything.parameters
    assert (parameter.name, parameter.default, parameter.active) == ("greeting", "Hello", True)


def test_page_size_orientation_and_margins(everything: ReportDefinition) -> None:
    page = everything.page
    assert (page.size_name, page.width, page.height, page.portrait) == ("Letter", 850, 1100, True)
    assert (page.margin_top, page.margin_bottom, page.margin_left, page.margin_right) == (
        50,
        50,
        50,
        50,
    )


def test_landscape_swaps_width_and_height() -> None:
    page = parse_definition(band_report("", page="<size>A4</size><landscape/>")).page
    assert (page.width, page.height, page.portrait) == (1170, 826, False)


def test_custom_page_size_is_in_hundredths_of_an_inch() -> None:
    page = parse_definition(
        band_report("", page="<size><width>400</width><height>600</height></size><portrait/>")
    ).page
    assert (page.size_name, page.width, page.height) == ("Custom", 400, 600)


def test_unknown_page_size_falls_back_to_letter(caplog: pytest.LogCaptureFixture) -> None:
    page = parse_definition(band_report("", page="<size>Napkin</size>")).page
    assert (page.width, page.height) == (850, 1100)
    assert "Napkin" in caplog.text


def test_query_sources_inline_and_from_metasql(everything: ReportDefinition) -> None:
    head, detail, fromdb = everything.queries
    assert head.name == "head" and "ORD-1001" in head.sql and not head.load_from_db
    assert detail.sql.startswith("SELECT item")
    assert (fromdb.load_from_db, fromdb.mql_group, fromdb.mql_name) == (
        True,
        "everything",
        "detail",
    )


def test_page_header_and_footer_variants(everything: ReportDefinition) -> None:
    assert sorted(everything.pghead) == ["any", "even", "firstpage"]
    assert sorted(everything.pgfoot) == ["any", "lastpage"]
    first = everything.pghead["firstpage"].elements[0]
    assert isinstance(first, Label) and first.text == "FIRST PAGE HEAD"


def test_detail_section_with_group(everything: ReportDefinition) -> None:
    [section] = everything.sections
    assert (section.name, section.key.query) == ("lines", "detail")
    [group] = section.groups
    assert (group.name, group.column, group.page_break_after_foot) == ("category", "cat", False)
    assert group.head is not None and group.foot is not None
    assert section.detail.height == 25


def test_old_style_group_head_and_foot_become_a_group() -> None:
    body = (
        "<section><name>old</name><grouphead><height>10</height></grouphead>"
        "<groupfoot><height>12</height></groupfoot><pagebreak when='at end'/>"
        "<detail><key><query>q</query><column>k</column></key><height>5</height></detail>"
        "</section>"
    )
    [section] = parse_definition(band_report(body)).sections
    [group] = section.groups
    assert (group.column, group.head and group.head.height, group.foot and group.foot.height) == (
        "k",
        10,
        12,
    )
    assert section.page_break_at_end


def test_group_page_break_after_foot() -> None:
    body = (
        "<section><name>s</name><group><name>g</name><column>c</column>"
        "<pagebreak when='after foot'/></group>"
        "<detail><key><query>q</query></key><height>5</height></detail></section>"
    )
    assert parse_definition(band_report(body)).sections[0].groups[0].page_break_after_foot


def test_rects_and_images_are_drawn_before_text(everything: ReportDefinition) -> None:
    assert everything.rpthead is not None
    kinds = [type(e).__name__ for e in everything.rpthead.elements]
    assert kinds[:2] == ["Image", "Image"]
    detail = everything.sections[0].detail.elements
    assert isinstance(detail[0], Box)


def test_label_font_and_alignment(everything: ReportDefinition) -> None:
    assert everything.rpthead is not None
    label_ = next(e for e in everything.rpthead.elements if isinstance(e, Label))
    assert (label_.font.face, label_.font.size, label_.font.bold) == ("Arial", 14, True)
    assert (label_.align.horizontal, label_.align.vertical) == ("left", "vcenter")
    assert (label_.rect.x, label_.rect.width) == (0, 400)


def test_field_numeric_weight_italic_and_formats(everything: ReportDefinition) -> None:
    assert everything.rpthead is not None
    fields = [e for e in everything.rpthead.elements if isinstance(e, Field)]
    title, greeting, doc = fields
    assert title.font.italic and not title.font.bold and title.align.horizontal == "right"
    assert greeting.font.bold and greeting.align.horizontal == "hcenter"
    assert greeting.align.vertical == "bottom"
    assert (doc.format, doc.builtin_format) == ("Document %s", False)


def test_field_totals_and_builtin_format(everything: ReportDefinition) -> None:
    assert everything.rptfoot is not None
    grand = next(e for e in everything.rptfoot.elements if isinstance(e, Field))
    assert (grand.track_total, grand.subtotal, grand.builtin_format, grand.format) == (
        True,
        False,
        True,
        "money",
    )
    foot = everything.sections[0].groups[0].foot
    assert foot is not None
    sub = next(e for e in foot.elements if isinstance(e, Field))
    assert (sub.track_total, sub.subtotal, sub.format) == (True, True, "%0.2f")


def test_field_wordwrap() -> None:
    body = f"<rpthead><height>20</height>{field('q', 'c', extra='<wordwrap/>')}</rpthead>"
    rpthead = parse_definition(band_report(body)).rpthead
    assert rpthead is not None
    element = rpthead.elements[0]
    assert isinstance(element, Field) and element.align.wordwrap


def test_text_line_rect_image_and_barcodes(everything: ReportDefinition) -> None:
    assert everything.rpthead is not None
    elements = everything.rpthead.elements
    text = next(e for e in elements if isinstance(e, TextArea))
    assert (text.bottompad, text.data.column) == (10, "notes")
    images = [e for e in elements if isinstance(e, Image)]
    assert [i.mode for i in images] == ["stretch", "clip"]
    assert images[0].inline is not None and images[0].inline.startswith("begin 644")
    barcodes = [e for e in elements if isinstance(e, Barcode)]
    assert [(b.format, b.align) for b in barcodes] == [
        ("3of9", "left"),
        ("128", "center"),
        ("upc-e", "left"),
    ]
    assert barcodes[0].max_length == 10 and barcodes[0].narrow_bar_width == 0.01
    detail = everything.sections[0].detail.elements
    line = next(e for e in detail if isinstance(e, Line))
    assert (line.x1, line.y1, line.x2, line.y2) == (0, 22, 650, 22)
    box = next(e for e in detail if isinstance(e, Box))
    assert (box.rect.x, box.weight) == (660, 1)


def test_unknown_elements_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    body = "<rpthead><height>20</height><wibble/>" + label("kept") + "</rpthead><gadget/>"
    rpthead = parse_definition(band_report(body)).rpthead
    assert rpthead is not None
    assert [type(e).__name__ for e in rpthead.elements] == ["Label"]
    assert "<wibble>" in caplog.text and "<gadget>" in caplog.text


def test_incomplete_elements_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    body = (
        "<rpthead><label><string>no rect</string></label><line><xstart>1</xstart></line></rpthead>"
    )
    rpthead = parse_definition(band_report(body)).rpthead
    assert rpthead is not None and rpthead.elements == ()
    assert caplog.text.count("lacks a required part") == 2


def test_detail_section_without_key_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    body = "<section><name>nokey</name><detail><height>5</height></detail></section>"
    assert parse_definition(band_report(body)).sections == ()
    assert "nokey" in caplog.text


def test_detail_key_column_is_optional() -> None:
    [section] = parse_definition(band_report(detail_section("s", "q", ""))).sections
    assert (section.key.query, section.key.column) == ("q", "")


def test_not_xml_raises_with_position() -> None:
    with pytest.raises(ReportDefinitionInvalid, match="line 2"):
        parse_definition("<report>\n<title>x</report>")


def test_wrong_root_raises() -> None:
    with pytest.raises(ReportDefinitionInvalid, match="<html>"):
        parse_definition("<html/>")
