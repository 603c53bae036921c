"""Draw a laid-out report as PDF with reportlab, as OpenRPT's print renderer draws it.

From ``renderer/orprintrender.cpp`` and Qt's defaults there: a line's or rectangle's
``<weight>`` is a pen width in 1/100 inch (weight 2 is 1.44 pt), with Qt's default square caps
and bevel joins; text is drawn in its rectangle and clipped to it (``QPainter::drawText``
clips to the rectangle unless told not to), so a value wider than its column is cut at the
column's edge instead of running over the next one.
"""

from __future__ import annotations

import base64
import binascii
import io
import math

from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import getAscentDescent
from reportlab.pdfgen.canvas import Canvas

from xtbatch.report.barcode import barcode_drawing, draw_barcode
from xtbatch.report.data import ReportData
from xtbatch.report.definition import ReportDefinition
from xtbatch.report.errors import ReportImageInvalid
from xtbatch.report.fonts import text_width, widest_width, wrap
from xtbatch.report.layout import layout
from xtbatch.report.shapes import (
    BarcodeShape,
    BoxShape,
    Document,
    ImageShape,
    LineShape,
    Shape,
    TextBox,
    WatermarkShape,
)

POINTS = 0.72  # points per 1/100 inch
MIN_STROKE = 0.5  # points: OpenRPT's weight 0 is the thinnest line the device draws
SQUARE_CAP = 2  # PDF line cap 2: projecting square, Qt's default (Qt::SquareCap)
BEVEL_JOIN = 2  # PDF line join 2: bevel, Qt's default (Qt::BevelJoin)
# Qt's standard point sizes of a scalable font (QFontDatabase::standardSizes).
WATERMARK_SIZES = (6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24, 26, 28, 36, 48, 72)


def render(definition: ReportDefinition, data: ReportData, *, strict_fonts: bool = False) -> bytes:
    """Lay out and draw a report; return the PDF.

    Raises:
        ReportImageInvalid: an image will not decode.
        ReportFontUnknown: a font is unknown and ``strict_fonts`` is set.
    """
    return draw(layout(definition, data, strict_fonts=strict_fonts))


def draw(document: Document) -> bytes:
    """Draw every page of ``document``; return the PDF.

    Raises:
        ReportImageInvalid: an image will not decode.
    """
    out = io.BytesIO()
    # invariant: no timestamp or random id, so equal reports give equal files.
    canvas = Canvas(
        out, pagesize=(document.width * POINTS, document.height * POINTS), invariant=True
    )
    canvas.setTitle(document.title)
    canvas.setCreator("xtbatch")
    painter = _Painter(canvas=canvas, height=document.height * POINTS)
    for page in document.pages:
        canvas.setLineCap(SQUARE_CAP)
        canvas.setLineJoin(BEVEL_JOIN)
        for shape in page:
            painter.draw(shape)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


class _Painter:
    def __init__(self, *, canvas: Canvas, height: float) -> None:
        self.canvas = canvas
        self.height = height
        self.images: dict[str, ImageReader] = {}

    def y(self, y: float) -> float:
        """PDF y (points from the bottom) of a layout y (1/100 inch from the top)."""
        return self.height - y * POINTS

    def draw(self, shape: Shape) -> None:
        if isinstance(shape, TextBox):
            self.text(shape)
        elif isinstance(shape, LineShape):
            self.canvas.setLineWidth(stroke_width(shape.weight))
            self.canvas.line(
                shape.x1 * POINTS, self.y(shape.y1), shape.x2 * POINTS, self.y(shape.y2)
            )
        elif isinstance(shape, BoxShape):
            self.canvas.setLineWidth(stroke_width(shape.weight))
            self.canvas.rect(
                shape.x * POINTS,
                self.y(shape.y + shape.height),
                shape.width * POINTS,
                shape.height * POINTS,
            )
        elif isinstance(shape, ImageShape):
            self.image(shape)
        elif isinstance(shape, WatermarkShape):
            self.watermark(shape)
        else:
            self.barcode(shape)

    def text(self, box: TextBox) -> None:
        if not box.text:
            return
        if box.align.wordwrap:
            lines = wrap(box.text, box.font, box.size, box.width)
        else:
            lines = box.text.split("\n")
        ascent, descent = getAscentDescent(box.font, box.size)
        leading = box.size * 1.2
        block = len(lines) * leading
        top = box.y * POINTS
        if box.align.vertical == "vcenter":
            top += (box.height * POINTS - block) / 2
        elif box.align.vertical == "bottom":
            top += box.height * POINTS - block
        # Measuring costs: left-aligned text too short to possibly overflow is not measured.
        horizontal = box.align.horizontal
        widths: list[float] = []
        if horizontal != "left" or widest_width(box.text, box.font, box.size) > box.width:
            widths = [text_width(line, box.font, box.size) for line in lines]
        clip = (bool(widths) and max(widths) > box.width) or block > box.height * POINTS
        canvas = self.canvas
        if clip:
            # Only text that overflows its rectangle is clipped, as Qt does: a clip per box
            # would cost every one of them a graphics state.
            canvas.saveState()
            path = canvas.beginPath()
            path.rect(
                box.x * POINTS, self.y(box.y + box.height), box.width * POINTS, box.height * POINTS
            )
            canvas.clipPath(path, stroke=0, fill=0)
        canvas.setFont(box.font, box.size)
        for number, line in enumerate(lines):
            x = box.x * POINTS
            if horizontal == "hcenter":
                x += (box.width - widths[number]) * POINTS / 2
            elif horizontal == "right":
                x += (box.width - widths[number]) * POINTS
            # Centre the glyphs in their line: the baseline sits below the ascent.
            baseline = top + number * leading + (leading - ascent + descent) / 2 + ascent
            canvas.drawString(x, self.height - baseline, line)
        if clip:
            canvas.restoreState()

    def watermark(self, shape: WatermarkShape) -> None:
        """Grey text centred on the rising diagonal, as OpenRPT's renderWatermark blends it."""
        width, height = shape.width * POINTS, shape.height * POINTS
        room = 0.9 * math.hypot(width, height)
        # Qt tries the family's standard sizes from the largest down to the second smallest.
        size = next(
            (s for s in reversed(WATERMARK_SIZES[1:]) if text_width(shape.text, shape.font, s)
             * POINTS < room),
            WATERMARK_SIZES[1],
        )  # fmt: skip
        if shape.size is not None:
            size = min(size, shape.size)
        ascent, descent = getAscentDescent(shape.font, size)
        canvas = self.canvas
        canvas.saveState()
        canvas.setFillGray(1 - shape.opacity / 255)
        canvas.translate(shape.x * POINTS + width / 2, self.y(shape.y) - height / 2)
        canvas.rotate(math.degrees(math.atan2(height, width)))
        canvas.setFont(shape.font, size)
        canvas.drawCentredString(0, -(ascent + descent) / 2, shape.text)
        canvas.restoreState()

    def image(self, shape: ImageShape) -> None:
        reader = self.images.get(shape.source)
        if reader is None:
            reader = self.images[shape.source] = decode_image(shape.source)
        x, width, height = shape.x * POINTS, shape.width * POINTS, shape.height * POINTS
        bottom = self.y(shape.y + shape.height)
        if shape.mode == "stretch":
            self.canvas.drawImage(
                reader, x, bottom, width, height, preserveAspectRatio=True, anchor="nw"
            )
            return
        # "clip": natural size (OpenRPT's 100 dots per inch), cut to the rectangle.
        natural_w, natural_h = (side * POINTS for side in reader.getSize())
        self.canvas.saveState()
        path = self.canvas.beginPath()
        path.rect(x, bottom, width, height)
        self.canvas.clipPath(path, stroke=0, fill=0)
        self.canvas.drawImage(reader, x, self.y(shape.y) - natural_h, natural_w, natural_h)
        self.canvas.restoreState()

    def barcode(self, shape: BarcodeShape) -> None:
        if not shape.value:
            return
        drawing = barcode_drawing(
            shape.value,
            shape.format,
            narrow_bar_width=shape.narrow_bar_width,
            height=shape.height * POINTS,
        )
        if drawing is not None:
            draw_barcode(
                self.canvas,
                drawing,
                x=shape.x * POINTS,
                y=self.y(shape.y + shape.height),
                width=shape.width * POINTS,
                align=shape.align,
            )


def decode_image(source: str) -> ImageReader:
    """Decode an OpenRPT image: uuencoded (as OpenRPT stores it) or base64.

    Raises:
        ReportImageInvalid: the data is neither, or not an image format Pillow reads.
    """
    try:
        data = _uudecode(source) if "begin " in source[:200] else _b64decode(source)
        reader = ImageReader(io.BytesIO(data))
        reader.getRGBData()  # decode it all now: a truncated file fails here, not mid-draw
    except (binascii.Error, ValueError, OSError) as exc:
        raise ReportImageInvalid(
            f"An image in the report will not decode ({exc.__class__.__name__}: "
            f"{str(exc)[:80]}): replace it in the report definition"
        ) from exc
    return reader


def _b64decode(source: str) -> bytes:
    return base64.b64decode("".join(source.split()), validate=True)


def _uudecode(source: str) -> bytes:
    lines = source.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("begin "))
    chunks: list[bytes] = []
    for line in lines[start + 1 :]:
        if line.startswith("end"):
            break
        if line:
            chunks.append(binascii.a2b_uu(line))
    return b"".join(chunks)


def stroke_width(weight: float) -> float:
    """The PDF line width (points) of an OpenRPT ``<weight>`` (1/100 inch); 0 is the thinnest."""
    return max(weight * POINTS, MIN_STROKE)
