"""The desktop client's parameter encoding, ``XVariant::encode`` (OpenRPT's common/xvariant.cpp,
which xTuple's client links): what submitReport stores in ``batchparam_value``.

- A scalar is its ``QVariant::toString()``: ``3``, ``true``, ``2024-05-01``, ``Text``.
- A QVariantList is ``"<type>":"<encoded item>"`` per item, joined by commas, e.g.
  ``"int":"3","int":"4"``; an item may itself be a list, encoded the same way.
- A QStringList is ``"<item>"`` per item, joined by commas.
- Inside the quotes ``&`` is written ``&amp;`` and ``"`` is written ``&quot;``, so a comma
  inside quotes belongs to the item.
- A QBitArray is one ``0`` or ``1`` per bit; a QVariantMap is encoded as empty.

Decoding follows ``XVariant::decode``: split at the commas outside quotes, trim each part,
take the type before the first colon, unescape what was quoted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_QUOTE = '"'
_ENCODED_LIST = re.compile(r'\s*"[A-Za-z_][\w<>:]*"\s*:')


def escape(text: str) -> str:
    """``encodeString``: ``&`` and ``"`` as entities."""
    return text.replace("&", "&amp;").replace('"', "&quot;")


def unescape(text: str) -> str:
    """``decodeString``: the entities back (``&quot;`` first, as xvariant.cpp does)."""
    return text.replace("&quot;", '"').replace("&amp;", "&")


def split(text: str) -> list[str]:
    """``decomposeList``: the parts between commas that are outside quotes, trimmed."""
    parts: list[str] = []
    in_string = False
    start = 0
    for pos, char in enumerate(text):
        if char == _QUOTE:
            in_string = not in_string
        elif char == "," and not in_string:
            parts.append(text[start:pos].strip())
            start = pos + 1
    if start < len(text):
        parts.append(text[start:].strip())
    return parts


def _unquote(part: str) -> str:
    if len(part) >= 2 and part[0] == _QUOTE and part[-1] == _QUOTE:
        return unescape(part[1:-1])
    return part


def looks_like_list(text: str) -> bool:
    """Whether a value reads as an encoded QVariantList (``"type":…`` first)."""
    return bool(_ENCODED_LIST.match(text))


def decode_string_list(text: str) -> list[str]:
    """``stringToStringList``."""
    return [_unquote(part) for part in split(text)]


def decode_list(text: str, decode_item: Callable[[str, str], Any]) -> list[Any]:
    """``stringToList``: each ``"type":"value"`` item decoded by ``decode_item(type, value)``.

    Raises:
        ValueError: an item has no ``type:`` part.
    """
    items: list[Any] = []
    for part in split(text):
        type_part, colon, value_part = part.partition(":")
        if not colon:
            raise ValueError('a list of "type":"value" items')
        items.append(decode_item(_unquote(type_part.strip()), _unquote(value_part.strip())))
    return items


def decode_bit_array(text: str) -> list[bool]:
    """``stringToBitArray``: one bit per character.

    Raises:
        ValueError: a character other than 0 or 1.
    """
    if set(text) - {"0", "1"}:
        raise ValueError("bits written as 0 and 1")
    return [char == "1" for char in text]
