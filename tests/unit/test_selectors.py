"""The selector parameters of the job kinds (tasks/kinds/selectors.py): ids, patterns, periods,
lookahead and date offsets, as the desktop client submits them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tasks.kinds.selectors import Lookahead, Selection, date_from_offset, lookahead, period_ids
from xtbatch.errors import ParameterInvalid
from xtbatch.params import Params


def params(**values: Any) -> Params:
    return Params.of(values)


def test_no_selector_means_all() -> None:
    selection = Selection.from_params(params(unrelated=1))
    assert selection == Selection()
    assert selection.describe() == "all"
    assert set(selection.as_sql_params().values()) == {None}


def test_every_selector_is_decoded_and_described() -> None:
    selection = Selection.from_params(
        params(
            warehous_id=1,
            plancode_id=2,
            plancode_pattern="^M",
            classcode_id=3,
            classcode_pattern="A|B",
            item_id=4,
        )
    )
    assert selection.as_sql_params() == {
        "warehous_id": 1,
        "plancode_id": 2,
        "plancode_pattern": "^M",
        "classcode_id": 3,
        "classcode_pattern": "A|B",
        "item_id": 4,
    }
    assert selection.describe() == (
        "site 1, planner code 2, planner codes matching ^M, class code 3, "
        "class codes matching A|B, item 4"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"warehous_id": "one"}, "Parameter 'warehous_id' is malformed: expected the id of one"),
        ({"item_id": True}, "Parameter 'item_id' is malformed: expected the id of one record"),
        ({"plancode_pattern": True}, "Parameter 'plancode_pattern' is empty"),
        ({"classcode_pattern": "(unclosed"}, "expected a regular expression, got '(unclosed'"),
    ],
)
def test_a_bad_selector_names_the_parameter(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ParameterInvalid) as raised:
        Selection.from_params(params(**values))
    assert message in str(raised.value)


def test_a_pattern_that_is_a_number_is_kept_as_text() -> None:
    assert Selection.from_params(params(plancode_pattern=12)).plancode_pattern == "12"


@pytest.mark.parametrize(
    ("value", "ids"), [("1,2,3", [1, 2, 3]), ([4, 5], [4, 5]), (6, [6]), ("{7, 8}", [7, 8])]
)
def test_period_ids_accept_what_the_client_writes(value: Any, ids: list[int]) -> None:
    assert period_ids(params(period_id_list=value)) == ids


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "Parameter 'period_id_list' is missing"),
        ({"period_id_list": True}, "Parameter 'period_id_list' is empty"),
        ({"period_id_list": "1,x"}, "Parameter 'period_id_list' is malformed"),
    ],
)
def test_period_ids_refuse_missing_empty_and_malformed(
    values: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParameterInvalid, match=message):
        period_ids(params(**values))


def test_lookahead_takes_exactly_one_of_pad_and_fixed() -> None:
    assert lookahead(params(leadtimepad=3)) == Lookahead(leadtimepad=3, fixedlookahead=None)
    assert lookahead(params(leadtimepad=3)).describe() == "lead time + 3 days"
    assert lookahead(params(fixedlookahead=10)).describe() == "10 days"
    with pytest.raises(ParameterInvalid, match=r"exactly one of them .*, got both"):
        lookahead(params(leadtimepad=1, fixedlookahead=2))
    with pytest.raises(ParameterInvalid, match="got neither"):
        lookahead(params())
    with pytest.raises(ParameterInvalid, match="'fixedlookahead' is malformed"):
        lookahead(params(fixedlookahead="ten"))


def test_date_from_offset_counts_days_from_the_run() -> None:
    today = dt.date(2026, 2, 27)
    assert date_from_offset(params(days=2), "days", today=today) == dt.date(2026, 3, 1)
    assert date_from_offset(params(days=-27), "days", today=today) == dt.date(2026, 1, 31)
    with pytest.raises(ParameterInvalid, match="'days' is missing: expected a whole number"):
        date_from_offset(params(), "days", today=today)
