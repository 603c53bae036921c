"""Barcodes with reportlab's barcode module, named as OpenRPT names their formats."""

from __future__ import annotations

import functools
import logging

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import createBarcodeDrawing
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas

log = logging.getLogger(__name__)

# OpenRPT format name -> reportlab barcode name.
FORMATS: dict[str, str] = {
    "3of9": "Standard39",
    "3of9+": "Extended39",
    "128": "Code128",
    "i2of5": "I2of5",
    "ean13": "EAN13",
    "ean8": "EAN8",
    "upc-a": "UPCA",
    "datamatrix": "ECC200DataMatrix",
}


def barcode_drawing(
    value: str, fmt: str, *, narrow_bar_width: float, height: float
) -> Drawing | None:
    """A drawing of ``value`` in OpenRPT format ``fmt``; None (logged) when it cannot be drawn.

    ``narrow_bar_width`` is in inches, ``height`` in points.
    """
    name = FORMATS.get(fmt.lower())
    if name is None and "datamatrix" in fmt.lower():
        name = FORMATS["datamatrix"]
    if name is None:
        _warn(f"Barcode format {fmt!r} is not supported: the barcode is left out")
        return None
    try:
        drawing: Drawing = createBarcodeDrawing(
            name,
            value=value,
            barWidth=narrow_bar_width * 72.0,
            barHeight=height,
            humanReadable=False,
            quiet=False,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        _warn(f"Barcode value {value[:40]!r} cannot be drawn as {fmt}: {exc}")
        return None
    return drawing


def draw_barcode(
    canvas: Canvas, drawing: Drawing, *, x: float, y: float, width: float, align: str
) -> None:
    """Draw ``drawing`` with its bottom-left at (x, y) points, aligned in ``width`` points."""
    offset = 0.0
    if align == "center":
        offset = (width - drawing.width) / 2
    elif align == "right":
        offset = width - drawing.width
    renderPDF.draw(drawing, canvas, x + max(offset, 0.0), y)


@functools.lru_cache(maxsize=64)
def _warn(message: str) -> None:
    # Cached: a bad barcode in a detail band would otherwise log once per row.
    log.warning(message, extra={"action": "report_barcode"})
