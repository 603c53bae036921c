"""The elements of an OpenRPT band (label, field, text, line, rect, image, barcode), parsed.

Follows OpenRPT's ``common/parsexmlutils.cpp``: lengths in 1/100 inch, relative to the band.
An element that is unknown or lacks a required part is logged and skipped.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

HAlign = Literal["left", "hcenter", "right"]
VAlign = Literal["top", "vcenter", "bottom"]


@dataclass(frozen=True, kw_only=True)
class Font:
    face: str = "Helvetica"
    size: float = 10.0
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True, kw_only=True)
class Rect:
    """A rectangle in 1/100 inch: an element's, from its band's corner, or a shape's, from its
    page's (:mod:`xtbatch.report.shapes`)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, kw_only=True)
class Align:
    horizontal: HAlign = "left"
    vertical: VAlign = "top"
    wordwrap: bool = False


@dataclass(frozen=True, kw_only=True)
class DataRef:
    """A column of a query source; "Context Query" and "Parameter Query" are built in."""

    query: str
    column: str


@dataclass(frozen=True, kw_only=True)
class TextElement:
    """What a label, a field and a text area share: the rect, font and alignment of text."""

    rect: Rect
    font: Font = Font()
    align: Align = Align()


@dataclass(frozen=True, kw_only=True)
class Label(TextElement):
    text: str


@dataclass(frozen=True, kw_only=True)
class Field(TextElement):
    """One value; ``format`` is printf-like, or a builtin name (money, qty…) when builtin."""

    data: DataRef
    format: str = ""
    builtin_format: bool = False
    track_total: bool = False
    subtotal: bool = False


@dataclass(frozen=True, kw_only=True)
class TextArea(TextElement):
    """Multi-line text: each wrapped line takes the rect's height and the section grows."""

    data: DataRef
    bottompad: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    weight: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Box:
    """The ``rect`` element: a rectangle outline."""

    rect: Rect
    weight: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Image:
    """An inline image (uuencoded or base64 ``map``) or one read from a query column."""

    rect: Rect
    mode: str = "clip"
    inline: str | None = None
    data: DataRef | None = None


@dataclass(frozen=True, kw_only=True)
class Barcode:
    rect: Rect
    data: DataRef
    format: str = "3of9"
    align: Literal["left", "center", "right"] = "left"
    narrow_bar_width: float = 0.01  # inches, OpenRPT's default
    max_length: int = 0


Element = Label | Field | TextArea | Line | Box | Image | Barcode


@dataclass(frozen=True, kw_only=True)
class Watermark:
    """Text across every page, behind it: static ``text`` or a query column (``data``).

    ``font`` None is OpenRPT's default: Arial at the largest size that fits the diagonal.
    ``opacity`` runs from 0 (invisible) to 255 (black).
    """

    text: str = ""
    data: DataRef | None = None
    font: Font | None = None
    opacity: int = 25


def parse_watermark(element: ET.Element) -> Watermark | None:
    """The report's ``<watermark>``; None when it has no text, no data or no opacity.

    As OpenRPT's ``parseReportWatermark`` in ``common/parsexmlutils.cpp``.
    """
    data = _data(element.find("data"))
    if data is not None and not (data.query and data.column):
        data = None
    opacity = min(max(int(number(element.find("opacity"), 25.0)), 0), 255)
    text = text_of(element.find("text"))
    font = element.find("font")
    if (data is None and not text) or opacity == 0:
        return None
    return Watermark(
        text=text,
        data=data,
        font=_font(font) if font is not None else None,
        opacity=opacity,
    )


def text_of(element: ET.Element | None) -> str:
    """Return an element's text content, '' when it is missing."""
    return "" if element is None else "".join(element.itertext())


def number(element: ET.Element | None, default: float = 0.0) -> float:
    """Return an element's text as a number, ``default`` when missing or not a number."""
    try:
        return float(text_of(element).strip())
    except ValueError:
        return default


def parse_element(element: ET.Element) -> Element | None:
    """Parse one band element; None (with a warning) when unknown or incomplete."""
    parser = _PARSERS.get(element.tag)
    if parser is None:
        log.warning(
            "Skipping unknown report element <%s>", element.tag, extra={"action": "report_parse"}
        )
        return None
    parsed = parser(element)
    if parsed is None:
        log.warning(
            "Skipping report element <%s>: it lacks a required part (rect, data or string)",
            element.tag,
            extra={"action": "report_parse"},
        )
    return parsed


def _rect(element: ET.Element | None) -> Rect | None:
    if element is None:
        return None
    parts = [element.find(tag) for tag in ("x", "y", "width", "height")]
    if any(part is None for part in parts):
        return None
    x, y, width, height = (number(part) for part in parts)
    return Rect(x=x, y=y, width=width, height=height)


def _data(element: ET.Element | None) -> DataRef | None:
    if element is None or element.find("query") is None or element.find("column") is None:
        return None
    return DataRef(query=text_of(element.find("query")), column=text_of(element.find("column")))


def _font(element: ET.Element | None) -> Font:
    if element is None:
        return Font()
    weight = text_of(element.find("weight")).strip()
    # Qt weights: 50 normal, 63 demi-bold, 75 bold; OpenRPT writes "normal" or "bold".
    bold = weight == "bold" or (weight.isdigit() and int(weight) >= 63)
    return Font(
        face=text_of(element.find("face")).strip() or "Helvetica",
        size=number(element.find("size"), 10.0) or 10.0,
        bold=bold,
        italic=element.find("italic") is not None,
    )


def _align(element: ET.Element) -> Align:
    tags = {child.tag for child in element}
    horizontal: HAlign = "left"
    if "hcenter" in tags:
        horizontal = "hcenter"
    elif "right" in tags:
        horizontal = "right"
    vertical: VAlign = "top"
    if "vcenter" in tags:
        vertical = "vcenter"
    elif "bottom" in tags:
        vertical = "bottom"
    return Align(horizontal=horizontal, vertical=vertical, wordwrap="wordwrap" in tags)


def _label(element: ET.Element) -> Label | None:
    rect = _rect(element.find("rect"))
    string = element.find("string")
    if rect is None or string is None:
        return None
    return Label(
        rect=rect, text=text_of(string), font=_font(element.find("font")), align=_align(element)
    )


def _field(element: ET.Element) -> Field | None:
    rect, data = _rect(element.find("rect")), _data(element.find("data"))
    if rect is None or data is None:
        return None
    fmt = element.find("format")
    total = element.find("tracktotal")
    format_text = text_of(fmt)
    builtin = fmt is not None and fmt.get("builtin") == "true"
    if total is not None:
        # Reports from OpenRPT 3.0 and older keep the format in <tracktotal>.
        builtin = builtin or total.get("builtin") == "true"
        format_text = text_of(total) or format_text
    return Field(
        rect=rect,
        data=data,
        font=_font(element.find("font")),
        align=_align(element),
        format=format_text,
        builtin_format=builtin,
        # As in OpenRPT, a total needs a format to be tracked.
        track_total=total is not None and bool(format_text),
        subtotal=total is not None and total.get("subtotal") == "true",
    )


def _text_area(element: ET.Element) -> TextArea | None:
    rect, data = _rect(element.find("rect")), _data(element.find("data"))
    if rect is None or data is None:
        return None
    return TextArea(
        rect=rect,
        data=data,
        font=_font(element.find("font")),
        align=_align(element),
        bottompad=number(element.find("bottompad")),
    )


def _line(element: ET.Element) -> Line | None:
    parts = [element.find(tag) for tag in ("xstart", "ystart", "xend", "yend")]
    if any(part is None for part in parts):
        return None
    x1, y1, x2, y2 = (number(part) for part in parts)
    return Line(x1=x1, y1=y1, x2=x2, y2=y2, weight=number(element.find("weight")))


def _box(element: ET.Element) -> Box | None:
    rect = _rect(element)
    if rect is None:
        return None
    weight = element.find("weight")
    if weight is None:
        weight = element.find("borderwidth")
    return Box(rect=rect, weight=number(weight))


def _image(element: ET.Element) -> Image | None:
    rect = _rect(element.find("rect"))
    mapped = element.find("map")
    data = _data(element.find("data"))
    if rect is None or (mapped is None and data is None):
        return None
    return Image(
        rect=rect,
        mode=text_of(element.find("mode")).strip() or "clip",
        inline=text_of(mapped) if mapped is not None else None,
        data=data,
    )


def _barcode(element: ET.Element) -> Barcode | None:
    rect, data = _rect(element.find("rect")), _data(element.find("data"))
    if rect is None or data is None:
        return None
    tags = {child.tag for child in element}
    align: Literal["left", "center", "right"] = "left"
    if "center" in tags:
        align = "center"
    elif "right" in tags:
        align = "right"
    return Barcode(
        rect=rect,
        data=data,
        format=text_of(element.find("format")).strip() or "3of9",
        align=align,
        narrow_bar_width=number(element.find("narrowBarWidth"), 0.01) or 0.01,
        max_length=int(number(element.find("maxlength"))),
    )


_PARSERS: dict[str, Callable[[ET.Element], Element | None]] = {
    "label": _label,
    "field": _field,
    "text": _text_area,
    "line": _line,
    "rect": _box,
    "image": _image,
    "barcode": _barcode,
}
