"""An encoder that mirrors XVariant::encode (OpenRPT's common/xvariant.cpp, linked by the
xTuple client) and QVariant::toString(), for writing parameters as the client writes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StringList:
    """A QStringList (a Python list is a QVariantList)."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class BitArray:
    bits: tuple[bool, ...]


def type_name(value: Any) -> str:
    """QVariant::typeToName of the value's Qt type."""
    match value:
        case bool():
            return "bool"
        case int():
            return "int"
        case float():
            return "double"
        case str():
            return "QString"
        case dt.datetime():
            return "QDateTime"
        case dt.date():
            return "QDate"
        case dt.time():
            return "QTime"
        case bytes():
            return "QByteArray"
        case StringList():
            return "QStringList"
        case BitArray():
            return "QBitArray"
        case dict():
            return "QVariantMap"
        case list():
            return "QVariantList"
    raise TypeError(value)


def to_string(value: Any) -> str:
    """QVariant::toString() of a scalar, as Qt 5 writes it."""
    match value:
        case bool():
            return "true" if value else "false"
        case float():
            return repr(value)  # shortest round-trip form, as Qt's FloatingPointShortest
        case dt.datetime() | dt.time():  # a datetime before its base class date
            return value.isoformat(timespec="milliseconds")
        case dt.date():
            return value.isoformat()
        case bytes():
            return value.decode()
    return str(value)


def encode(value: Any) -> str:
    """XVariant::encode: lists as "type":"value" items, string lists as "item" items, bit
    arrays as 0/1, maps as empty, scalars as toString()."""
    match value:
        case list():
            return ",".join(f'"{escape(type_name(v))}":"{escape(encode(v))}"' for v in value)
        case StringList():
            return ",".join(f'"{escape(item)}"' for item in value.items)
        case BitArray():
            return "".join("1" if bit else "0" for bit in value.bits)
        case dict():
            return ""
    return to_string(value)


def escape(text: str) -> str:
    """XVariant::encode's escaping of a list item's type and value."""
    return text.replace("&", "&amp;").replace('"', "&quot;")


def python_value(value: Any) -> Any:
    """What xtbatch should decode the value to."""
    match value:
        case list():
            return [python_value(v) for v in value]
        case StringList():
            return list(value.items)
        case BitArray():
            return list(value.bits)
        case bytes():
            return value.decode()
    return value
