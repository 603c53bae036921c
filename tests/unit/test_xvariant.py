"""The client's parameter encoding (XVariant) decoded: every type XVariant::encode writes,
both ways, through an encoder that mirrors OpenRPT's common/xvariant.cpp, and literal
strings as the client stores them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.xvariant_encoder import BitArray, StringList, encode, python_value, type_name
from xtbatch.errors import ParameterInvalid
from xtbatch.jobs import RawParam
from xtbatch.params import decode


def raw(name: str, value: str, qt_type: str | None) -> RawParam:
    return RawParam(order=1, name=name, value=value, type=qt_type)


def round_trip(value: Any) -> Any:
    name, decoded = decode(RawParam(order=1, name="p", value=encode(value), type=type_name(value)))
    assert name == "p"
    return decoded


SCALARS = [
    ("QString", "Spring & Summer, \"new\" 'range'", "Spring & Summer, \"new\" 'range'"),
    ("int", -42, -42),
    ("bool", True, True),
    ("bool", False, False),
    ("double", 1.5, 1.5),
    ("double", 1e20, 1e20),
    ("QDate", dt.date(2024, 2, 29), dt.date(2024, 2, 29)),
    ("QTime", dt.time(23, 59, 58, 123000), dt.time(23, 59, 58, 123000)),
    ("QDateTime", dt.datetime(2024, 5, 1, 10, 30), dt.datetime(2024, 5, 1, 10, 30)),
    ("QByteArray", b"raw,bytes", "raw,bytes"),
]


@pytest.mark.parametrize(("qt_type", "value", "expected"), SCALARS, ids=[s[0] for s in SCALARS])
def test_every_scalar_type_round_trips(qt_type: str, value: Any, expected: Any) -> None:
    assert type_name(value) == qt_type
    assert round_trip(value) == expected


def test_a_list_of_ids_as_the_time_phased_screens_send_it() -> None:
    assert encode([3, 4]) == '"int":"3","int":"4"'
    assert decode(raw("period_id_list", '"int":"3","int":"4"', "QVariantList")) == (
        "period_id_list",
        [3, 4],
    )


def test_a_string_list_keeps_commas_quotes_and_ampersands_inside_items() -> None:
    stored = '"Smith &amp; Sons, Ltd","say &quot;hi&quot;","&amp;quot;"'
    assert encode(StringList(("Smith & Sons, Ltd", 'say "hi"', "&quot;"))) == stored
    assert decode(raw("names", stored, "QStringList"))[1] == [
        "Smith & Sons, Ltd",
        'say "hi"',
        "&quot;",
    ]


def test_a_list_of_mixed_items_decodes_each_by_its_type() -> None:
    value = [
        1,
        "two, three",
        True,
        2.5,
        dt.date(2024, 1, 31),
        dt.datetime(2024, 1, 31, 8, 0),
        dt.time(8, 15),
    ]
    assert round_trip(value) == value


def test_nested_lists_and_string_lists_round_trip() -> None:
    value = [[1, [2, "x,y"]], StringList(("a", 'b"c', "d,e")), [], "&amp;"]
    assert round_trip(value) == python_value(value)


def test_bit_arrays_round_trip() -> None:
    value = BitArray((True, False, True, True))
    assert encode(value) == "1011"
    assert round_trip(value) == [True, False, True, True]


@pytest.mark.parametrize("qt_type", ["QVariantList", "QStringList", "QBitArray"])
def test_an_empty_list_is_an_empty_list_not_a_flag(qt_type: str) -> None:
    assert decode(raw("p", "", qt_type))[1] == []


def test_a_map_is_encoded_empty_and_decodes_empty() -> None:
    assert encode({"a": 1}) == ""
    assert decode(raw("p", "", "QVariantMap"))[1] == {}


def test_an_untyped_encoded_list_is_recognised() -> None:
    assert decode(raw("p", '"int":"7","QString":"a"', None))[1] == [7, "a"]


def test_an_unknown_item_type_stays_text_as_xvariant_leaves_it() -> None:
    assert decode(raw("p", '"QColor":"#ff0000","int":"1"', "QVariantList"))[1] == [
        "#ff0000",
        1,
    ]


def test_older_list_forms_still_decode() -> None:
    assert decode(raw("p", "3,4", "QVariantList"))[1] == [3, 4]
    assert decode(raw("p", "{3,4}", "QVariantList"))[1] == [3, 4]
    assert decode(raw("p", "[3, 4]", "QVariantList"))[1] == [3, 4]
    assert decode(raw("p", "a,b", "QStringList"))[1] == ["a", "b"]


def test_qt_spellings_of_infinity_and_nan_are_numbers() -> None:
    assert decode(raw("p", "inf", "double"))[1] == float("inf")
    assert decode(raw("p", "-inf", "double"))[1] == float("-inf")


@pytest.mark.parametrize(
    ("stored", "qt_type", "says"),
    [
        ('"int":"3","int":"April"', "QVariantList", "a whole number"),
        ('"int":"3",4', "QVariantList", '"type":"value"'),
        ("1021", "QBitArray", "bits written as 0 and 1"),
        ('"QDate":"2024-02-30"', "QVariantList", "a date"),
    ],
)
def test_a_malformed_list_names_the_parameter_and_what_was_expected(
    stored: str, qt_type: str, says: str
) -> None:
    with pytest.raises(ParameterInvalid) as info:
        decode(raw("period_id_list", stored, qt_type))
    assert "'period_id_list' is malformed" in info.value.message
    assert says in info.value.message


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
scalars = st.one_of(
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.booleans(),
    st.floats(allow_nan=False),
    texts,
    st.dates(min_value=dt.date(1000, 1, 1)),
    st.builds(StringList, st.lists(texts, max_size=4).map(tuple)),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=12)


@given(st.lists(values, max_size=5))
def test_any_list_the_client_can_encode_decodes_to_itself(value: list[Any]) -> None:
    assert round_trip(value) == python_value(value)
