"""MetaSQL: every construct, error positions and injection attempts through parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from xtbatch.report.errors import (
    MetaSQLLiteralUnsafe,
    MetaSQLSyntaxError,
    ReportParameterMissing,
)
from xtbatch.report.metasql import render


def squash(sql: str) -> str:
    return " ".join(sql.split())


def test_value_binds_a_placeholder_not_the_value() -> None:
    sql, bound = render('SELECT * FROM cust WHERE id = <? value("id") ?>', {"id": 7})
    assert sql == "SELECT * FROM cust WHERE id = %(p1)s"
    assert bound == {"p1": 7}


def test_value_keeps_python_types_for_psycopg() -> None:
    day = dt.date(2024, 2, 29)
    _, bound = render('<? value("d") ?> <? value("f") ?> <? value("b") ?>', {
        "d": day, "f": 1.5, "b": True,
    })  # fmt: skip
    assert bound == {"p1": day, "p2": 1.5, "p3": True}


def test_value_twice_binds_twice() -> None:
    sql, bound = render('<? value("a") ?> = <? value("a") ?>', {"a": "x"})
    assert sql == "%(p1)s = %(p2)s"
    assert bound == {"p1": "x", "p2": "x"}


def test_value_of_missing_parameter_raises_with_its_name_and_position() -> None:
    with pytest.raises(ReportParameterMissing, match=r"'invchead_id'.*line 2, column 7"):
        render('SELECT 1\nWHERE <? value("invchead_id") ?>', {})


def test_value_of_list_outside_foreach_is_its_first_item() -> None:
    _, bound = render('<? value("l") ?>', {"l": [4, 5]})
    assert bound == {"p1": 4}


def test_injection_through_value_stays_bound() -> None:
    evil = "'; DROP TABLE canary; --"
    sql, bound = render('SELECT * FROM t WHERE name = <? value("n") ?>', {"n": evil})
    assert "DROP" not in sql
    assert bound == {"p1": evil}


def test_percent_in_sql_text_is_escaped_for_psycopg() -> None:
    sql, _ = render("SELECT 'a%' LIKE x, 5 % 2", {})
    assert sql == "SELECT 'a%%' LIKE x, 5 %% 2"


def test_percent_in_a_value_is_not_escaped() -> None:
    _, bound = render('<? value("p") ?>', {"p": "50%"})
    assert bound == {"p1": "50%"}


def test_literal_pastes_an_identifier() -> None:
    sql, bound = render('ORDER BY <? literal("orderby") ?>', {"orderby": "cust.cust_name"})
    assert sql == "ORDER BY cust.cust_name"
    assert bound == {}


@pytest.mark.parametrize(
    ("value", "text"), [(3, "3"), (-2.5, "-2.5"), (True, "true"), ("12", "12")]
)
def test_literal_pastes_numbers_and_booleans(value: object, text: str) -> None:
    assert render('<? literal("x") ?>', {"x": value})[0] == text


@pytest.mark.parametrize(
    "evil",
    ["'; DROP TABLE canary; --", "x UNION SELECT usr_passwd FROM usr", "1=1", "a--", "a;b", ""],
)
def test_literal_refuses_anything_but_plain_names(evil: str) -> None:
    with pytest.raises(MetaSQLLiteralUnsafe, match="literal"):
        render('SELECT <? literal("x") ?>', {"x": evil})


def test_if_exists_takes_the_branch_when_the_parameter_is_given() -> None:
    text = '<? if exists("a") ?>A<? endif ?>'
    assert render(text, {"a": True})[0] == "A"
    assert render(text, {})[0] == ""


def test_if_not_exists() -> None:
    text = '<? if not exists("a") ?>none<? endif ?>'
    assert render(text, {})[0] == "none"
    assert render(text, {"a": 1})[0] == ""


@pytest.mark.parametrize(
    ("params", "expected"), [({"a": 1}, "A"), ({"b": 1}, "B"), ({"c": 1}, "C"), ({}, "D")]
)
def test_elseif_chain_takes_the_first_true_branch(params: dict[str, object], expected: str) -> None:
    text = (
        '<? if exists("a") ?>A<? elseif exists("b") ?>B<? elseif not exists("d") ?>'
        '<? if exists("c") ?>C<? else ?>D<? endif ?><? endif ?>'
    )
    assert render(text, params)[0] == expected


def test_reexists_searches_parameter_names() -> None:
    text = '<? if reExists("^cust") ?>yes<? else ?>no<? endif ?>'
    assert render(text, {"cust_id": 1})[0] == "yes"
    assert render(text, {"vend_id": 1})[0] == "no"


def test_if_value_is_true_for_true_flags() -> None:
    text = '<? if value("flag") ?>on<? else ?>off<? endif ?>'
    assert render(text, {"flag": True})[0] == "on"
    assert render(text, {"flag": False})[0] == "off"
    assert render(text, {})[0] == "off"


def test_tag_names_are_case_insensitive() -> None:
    assert render('<? IF EXISTS("a") ?>x<? ENDIF ?>', {"a": 1})[0] == "x"


def test_foreach_binds_each_item_with_isfirst_and_islast() -> None:
    text = (
        'IN (<? foreach("ids") ?><? if not isfirst("ids") ?>, <? endif ?>'
        '<? value("ids") ?><? if islast("ids") ?>)<? endif ?><? endforeach ?>'
    )
    sql, bound = render(text, {"ids": [10, 20, 30]})
    assert sql == "IN (%(p1)s, %(p2)s, %(p3)s)"
    assert bound == {"p1": 10, "p2": 20, "p3": 30}


def test_foreach_over_missing_or_empty_list_renders_nothing() -> None:
    text = '<? foreach("ids") ?>x<? endforeach ?>'
    assert render(text, {})[0] == ""
    assert render(text, {"ids": []})[0] == ""


def test_injection_through_list_items_stays_bound() -> None:
    evil = ["1); DROP TABLE canary; --", "2"]
    sql, bound = render('<? foreach("l") ?><? value("l") ?>,<? endforeach ?>', {"l": evil})
    assert "DROP" not in sql
    assert list(bound.values()) == evil


def test_break_leaves_the_loop_keeping_earlier_output() -> None:
    sql, bound = render(
        '<? foreach("l") ?>[<? value("l") ?><? break ?>]<? endforeach ?>', {"l": [1, 2]}
    )
    assert sql == "[%(p1)s"
    assert bound == {"p1": 1}


def test_continue_skips_the_rest_of_the_iteration() -> None:
    text = '<? foreach("l") ?>a<? continue ?>b<? endforeach ?>'
    assert render(text, {"l": [1, 2]})[0] == "aa"


def test_break_with_a_count_leaves_two_loops() -> None:
    text = '<? foreach("o") ?>O<? foreach("i") ?>i<? break(2) ?><? endforeach ?>o<? endforeach ?>E'
    assert render(text, {"o": [1, 2], "i": [1, 2]})[0] == "OiE"


def test_continue_with_a_count_continues_the_outer_loop() -> None:
    text = (
        '<? foreach("o") ?>O<? foreach("i") ?>i<? continue(2) ?><? endforeach ?>o<? endforeach ?>'
    )
    assert render(text, {"o": [1, 2], "i": [1, 2]})[0] == "OiOi"


def test_nested_foreach_over_two_lists() -> None:
    text = (
        '<? foreach("a") ?><? foreach("b") ?>(<? value("a") ?>,<? value("b") ?>)'
        "<? endforeach ?><? endforeach ?>"
    )
    _, bound = render(text, {"a": ["x", "y"], "b": [1, 2]})
    assert list(bound.values()) == ["x", 1, "x", 2, "y", 1, "y", 2]


def test_tags_inside_quoted_strings_are_not_evaluated() -> None:
    sql, bound = render('SELECT \'<? value("a") ?>\', "<? x ?>"', {})
    assert sql == 'SELECT \'<? value("a") ?>\', "<? x ?>"'
    assert bound == {}


def test_comments_are_dropped_with_their_tags() -> None:
    sql, bound = render('SELECT 1 -- <? value("a") ?>\n/* <? nonsense ?> */ + 2', {})
    assert squash(sql) == "SELECT 1 + 2"
    assert bound == {}


def test_single_quoted_tag_arguments_and_escapes() -> None:
    _, bound = render("<? value('it\\'s') ?>", {"it's": 1})
    assert bound == {"p1": 1}


def test_standalone_exists_prints_true_or_false() -> None:
    assert render('<? exists("a") ?>', {"a": 1})[0] == "true"


def assert_syntax_error(text: str, line: int, column: int, what: str) -> None:
    """Rendering ``text`` fails saying ``what``, at ``line`` and ``column``."""
    with pytest.raises(MetaSQLSyntaxError, match=what) as info:
        render(text, {"a": [1]})
    assert (info.value.line, info.value.column) == (line, column)
    assert f"line {line}, column {column}" in str(info.value)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ('<? frobnicate("a") ?>', "unknown tag"),
        ('<? if exists("a") ?>', "never closed"),
        ("<? else ?>", "else outside if"),
        ("<? break ?>", "outside foreach"),
        ("<? value() ?>", "needs a parameter name"),
        ('<? value("a" ?>', "unterminated"),
        ('<? if frob("a") ?>x<? endif ?>', "if needs"),
        ('<? if reExists("(") ?>x<? endif ?>', "not valid"),
        ("<? foreach ?><? endforeach ?>", "list name"),
    ],
)
def test_syntax_errors_in_the_first_tag_say_what_and_where(text: str, what: str) -> None:
    assert_syntax_error(text, 1, 1, what)


@pytest.mark.parametrize(
    ("text", "line", "column", "what"),
    [
        ('SELECT\n  <? value("a")', 2, 3, "closing"),
        ("x <? endif ?>", 1, 3, "endif without"),
        ('<? foreach("a") ?><? endif ?>', 1, 19, "endif without"),
        ('<? if exists("a") ?><? else ?><? else ?><? endif ?>', 1, 31, "after else"),
    ],
)
def test_syntax_errors_further_on_say_what_and_where(
    text: str, line: int, column: int, what: str
) -> None:
    assert_syntax_error(text, line, column, what)
