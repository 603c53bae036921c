"""Field values to text: printf-like and builtin formats, and word wrapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xtbatch.report.elements import Font
from xtbatch.report.fonts import font_name, text_width, widest_width, wrap
from xtbatch.report.formatting import format_value, to_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3.0, "3"),
        (2.5, "2.5"),
        (Decimal("12.50"), "12.50"),
        (dt.date(2024, 1, 31), "2024-01-31"),
        (dt.datetime(2024, 1, 31, 8, 5, 1), "2024-01-31T08:05:01"),
        (["a", 1], "a,1"),
    ],
)
def test_values_become_text_as_qt_prints_them(value: object, text: str) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (12.5, "%0.2f", "12.50"),
        (Decimal("7"), "%05d", "00007"),
        ("42", "%.1f", "42.0"),
        ("abc", "Item %s", "Item abc"),
        (5, "Qty: %s", "Qty: 5"),
        (3, "%ld", "3"),
        ("abc", "%d", "abc"),
    ],
)
def test_printf_formats(value: object, fmt: str, text: str) -> None:
    assert format_value(value, fmt, builtin=False) == text


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (1234.5, "money", "1,234.50"),
        (Decimal("2"), "qty", "2.00"),
        (1.5, "cost", "1.5000"),
        (0.155, "percent", "15.50"),
        # As xTuple's formatNumeric in the stock Default locale: numeric rounding (half away
        # from zero), no negative zero, the locale's scale per kind.
        (0.125, "money", "0.13"),
        (-1234.5, "money", "-1,234.50"),
        (-0.001, "money", "0.00"),
        (1.23456, "qtyper", "1.2346"),
        (0.5, "uomratio", "0.50000"),
        (0.05, "scrap", "5.00"),
        (2.5, "price", "2.5000"),
        ("n/a", "money", "n/a"),
        (1, "nonsense", "1"),
    ],
)
def test_builtin_formats(value: object, fmt: str, text: str) -> None:
    assert format_value(value, fmt, builtin=True) == text


def test_wrap_breaks_at_spaces_and_newlines() -> None:
    assert wrap("alpha beta gamma\ndelta", "Helvetica", 10, 80) == ["alpha beta", "gamma", "delta"]


def test_wrap_breaks_a_word_wider_than_the_line() -> None:
    lines = wrap("x" * 60, "Helvetica", 10, 100)
    assert len(lines) > 1 and "".join(lines) == "x" * 60


@pytest.mark.parametrize(
    ("font", "name"),
    [
        (Font(face="Arial"), "Helvetica"),
        (Font(face="Times New Roman", bold=True), "Times-Bold"),
        (Font(face="courier new", italic=True), "Courier-Oblique"),
        (Font(face="DejaVu Sans", bold=True, italic=True), "Helvetica-BoldOblique"),
    ],
)
def test_font_faces_map_to_standard_fonts(font: Font, name: str) -> None:
    assert font_name(font) == name


@pytest.mark.parametrize("name", ["Helvetica", "Helvetica-Bold", "Times-Italic", "Courier"])
def test_widest_width_is_never_less_than_the_measured_width(name: str) -> None:
    # The PDF painter skips measuring text this bound says fits; it must never under-guess.
    samples = [chr(code) * 4 for code in range(0x20, 0x3000, 3)] + ["Mm@W" * 5, "iiii", ""]
    assert all(text_width(s, name, 9) <= widest_width(s, name, 9) for s in samples)
