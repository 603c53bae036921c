"""Which rows an action works on: the selector parameters the desktop client submits.

The client's parameter groups append ``<name>_id`` for one selected record or
``<name>_pattern`` for a regular expression (neither: all). Site (``warehous_id``), planner
code, class code and item selectors are decoded here once for every kind.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass
from typing import Any

from xtbatch.errors import ParameterInvalid
from xtbatch.parameters import id_list
from xtbatch.params import Params

_ID = "the id of one record (a whole number)"
_PATTERN = "a regular expression"


def _id(params: Params, name: str) -> int | None:
    value = params.typed(name, int, _ID)
    return None if value is None else int(value)


def _pattern(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParameterInvalid(f"Parameter '{name}' is empty: expected {_PATTERN}.")
    text = str(value)
    try:
        re.compile(text)
    except re.error as exc:
        raise ParameterInvalid(
            f"Parameter '{name}' is malformed: expected {_PATTERN}, got {text!r} ({exc})."
        ) from exc
    return text


@dataclass(frozen=True, kw_only=True)
class Selection:
    """The selectors of one job; None means "all"."""

    warehous_id: int | None = None
    plancode_id: int | None = None
    plancode_pattern: str | None = None
    classcode_id: int | None = None
    classcode_pattern: str | None = None
    item_id: int | None = None

    @classmethod
    def from_params(cls, params: Params) -> Selection:
        """Decode every selector present.

        Raises:
            ParameterInvalid: an id that is not a whole number, a pattern that is not a
                regular expression.
        """
        return cls(
            warehous_id=_id(params, "warehous_id"),
            plancode_id=_id(params, "plancode_id"),
            plancode_pattern=_pattern(params, "plancode_pattern"),
            classcode_id=_id(params, "classcode_id"),
            classcode_pattern=_pattern(params, "classcode_pattern"),
            item_id=_id(params, "item_id"),
        )

    def as_sql_params(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """The selection in words, for the log and the summary."""
        parts = [
            f"{label} {value}"
            for label, value in (
                ("site", self.warehous_id),
                ("planner code", self.plancode_id),
                ("planner codes matching", self.plancode_pattern),
                ("class code", self.classcode_id),
                ("class codes matching", self.classcode_pattern),
                ("item", self.item_id),
            )
            if value is not None
        ]
        return ", ".join(parts) if parts else "all"


def period_ids(params: Params, name: str = "period_id_list") -> list[int]:
    """The calendar periods the client lists as ``1,2,3`` (its periodString()).

    Raises:
        ParameterInvalid: missing, empty or not a list of period ids.
    """
    expected = "a list of accounting period ids such as 12,13,14"
    if name not in params:
        raise ParameterInvalid(f"Parameter '{name}' is missing: expected {expected}.")
    return id_list(name, params[name], expected)


@dataclass(frozen=True, kw_only=True)
class Lookahead:
    """Days of stock: item lead time plus a pad, or a fixed number of days."""

    leadtimepad: int | None
    fixedlookahead: int | None

    def describe(self) -> str:
        if self.leadtimepad is not None:
            return f"lead time + {self.leadtimepad} days"
        return f"{self.fixedlookahead} days"


def lookahead(params: Params) -> Lookahead:
    """``leadtimepad`` or ``fixedlookahead`` (exactly one), as the level screens submit.

    Raises:
        ParameterInvalid: neither or both given, or not a whole number of days.
    """
    expected = "a whole number of days"
    pad = params.typed("leadtimepad", int, expected)
    fixed = params.typed("fixedlookahead", int, expected)
    if (pad is None) == (fixed is None):
        raise ParameterInvalid(
            "Parameters 'leadtimepad' and 'fixedlookahead': expected exactly one of them "
            f"({expected}), got {'both' if pad is not None else 'neither'}."
        )
    return Lookahead(leadtimepad=pad, fixedlookahead=fixed)


def date_from_offset(params: Params, name: str, *, today: dt.date | None = None) -> dt.date:
    """Today plus the required whole number of days in parameter ``name``.

    The client stores offsets rather than dates so that a rescheduled or recurring job keeps
    its meaning ("until 30 days from the run").

    Raises:
        ParameterInvalid: missing or not a whole number.
    """
    days = params.required(name, int, "a whole number of days from the day the job runs")
    return (today or dt.date.today()) + dt.timedelta(days=int(days))
