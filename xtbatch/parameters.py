"""The parameters a job kind takes: name, type, whether required, default.

Each kind declares them once, in its policy (:mod:`xtbatch.kinds`). The worker checks a job's
decoded parameters against that declaration before the kind's code runs, and
``xtbatch submit`` checks the same declaration before it inserts anything, so a job that
would certainly fail for its parameters is refused at the prompt instead.

Parameters a kind does not declare are left alone: the desktop client may send more than a
kind reads, and RunReport's parameters are the report's own.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from xtbatch.errors import ParameterInvalid
from xtbatch.jobs import RawParam
from xtbatch.params import Params


class ParamType(enum.Enum):
    """What a decoded value must be; the value is what it is called in messages."""

    NUMBER = "a number"
    WHOLE = "a whole number"
    BOOL = "true or false"
    FLAG = "a flag (present means on)"
    TEXT = "text"
    ANY = "any value"
    DATE = "a date as YYYY-MM-DD"
    ID_LIST = "a list of ids such as 12,13,14"
    PATTERN = "a regular expression"


@dataclass(frozen=True, kw_only=True)
class Param:
    name: str
    type: ParamType
    required: bool = False
    default: Any = None
    # What the value means, for messages: "the sequence number of a G/L series".
    meaning: str = ""

    @property
    def expected(self) -> str:
        return f"{self.type.value} ({self.meaning})" if self.meaning else self.type.value


def id_list(name: str, value: Any, expected: str = ParamType.ID_LIST.value) -> list[int]:
    """A list of record ids as the client writes one (``1,2,3``, a list, or one id).

    Raises:
        ParameterInvalid: not a list of whole numbers, or empty.
    """
    items: list[Any]
    if isinstance(value, bool):
        items = []
    elif isinstance(value, int):
        items = [value]
    elif isinstance(value, list):
        items = value
    else:
        items = [part.strip() for part in str(value).strip("{}").split(",") if part.strip()]
    ids: list[int] = []
    for item in items:
        if isinstance(item, bool) or not re.fullmatch(r"\d+", str(item).strip()):
            raise ParameterInvalid(
                f"Parameter '{name}' is malformed: expected {expected}, got {value!r}."
            )
        ids.append(int(str(item).strip()))
    if not ids:
        raise ParameterInvalid(f"Parameter '{name}' is empty: expected {expected}.")
    return ids


def _fits(param: Param, value: Any) -> bool:
    """Whether a decoded value fits the declared type (raises for ID lists and patterns)."""
    kind = param.type
    if kind in (ParamType.FLAG, ParamType.ANY):
        return True
    if kind is ParamType.BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        if kind is ParamType.PATTERN:
            raise ParameterInvalid(f"Parameter '{param.name}' is empty: expected {param.expected}.")
        if kind is not ParamType.ID_LIST:
            return False
    if kind is ParamType.NUMBER:
        return isinstance(value, int | float)
    if kind is ParamType.WHOLE:
        return isinstance(value, int)
    if kind is ParamType.TEXT:
        return isinstance(value, str)
    if kind is ParamType.DATE:
        return isinstance(value, dt.date)
    if kind is ParamType.ID_LIST:
        id_list(param.name, value, param.expected)
        return True
    try:  # PATTERN
        re.compile(str(value))
    except re.error as exc:
        raise ParameterInvalid(
            f"Parameter '{param.name}' is malformed: expected {param.expected}, "
            f"got {str(value)!r} ({exc})."
        ) from exc
    return True


def check(declared: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values with each declared default filled in, once every declared parameter fits.

    Raises:
        ParameterInvalid: a required parameter is missing, or a value does not fit its type.
    """
    checked = dict(values)
    for param in declared:
        if param.name not in values:
            if param.required:
                raise ParameterInvalid(
                    f"Parameter '{param.name}' is missing: expected {param.expected}."
                )
            if param.default is not None:
                checked[param.name] = param.default
            continue
        value = values[param.name]
        if not _fits(param, value):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
            raise ParameterInvalid(
                f"Parameter '{param.name}' is malformed: expected {param.expected}, got {shown}."
            )
    return checked


def decoded(declared: tuple[Param, ...], raw: Iterable[RawParam]) -> Params:
    """A job's parameters decoded by their stored type, then checked against its kind's
    declaration, with defaults filled in.

    Raises:
        ParameterInvalid: a parameter that does not decode, is missing or does not fit.
    """
    return Params.of(check(declared, Params(raw)))


# The selectors the client's parameter groups add (tasks/kinds/selectors.py reads them).
SELECTORS = (
    Param(name="warehous_id", type=ParamType.WHOLE, meaning="the id of a site"),
    Param(name="plancode_id", type=ParamType.WHOLE, meaning="the id of a planner code"),
    Param(name="plancode_pattern", type=ParamType.PATTERN, meaning="planner codes"),
    Param(name="classcode_id", type=ParamType.WHOLE, meaning="the id of a class code"),
    Param(name="classcode_pattern", type=ParamType.PATTERN, meaning="class codes"),
    Param(name="item_id", type=ParamType.WHOLE, meaning="the id of an item"),
)
# The check boxes of the cost screens (tasks/kinds/costing.py reads them).
COST_FLAGS = tuple(
    Param(name=name, type=ParamType.FLAG)
    for name in (
        "Material",
        "LowerMaterial",
        "DirectLabor",
        "LowerDirectLabor",
        "Overhead",
        "LowerOverhead",
        "MachineOverhead",
        "LowerMachineOverhead",
        "User",
        "LowerUser",
        "RollUp",
    )
)
# Days of stock for the level screens: exactly one of the two (tasks/kinds/selectors.py
# checks that).
LOOKAHEAD = (
    Param(name="leadtimepad", type=ParamType.WHOLE, meaning="days added to the lead time"),
    Param(name="fixedlookahead", type=ParamType.WHOLE, meaning="days of stock"),
)


def offset(name: str, *, required: bool = True) -> Param:
    """A number of days from the day the job runs (the client stores offsets, not dates)."""
    return Param(
        name=name,
        type=ParamType.WHOLE,
        required=required,
        meaning="days from the day the job runs",
    )
