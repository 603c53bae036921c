"""Band elements as shapes on a page: what a label, field, line, rect, image or barcode and the
page's watermark draw, and where, as OpenRPT's pre-renderer (``renderer/orprerender.cpp``)
places them. Text areas flow across pages, which is pagination: :mod:`xtbatch.report.layout`
places their lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from xtbatch.report.definition import Page
from xtbatch.report.elements import (
    Barcode,
    Box,
    DataRef,
    Element,
    Field,
    Font,
    Image,
    Label,
    Line,
    TextArea,
    Watermark,
)
from xtbatch.report.fonts import font_name, text_area_lines
from xtbatch.report.formatting import to_text
from xtbatch.report.shapes import (
    BarcodeShape,
    BoxShape,
    ImageShape,
    LineShape,
    Shape,
    TextBox,
    WatermarkShape,
)
from xtbatch.report.values import Values


@dataclass(frozen=True, kw_only=True)
class Placer:
    """Shapes of one report run's elements, filled with its ``values``."""

    values: Values
    strict_fonts: bool

    def font(self, font: Font) -> str:
        """The PDF font for an element's font.

        Raises:
            ReportFontUnknown: the font is unknown and ``strict_fonts`` is set.
        """
        return font_name(font, strict=self.strict_fonts)

    def text(self, ref: DataRef, *, page_number: int) -> str:
        return to_text(self.values.value(ref, page_number=page_number))

    def text_lines(self, text: TextArea, *, page_number: int) -> list[str]:
        """A text area's value wrapped to its width, one item a line."""
        value = self.text(text.data, page_number=page_number)
        if not value:
            return []
        return text_area_lines(value, self.font(text.font), text.font.size, text.rect.width)

    def watermark(self, page: Page, mark: Watermark, *, page_number: int) -> WatermarkShape | None:
        """OpenRPT's renderWatermark: the page's watermark text, None when it has none."""
        text = mark.text if mark.data is None else self.text(mark.data, page_number=page_number)
        if not text:
            return None
        return WatermarkShape(
            x=page.margin_left,
            y=page.margin_top,
            width=page.width - page.margin_left - page.margin_right,
            height=page.height - page.margin_top - page.margin_bottom,
            text=text,
            # OpenRPT's default watermark font is Arial, sized to fit.
            font=self.font(mark.font or Font(face="Arial")),
            size=mark.font.size if mark.font is not None else None,
            opacity=mark.opacity,
        )

    def shape(
        self,
        element: Element,
        *,
        left: float,
        top: float,
        page_number: int,
        context: str | int | None,
    ) -> Shape | None:
        """The shape of a band element other than a text area, at the band's ``top``."""
        if isinstance(element, Line):
            return LineShape(
                x1=left + element.x1,
                y1=top + element.y1,
                x2=left + element.x2,
                y2=top + element.y2,
                weight=element.weight,
            )
        r = element.rect
        x, y, width, height = left + r.x, top + r.y, r.width, r.height
        if isinstance(element, Label | Field):
            if isinstance(element, Label):
                text, deferred = element.text, None
            else:
                text, deferred = self.values.field_text(
                    element, page_number=page_number, context=context
                )
            return TextBox(
                x=x, y=y, width=width, height=height, text=text, size=element.font.size,
                font=self.font(element.font), align=element.align, deferred=deferred,
            )  # fmt: skip
        if isinstance(element, Box):
            return BoxShape(x=x, y=y, width=width, height=height, weight=element.weight)
        if isinstance(element, Image):
            source = element.inline
            if source is None and element.data is not None:
                source = self.text(element.data, page_number=page_number)
            return ImageShape(
                x=x, y=y, width=width, height=height, source=source, mode=element.mode
            ) if source else None  # fmt: skip
        if isinstance(element, Barcode):
            return BarcodeShape(
                x=x, y=y, width=width, height=height,
                value=self.text(element.data, page_number=page_number),
                format=element.format, align=element.align,
                narrow_bar_width=element.narrow_bar_width,
            )  # fmt: skip
        return None
