"""What a laid-out page holds: text boxes, lines, boxes, images and barcodes.

Positions and sizes are in 1/100 inch from the page's top-left corner. Every shape but a line
is drawn in a rectangle (:class:`~xtbatch.report.elements.Rect`), as its element was.
"""

from __future__ import annotations

from dataclasses import dataclass

from xtbatch.report.elements import Align, Rect


@dataclass(frozen=True, kw_only=True)
class PageCount:
    """Text filled in with the number of pages, in the field's printf ``format``, at the end."""

    format: str = ""


@dataclass(frozen=True, kw_only=True)
class BuiltinNumber:
    """A number in an xTuple builtin format (money, qty…): the database formats it if it can."""

    format: str
    value: float


@dataclass(frozen=True, kw_only=True)
class TextBox(Rect):
    """Text drawn in its rectangle and clipped to it, as OpenRPT draws text."""

    text: str
    font: str
    size: float
    align: Align
    # What the text is waiting for: the page count, or the database's number format.
    deferred: PageCount | BuiltinNumber | None = None


@dataclass(frozen=True, kw_only=True)
class LineShape:
    x1: float
    y1: float
    x2: float
    y2: float
    weight: float


@dataclass(frozen=True, kw_only=True)
class BoxShape(Rect):
    weight: float


@dataclass(frozen=True, kw_only=True)
class ImageShape(Rect):
    source: str
    mode: str


@dataclass(frozen=True, kw_only=True)
class BarcodeShape(Rect):
    value: str
    format: str
    align: str
    narrow_bar_width: float


@dataclass(frozen=True, kw_only=True)
class WatermarkShape(Rect):
    """Text along the diagonal of the area inside the margins, grey by ``opacity`` (0-255).

    ``size`` None: the largest standard size that fits; else at most that size.
    """

    text: str
    font: str
    size: float | None
    opacity: int


Shape = TextBox | LineShape | BoxShape | ImageShape | BarcodeShape | WatermarkShape


@dataclass(frozen=True, kw_only=True)
class Document:
    """A laid-out report: one tuple of shapes per page, page size in 1/100 inch."""

    width: float
    height: float
    title: str
    pages: tuple[tuple[Shape, ...], ...]
