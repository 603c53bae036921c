"""Turn query values into the text a field shows: printf-like and xTuple builtin formats."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

log = logging.getLogger(__name__)

_CONVERSION = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[hlLqjzt]*([a-zA-Z])")


@dataclass(frozen=True)
class Builtin:
    """An xTuple builtin number format: the SQL function OpenRPT calls, and its fallback."""

    function: str  # OpenRPT's common/builtinformatfunctions.cpp: the tag's xTuple function
    scale: int  # decimals in xTuple's stock "Default" locale
    factor: int = 1  # formatPrcnt and formatScrap take fractions and print percents


# OpenRPT formats a builtin field with ``SELECT <function>(<value>)``: xTuple's functions read
# the user's locale (decimals, separators). Where the database lacks one, xtbatch prints what
# it prints for xTuple's stock Default locale.
BUILTINS: dict[str, Builtin] = {
    "qty": Builtin("formatqty", 2),
    "qtyper": Builtin("formatqtyper", 4),
    "extprice": Builtin("formatextprice", 2),
    "purchprice": Builtin("formatpurchprice", 4),
    "salesprice": Builtin("formatsalesprice", 4),
    "price": Builtin("formatprice", 4),
    "cost": Builtin("formatcost", 4),
    "money": Builtin("formatmoney", 2),
    "percent": Builtin("formatprcnt", 2, 100),
    "weight": Builtin("formatweight", 2),
    "ratio": Builtin("formatratio", 5),
    "uomratio": Builtin("formatuomratio", 5),
    "scrap": Builtin("formatscrap", 2, 100),
}


def as_argument(number: float) -> Decimal:
    """The number as OpenRPT passes it to a format function: printf's %f, six decimals."""
    return Decimal(f"{number:.6f}")


def format_builtin(number: float, builtin: Builtin) -> str:
    """``number`` as xTuple's formatNumeric prints it in the Default locale: 1,234.50.

    formatNumeric rounds the numeric OpenRPT passes (six decimals) half away from zero.
    Python's float formatting gives the same digits except at an exact tie, so only ties
    (and percents, scaled first) take the slower ``Decimal`` path.
    """
    if not math.isfinite(number):
        return str(number)
    argument = f"{number:.6f}"
    if builtin.factor == 1 and not _is_tie(argument, builtin.scale):
        text = f"{number:,.{builtin.scale}f}"
        return text[1:] if text.startswith("-") and not text.strip("-0.,") else text
    value = (Decimal(argument) * builtin.factor).quantize(
        Decimal(1).scaleb(-builtin.scale), rounding=ROUND_HALF_UP
    )
    return f"{abs(value) if value == 0 else value:,.{builtin.scale}f}"


def _is_tie(argument: str, scale: int) -> bool:
    """Whether six-decimal ``argument`` lies halfway between two values of ``scale`` decimals."""
    return argument[len(argument) - 6 + scale :] == "5" + "0" * (5 - scale)


def to_text(value: object) -> str:
    """The text of a query value, as Qt's QVariant::toString() gives it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep="T", timespec="seconds")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return ",".join(to_text(item) for item in value)
    return str(value)


def to_number(value: object) -> float | None:
    """The value as a number, or None when it is not one (as QVariant::toDouble's ok flag)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


def format_value(value: object, fmt: str, *, builtin: bool) -> str:
    """Apply a field's format to ``value``; without a format, the value's text."""
    if not fmt:
        return to_text(value)
    number = to_number(value)
    if builtin:
        known = BUILTINS.get(fmt)
        if known is None or number is None:
            if known is None:
                log.warning("Unknown builtin format %r: showing the raw value", fmt)
            return to_text(value)
        return format_builtin(number, known)
    conversion = _CONVERSION.search(fmt)
    textual = conversion is None or conversion.group(1) in "sr"
    try:
        # Python's % operator implements C's printf conversions, as Qt's sprintf did.
        return fmt % (to_text(value) if textual or number is None else number)
    except (TypeError, ValueError):
        log.warning("Format %r does not suit value %r: showing the raw value", fmt, value)
        return to_text(value)
