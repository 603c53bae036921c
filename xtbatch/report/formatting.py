"""Turn query values into the text a field shows: printf-like and xTuple builtin formats."""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal

log = logging.getLogger(__name__)

_CONVERSION = re.compile(r"%[-+ #0]*\d*(?:\.\d+)?[hlLqjzt]*([a-zA-Z])")

# xTuple's builtin formats call SQL functions (formatMoney…) that read the user's locale.
# xtbatch formats them here with a stock locale's decimals; percent values are fractions.
BUILTIN_DECIMALS: dict[str, int] = {
    "qty": 2,
    "qtyper": 6,
    "extprice": 2,
    "purchprice": 4,
    "salesprice": 4,
    "price": 4,
    "cost": 4,
    "money": 2,
    "percent": 2,
    "weight": 2,
    "ratio": 2,
    "uomratio": 6,
    "scrap": 2,
}


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
        decimals = BUILTIN_DECIMALS.get(fmt)
        if decimals is None or number is None:
            if decimals is None:
                log.warning("Unknown builtin format %r: showing the raw value", fmt)
            return to_text(value)
        if fmt == "percent":
            number *= 100.0
        return f"{number:,.{decimals}f}"
    conversion = _CONVERSION.search(fmt)
    textual = conversion is None or conversion.group(1) in "sr"
    try:
        # Python's % operator implements C's printf conversions, as Qt's sprintf did.
        return fmt % (to_text(value) if textual or number is None else number)
    except (TypeError, ValueError):
        log.warning("Format %r does not suit value %r: showing the raw value", fmt, value)
        return to_text(value)
