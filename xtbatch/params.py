"""Decode ``xtbatch.batchparam`` values by their declared type (the desktop client's Qt type
name), shared by every job kind and by RunReport.

Values are as the client stores them: submitAction writes ``QVariant::toString()``,
submitReport ``XVariant::encode()`` (lists as ``"int":"3","int":"4"``; see
:mod:`xtbatch.xvariant`). A parameter whose value is empty or NULL is a flag: present means
true, except for list and map types, where it is the empty list or map. A NULL type (old
rows) is inferred from the text. A value that does not fit its declared type raises
:class:`ParameterInvalid` naming the parameter and what was expected.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from xtbatch import xvariant
from xtbatch.errors import ParameterInvalid
from xtbatch.jobs import RawParam

_TRUE = {"true", "t", "1", "yes", "y", "on"}
_FALSE = {"false", "f", "0", "no", "n", "off"}
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_LIMIT = 100_000  # longest value we decode, in characters
_NOT_FINITE = {"inf", "-inf", "+inf", "nan"}  # how Qt writes them


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("true or false")


def _int(text: str) -> int:
    if not _INT.fullmatch(text.strip()):
        raise ValueError("a whole number")
    return int(text)


def _float(text: str) -> float:
    stripped = text.strip()
    if not _FLOAT.fullmatch(stripped) and stripped.lower() not in _NOT_FINITE:
        raise ValueError("a number")
    return float(stripped)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise ValueError("a date as YYYY-MM-DD") from exc


def _datetime(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError("a date and time as YYYY-MM-DD HH:MM[:SS]") from exc


def _time(text: str) -> dt.time:
    try:
        return dt.time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError("a time as HH:MM[:SS]") from exc


def _list(text: str) -> list[Any]:
    """A list: XVariant's ``"type":"value",…`` (what the client stores), else JSON, a
    PostgreSQL array literal or plain commas (what people type)."""
    stripped = text.strip()
    if xvariant.looks_like_list(stripped):
        return xvariant.decode_list(stripped, _item)
    if stripped.startswith("["):
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ValueError("a list such as [1,2,3] or 1,2,3") from exc
        if not isinstance(items, list):
            raise ValueError("a list such as [1,2,3] or 1,2,3")
        return items
    if stripped.startswith("{") and stripped.endswith("}"):
        stripped = stripped[1:-1]
    return [_infer(part.strip().strip('"')) for part in stripped.split(",") if part.strip()]


def _string_list(text: str) -> list[str]:
    """A QStringList: XVariant's ``"item",…`` (commas inside quotes stay), else plain commas."""
    if text.strip().startswith('"'):
        return xvariant.decode_string_list(text.strip())
    return [str(item) for item in _list(text)]


def _item(type_name: str, text: str) -> Any:
    """One item of an encoded list, as ``XVariant::decode`` reads it: by its type name; an
    empty or unknown type name leaves the text as it is."""
    decoder = DECODERS.get(type_name.strip().lower())
    if decoder is None:
        return text
    if not text and type_name.strip().lower() in _CONTAINERS:
        return _CONTAINERS[type_name.strip().lower()]()
    return decoder(text)


def _infer(text: str) -> Any:
    stripped = text.strip()
    if xvariant.looks_like_list(stripped):
        try:
            return xvariant.decode_list(stripped, _item)
        except ValueError:
            return text
    if _INT.fullmatch(stripped):
        return int(stripped)
    if _FLOAT.fullmatch(stripped):
        return float(stripped)
    if stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    if _DATE.fullmatch(stripped):
        try:
            return dt.date.fromisoformat(stripped)
        except ValueError:
            return text
    if _DATETIME.fullmatch(stripped):
        try:
            return dt.datetime.fromisoformat(stripped)
        except ValueError:
            return text
    return text


DECODERS: dict[str, Callable[[str], Any]] = {
    "qstring": str,
    "string": str,
    "text": str,
    "int": _int,
    "uint": _int,
    "qlonglong": _int,
    "qulonglong": _int,
    "longlong": _int,
    "integer": _int,
    "double": _float,
    "float": _float,
    "numeric": _float,
    "bool": _bool,
    "boolean": _bool,
    "qdate": _date,
    "date": _date,
    "qdatetime": _datetime,
    "datetime": _datetime,
    "timestamp": _datetime,
    "qtime": _time,
    "time": _time,
    "qbytearray": str,
    "qchar": str,
    "long": _int,
    "ulong": _int,
    "short": _int,
    "ushort": _int,
    "qstringlist": _string_list,
    "qvariantlist": _list,
    "qlist<qvariant>": _list,
    "list": _list,
    "qbitarray": xvariant.decode_bit_array,
    "qvariantmap": lambda t: {},  # XVariant::encode writes a map as empty
}
# Types whose empty value is an empty container, not a flag.
_CONTAINERS: dict[str, Callable[[], Any]] = {
    "qstringlist": list,
    "qvariantlist": list,
    "qlist<qvariant>": list,
    "list": list,
    "qbitarray": list,
    "qvariantmap": dict,
}


def decode(param: RawParam) -> tuple[str, Any]:
    """(name, Python value) of one batchparam row.

    Raises:
        ParameterInvalid: no name, or a value that does not fit its declared type.
    """
    name = (param.name or "").strip()
    if not name:
        raise ParameterInvalid(
            f"Parameter #{param.order} has no name.\n"
            "Every batchparam row needs batchparam_name; re-submit the job."
        )
    declared = (param.type or "").strip()
    if param.value is None or param.value == "":
        empty = _CONTAINERS.get(declared.lower())
        return name, True if empty is None else empty()
    if len(param.value) > _LIMIT:
        raise ParameterInvalid(
            f"Parameter '{name}' is too long ({len(param.value)} characters; at most {_LIMIT})."
        )
    if not declared:
        return name, _infer(param.value)
    decoder = DECODERS.get(declared.lower())
    if decoder is None:
        raise ParameterInvalid(
            f"Parameter '{name}' has a type xtbatch does not know: '{declared}'.\n"
            "Known types: QString, int, double, bool, QDate, QTime, QDateTime, QStringList, "
            "QVariantList and the other types the desktop client writes."
        )
    try:
        return name, decoder(param.value)
    except (ValueError, OverflowError) as exc:
        shown = param.value if len(param.value) <= 40 else param.value[:40] + "…"
        raise ParameterInvalid(
            f"Parameter '{name}' is malformed: expected {exc} ({declared}), got {shown!r}."
        ) from exc


class Params(Mapping[str, Any]):
    """A job's decoded parameters, in submission order. Later duplicates win."""

    def __init__(self, raw: Iterable[RawParam]) -> None:
        self._values: dict[str, Any] = {}
        for param in raw:
            name, value = decode(param)
            self._values[name] = value

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> Params:
        """Parameters already decoded (name → value)."""
        made = cls(())
        made._values = dict(values)
        return made

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def flag(self, name: str) -> bool:
        """A flag parameter: present (and not false) means on."""
        return name in self._values and self._values[name] is not False

    def required(self, name: str, kind: type | tuple[type, ...], expected: str) -> Any:
        """A parameter that must be present and of a type.

        Raises:
            ParameterInvalid: missing, or of another type.
        """
        if name not in self._values:
            raise ParameterInvalid(f"Parameter '{name}' is missing: expected {expected}.")
        return self.typed(name, kind, expected)

    def typed(self, name: str, kind: type | tuple[type, ...], expected: str) -> Any:
        """An optional parameter of a type (None when absent).

        Raises:
            ParameterInvalid: present but of another type.
        """
        value = self._values.get(name)
        if value is None:
            return None
        if kind in (int, float) and isinstance(value, bool):
            raise ParameterInvalid(f"Parameter '{name}' is malformed: expected {expected}.")
        if kind is float and isinstance(value, int):
            return float(value)
        if not isinstance(value, kind):
            raise ParameterInvalid(
                f"Parameter '{name}' is malformed: expected {expected}, got {value!r}."
            )
        return value

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)


def decode_all(raw: Iterable[RawParam]) -> Mapping[str, Any]:
    """Decode every parameter.

    Raises:
        ParameterInvalid: the first parameter that does not decode.
    """
    return Params(raw)
