"""Map OpenRPT font faces to the PDF standard fonts reportlab draws without embedding."""

from __future__ import annotations

import functools
import logging

from reportlab.pdfbase.pdfmetrics import stringWidth

from xtbatch.report.elements import Font
from xtbatch.report.errors import ReportFontUnknown

log = logging.getLogger(__name__)

# Report writers name fonts after what was installed on their desktop; these are the usual
# faces of each standard family.
_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        ("helvetica", "arial", "sans", "sans serif", "sansserif", "sans-serif", "dejavu sans",
         "liberation sans", "verdana", "tahoma", "lucida grande", "nimbus sans", "nimbus sans l",
         "free sans", "freesans", "ms shell dlg", "ms shell dlg 2", "segoe ui", "calibri",
         "bitstream vera sans", "ubuntu", "noto sans", "open sans", "helvetica neue"),
        "Helvetica",
    ),
    **dict.fromkeys(
        ("times", "times new roman", "times-roman", "serif", "dejavu serif", "liberation serif",
         "nimbus roman", "nimbus roman no9 l", "georgia", "cambria", "bitstream vera serif",
         "noto serif", "free serif", "freeserif"),
        "Times",
    ),
    **dict.fromkeys(
        ("courier", "courier new", "monospace", "mono", "dejavu sans mono", "liberation mono",
         "nimbus mono", "nimbus mono l", "lucida console", "consolas", "fixed",
         "bitstream vera sans mono", "free mono", "freemono", "noto sans mono"),
        "Courier",
    ),
}  # fmt: skip

_STYLES: dict[str, tuple[str, str, str, str]] = {
    # regular, bold, italic, bold italic
    "Helvetica": ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique"),
    "Times": ("Times-Roman", "Times-Bold", "Times-Italic", "Times-BoldItalic"),
    "Courier": ("Courier", "Courier-Bold", "Courier-Oblique", "Courier-BoldOblique"),
}


def font_name(font: Font, *, strict: bool = False) -> str:
    """Return the reportlab font for ``font``; an unknown face falls back to Helvetica.

    Raises:
        ReportFontUnknown: the face is unknown and ``strict`` is set.
    """
    family = _FAMILIES.get(font.face.strip().lower())
    if family is None:
        if strict:
            raise ReportFontUnknown(
                f"The report uses the font '{font.face}', which xtbatch cannot render: change it "
                "to Helvetica (Arial), Times or Courier in the report definition"
            )
        _warn_unknown(font.face)
        family = "Helvetica"
    regular, bold, italic, bold_italic = _STYLES[family]
    if font.bold:
        return bold_italic if font.italic else bold
    return italic if font.italic else regular


@functools.lru_cache(maxsize=64)
def _warn_unknown(face: str) -> None:
    # Cached so a face used in every row is reported once per process, not per row.
    log.warning(
        "Font %r is not available: using Helvetica",
        face,
        extra={"action": "report_font_fallback"},
    )


def text_width(text: str, name: str, size: float) -> float:
    """Width of ``text`` in 1/100 inch."""
    return stringWidth(text, name, size) * 100.0 / 72.0


def line_height(size: float) -> float:
    """A comfortable line height for ``size`` points, in 1/100 inch."""
    return size * 1.2 * 100.0 / 72.0


def wrap(text: str, name: str, size: float, width: float) -> list[str]:
    """Split ``text`` into lines no wider than ``width`` (1/100 inch), breaking at spaces.

    A word wider than the line is broken between characters, as OpenRPT forces it to wrap.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if not current or text_width(candidate, name, size) <= width:
                current = candidate
                if text_width(current, name, size) <= width:
                    continue
            else:
                lines.append(current)
                current = word
            while text_width(current, name, size) > width and len(current) > 1:
                cut = _fitting_prefix(current, name, size, width)
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    return lines


def _fitting_prefix(text: str, name: str, size: float, width: float) -> int:
    cut = 1
    while cut < len(text) and text_width(text[: cut + 1], name, size) <= width:
        cut += 1
    return cut
