"""Map OpenRPT font faces to the PDF standard fonts reportlab draws without embedding."""

from __future__ import annotations

import functools
import logging
import re

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


def widest_width(text: str, name: str, size: float) -> float:
    """At least the width of ``text`` (1/100 inch): its length times the widest glyph it may use.

    A bound that costs no measuring, for text that plainly fits its box.
    """
    printable_ascii = text.isascii() and text.isprintable()
    widest = _widest_ascii(name) if printable_ascii else _WIDEST_ANY
    return len(text) * widest * size / 1000.0 * 100.0 / 72.0


# The widest advance (1/1000 em) reportlab gives any BMP character in a standard font,
# substitutes for characters outside the font's encoding included.
_WIDEST_ANY = 1042.0


@functools.lru_cache(maxsize=16)
def _widest_ascii(name: str) -> float:
    """The widest printable ASCII glyph of font ``name``, in 1/1000 em."""
    return max(stringWidth(chr(code), name, 1000) for code in range(0x20, 0x7F))


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


# OpenRPT lays text areas out at 100 dots per inch (one dot per layout unit) and wraps a line
# once it is wider than the box less CLIP_MARGIN dots (renderer/textelementsplitter.cpp).
TEXT_AREA_DPI = 100
CLIP_MARGIN = 10
_WHITESPACE = re.compile(r"\s")


def text_area_width(width: float) -> int:
    """The width (1/100 inch) a text area's lines must not exceed, as OpenRPT computes it.

    ``(int)(width_in_inches * dpi) - CLIP_MARGIN``: the truncation is OpenRPT's, so a box of
    57 gives 46 (0.57 * 100 is 56.99… in binary floating point), as it does in OpenRPT.
    """
    return int(width / 100.0 * TEXT_AREA_DPI) - CLIP_MARGIN


def text_area_lines(text: str, name: str, size: float, width: float) -> list[str]:
    """Split a text area's value into lines as OpenRPT's TextElementSplitter does.

    Words wider than the whole box are first cut where they overflow it (OpenRPT's
    textForcedToWrap); then each line runs to the last whitespace before the text gets wider
    than :func:`text_area_width`. As in OpenRPT, the last word before a newline is not
    measured. One deviation: where OpenRPT puts all the remaining text on one (clipped) line
    because a single word is wider than the wrap width, xtbatch puts that word alone on it.
    """
    limit = text_area_width(width)
    rest = _force_wrap(text, name, size, width)
    lines: list[str] = []
    while rest:
        end = _line_end(rest, name, size, limit)
        lines.append(rest[:end])
        rest = rest[end + 1 :]
    return lines


def _line_end(text: str, name: str, size: float, limit: int) -> int:
    """Where the first line of ``text`` ends (the whitespace it breaks at, or len(text))."""
    end = -1  # the whitespace after the words that fit so far
    for match in _WHITESPACE.finditer(text):
        at = match.start()
        if text[at] == "\n":
            return at
        if text_width(text[:at], name, size) > limit:
            return end if end >= 0 else at
        end = at
    if end >= 0 and text_width(text, name, size) > limit:
        return end
    return len(text)


def _force_wrap(text: str, name: str, size: float, width: float) -> str:
    """Insert a space where a word wider than ``width`` overflows it, as OpenRPT does."""
    if not any(text_width(w, name, size) >= width for w in text.split()):
        return text
    out: list[str] = []
    position = 0
    for match in re.finditer(r"\S+", text):
        out.append(text[position : match.start()])
        word = match.group()
        while text_width(word, name, size) > width and len(word) > 1:
            cut = max(_fitting_prefix(word, name, size, width), 1)
            out.append(word[:cut] + " ")
            word = word[cut:]
        out.append(word)
        position = match.end()
    out.append(text[position:])
    return "".join(out)
