"""Decoding batchparam rows (xtbatch/params.py): each declared Qt type, flags, inferred
types, and the messages a malformed value gets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from xtbatch.errors import ParameterInvalid
from xtbatch.jobs import RawParam
from xtbatch.params import Params, decode


def raw(name: str | None, value: str | None, type_: str | None = None, order: int = 1) -> RawParam:
    return RawParam(order=order, name=name, value=value, type=type_)


@pytest.mark.parametrize(
    ("type_", "value", "expected"),
    [
        ("QString", " text ", " text "),
        ("int", "-42", -42),
        ("qlonglong", "+7", 7),
        ("double", "2.5e3", 2500.0),
        ("double", "inf", float("inf")),
        ("bool", "Yes", True),
        ("bool", "off", False),
        ("QDate", "2026-03-05", dt.date(2026, 3, 5)),
        ("QDate", "2026-03-05T10:00:00", dt.date(2026, 3, 5)),
        ("QDateTime", "2026-03-05 10:30", dt.datetime(2026, 3, 5, 10, 30)),
        ("QTime", "07:05:09", dt.time(7, 5, 9)),
        ("QStringList", '"a,b","c"', ["a,b", "c"]),
        ("QStringList", "a, b", ["a", "b"]),
        ("QVariantList", '"int":"3","int":"4"', [3, 4]),
        ("QVariantList", "[1, 2]", [1, 2]),
        ("QVariantList", "{5,6}", [5, 6]),
        ("QBitArray", "101", [True, False, True]),
        ("QVariantMap", "anything", {}),
    ],
)
def test_a_declared_type_decodes_its_value(type_: str, value: str, expected: Any) -> None:
    assert decode(raw("p", value, type_)) == ("p", expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("1.5", 1.5),
        ("TRUE", True),
        ("2026-01-31", dt.date(2026, 1, 31)),
        ("2026-01-31 08:00", dt.datetime(2026, 1, 31, 8, 0)),
        ("2026-02-30", "2026-02-30"),  # looks like a date but is none: the text stays
        ('"int":"1","int":"2"', [1, 2]),
        ("plain words", "plain words"),
    ],
)
def test_an_untyped_value_is_inferred_from_its_text(value: str, expected: Any) -> None:
    assert decode(raw("p", value, None)) == ("p", expected)


@pytest.mark.parametrize("value", [None, ""])
def test_an_empty_value_is_a_flag_or_an_empty_container(value: str | None) -> None:
    assert decode(raw("flag", value, "bool")) == ("flag", True)
    assert decode(raw("flag", value, None)) == ("flag", True)
    assert decode(raw("ids", value, "QVariantList")) == ("ids", [])
    assert decode(raw("map", value, "QVariantMap")) == ("map", {})


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            raw("p", "12.5", "int"),
            "Parameter 'p' is malformed: expected a whole number (int), got '12.5'.",
        ),
        (
            raw("p", "1,5", "double"),
            "Parameter 'p' is malformed: expected a number (double), got '1,5'.",
        ),
        (raw("p", "maybe", "bool"), "expected true or false (bool), got 'maybe'."),
        (raw("p", "05/03/2026", "QDate"), "expected a date as YYYY-MM-DD (QDate)"),
        (raw("p", "today", "QDateTime"), "expected a date and time as YYYY-MM-DD HH:MM[:SS]"),
        (raw("p", "7pm", "QTime"), "expected a time as HH:MM[:SS] (QTime)"),
        (raw("p", "[1, 2", "QVariantList"), "expected a list such as [1,2,3] or 1,2,3"),
        (raw("p", '"int":"x"', "QVariantList"), "expected a whole number (QVariantList)"),
        (raw("p", "10x1", "QBitArray"), "expected bits written as 0 and 1 (QBitArray)"),
        (raw("p", "9" * 50 + "x", "int"), "got '" + "9" * 40 + "…'"),
    ],
)
def test_a_value_that_does_not_fit_names_the_parameter_and_the_form(
    param: RawParam, message: str
) -> None:
    with pytest.raises(ParameterInvalid) as raised:
        decode(param)
    assert message in str(raised.value)


def test_a_parameter_without_a_name_is_refused_by_its_position() -> None:
    with pytest.raises(ParameterInvalid, match=r"Parameter #3 has no name"):
        decode(raw("  ", "1", "int", order=3))


def test_an_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(ParameterInvalid, match=r"a type xtbatch does not know: 'QColor'"):
        decode(raw("p", "red", "QColor"))


def test_a_value_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(ParameterInvalid, match=r"too long \(100001 characters; at most 100000\)"):
        decode(raw("p", "x" * 100_001, "QString"))


def test_params_keep_submission_order_and_a_later_duplicate_wins() -> None:
    params = Params([raw("b", "1", "int"), raw("a", "2", "int"), raw("b", "3", "int", order=3)])
    assert list(params) == ["b", "a"]
    assert params["b"] == 3
    assert len(params) == 2


def test_flag_required_and_typed() -> None:
    params = Params.of({"on": True, "off": False, "n": 4, "yes": True, "text": "4"})
    assert params.flag("on") and not params.flag("off") and not params.flag("absent")
    assert params.required("n", int, "a number") == 4
    assert params.typed("n", float, "a number") == 4.0
    assert params.typed("absent", int, "a number") is None
    with pytest.raises(ParameterInvalid, match=r"Parameter 'absent' is missing: expected a n"):
        params.required("absent", int, "a number")
    with pytest.raises(ParameterInvalid, match=r"Parameter 'yes' is malformed: expected a n"):
        params.typed("yes", int, "a number")  # a flag is not the number 1
    with pytest.raises(ParameterInvalid, match=r"expected a number, got '4'"):
        params.typed("text", int, "a number")
