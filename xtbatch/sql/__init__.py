"""SQL lives in the .sql files beside this module, as named blocks, loaded by name.

A block starts with ``-- name: <name>`` and a one-line ``-- description``; it runs until the
next ``-- name:`` line. Migrations are the numbered files in ``migrations/``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class Migration:
    version: int
    name: str
    sql: str


@functools.cache
def _blocks() -> dict[str, str]:
    blocks: dict[str, str] = {}
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        text = entry.read_text(encoding="utf-8")
        parts = _NAME.split(text)
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in blocks:
                raise RuntimeError(f"SQL block {name!r} is defined twice")
            blocks[name] = body.strip()
    return blocks


def query(name: str) -> str:
    """The SQL of the named block.

    Raises:
        KeyError: no block has that name.
    """
    try:
        return _blocks()[name]
    except KeyError as exc:
        raise KeyError(f"no SQL block named {name!r}") from exc


@functools.cache
def migrations() -> tuple[Migration, ...]:
    """Every migration, oldest first."""
    found = []
    for entry in resources.files(__name__).joinpath("migrations").iterdir():
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", entry.name)
        if match:
            found.append(
                Migration(
                    version=int(match[1]),
                    name=match[2],
                    sql=entry.read_text(encoding="utf-8"),
                )
            )
    return tuple(sorted(found, key=lambda m: m.version))
