"""Times typed on the command line: ISO dates and times, 'now', or an offset like +30m / -2h.

Batch times are the database's local time (``timestamp without time zone``): a time typed
without a zone is taken as the database's local time; an offset is counted from now.
"""

from __future__ import annotations

import datetime as dt
import re

from xtbatch.errors import ConfigurationError

_OFFSET = re.compile(r"([+-]?)\s*(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
FORMATS = "YYYY-MM-DD[ HH:MM[:SS]], 'now', or an offset such as +30m, +2h, -1d"
SINCE_FORMATS = "YYYY-MM-DD[ HH:MM[:SS]] or how long ago, such as 30m, 2h, 1d"


def parse_time(text: str, flag: str, *, past: bool = False) -> dt.datetime | None:
    """The time ``text`` names; None for 'now' (the database's own clock decides).

    An offset without a sign counts forward, or back when ``past`` (--since 2h).

    Raises:
        ConfigurationError: not a time; the message names the flag and the formats.
    """
    stripped = text.strip().lower()
    if stripped == "now":
        return None
    match = _OFFSET.fullmatch(stripped)
    if match:
        sign, amount, unit = match.groups()
        delta = dt.timedelta(**{_UNITS[unit]: int(amount)})
        now = dt.datetime.now(dt.UTC)
        forward = sign == "+" or (sign == "" and not past)
        return now + delta if forward else now - delta
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        formats = SINCE_FORMATS if past else FORMATS
        raise ConfigurationError(f"{flag} '{text}' is not a time: use {formats}.") from exc


def text(value: object) -> str:
    """A database value for a human: times to the second, None as empty."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def short_time(value: object) -> str:
    """A time without year and seconds, for narrow terminals."""
    if isinstance(value, dt.datetime):
        return value.strftime("%m-%d %H:%M")
    return text(value)


def duration(seconds: float | None) -> str:
    """Seconds as 1.2 s, 3 min 4 s or 2 h 5 min."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
