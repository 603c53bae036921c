"""render_report against a real PostgreSQL: loading by grade, MetaSQL, errors, injection."""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import psycopg
import pypdf
import pytest

from xtbatch.report import render_report
from xtbatch.report.errors import (
    MetaSQLLiteralUnsafe,
    MetaSQLNotFound,
    MetaSQLSyntaxError,
    ReportDefinitionInvalid,
    ReportElementUnsupported,
    ReportNotFound,
    ReportParameterMissing,
    ReportQueryFailed,
)

FIXTURES = Path(__file__).parents[2] / "unit" / "report" / "fixtures"
Conn = psycopg.Connection[tuple[object, ...]]


def pages_of(pdf: bytes) -> list[list[str]]:
    return [p.extract_text().splitlines() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def add_report(conn: Conn, name: str, source: str, grade: int = 0) -> None:
    conn.execute(
        "INSERT INTO report (report_name, report_source, report_grade) VALUES (%s, %s, %s)",
        (name, source, grade),
    )


def add_metasql(conn: Conn, group: str, name: str, query: str, grade: int = 0) -> None:
    conn.execute(
        "INSERT INTO metasql (metasql_group, metasql_name, metasql_query, metasql_grade)"
        " VALUES (%s, %s, %s, %s)",
        (group, name, query, grade),
    )


def simple_report(query: str, *, loadfromdb: bool = False) -> str:
    source = (
        '<querysource loadFromDb="true"><name>q</name><mqlgroup>g</mqlgroup>'
        "<mqlname>n</mqlname></querysource>"
        if loadfromdb
        else f"<querysource><name>q</name><sql>{escape(query)}</sql></querysource>"
    )
    return f"""<!DOCTYPE openRPTDef>
<report><title>T</title><name>simple</name><size>Letter</size><portrait/>
 {source}
 <section><name>s</name><detail><key><query>q</query></key><height>20</height>
  <field><rect><x>0</x><y>0</y><width>500</width><height>20</height></rect>
   <font><face>Helvetica</face><size>10</size></font><left/><top/>
   <data><query>q</query><column>v</column></data></field>
 </detail></section>
</report>"""


def test_everything_report_from_the_database(conn: Conn) -> None:
    add_report(conn, "everything", (FIXTURES / "everything.xml").read_text())
    add_metasql(conn, "everything", "detail", "SELECT 1 AS one")
    rendered = render_report(conn, "everything", {})
    pages = pages_of(rendered.pdf)
    assert (rendered.report_name, rendered.page_count, len(pages)) == ("everything", 4, 4)
    items = [line for page in pages for line in page if line.startswith("item ")]
    assert items == [f"item {i:03d}" for i in range(100)]
    # The report's active parameter default fills in for the missing job parameter.
    assert "Hello" in pages[0]
    assert pages[-1][pages[-1].index("Grand total") + 1] == "6,187.50"


def test_highest_grade_wins(conn: Conn) -> None:
    add_report(conn, "graded", simple_report("SELECT 'stock' AS v"), grade=0)
    add_report(conn, "graded", simple_report("SELECT 'custom' AS v"), grade=20)
    add_report(conn, "graded", simple_report("SELECT 'middle' AS v"), grade=10)
    assert pages_of(render_report(conn, "graded", {}).pdf) == [["custom"]]


def test_missing_report_says_so(conn: Conn) -> None:
    with pytest.raises(ReportNotFound, match="Report 'Nope' does not exist in this database"):
        render_report(conn, "Nope", {})


def test_metasql_query_by_group_and_name_with_highest_grade(conn: Conn) -> None:
    add_report(conn, "mql", simple_report("", loadfromdb=True))
    add_metasql(conn, "g", "n", "SELECT 'low' AS v", grade=0)
    add_metasql(
        conn,
        "g",
        "n",
        "SELECT item AS v FROM lines WHERE true"
        '<? if exists("cat") ?> AND cat = <? value("cat") ?><? endif ?>'
        '<? if exists("items") ?> AND item IN ('
        '<? foreach("items") ?><? if not isfirst("items") ?>, <? endif ?>'
        '<? value("items") ?><? endforeach ?>)<? endif ?>'
        ' ORDER BY <? literal("orderby") ?> DESC LIMIT 3',
        grade=5,
    )
    params: dict[str, object] = {"cat": "cat1", "orderby": "item"}
    assert pages_of(render_report(conn, "mql", params).pdf) == [
        ["item 059", "item 058", "item 057"]
    ]
    params = {"items": ["item 001", "item 002"], "orderby": "amount"}
    assert pages_of(render_report(conn, "mql", params).pdf) == [["item 002", "item 001"]]


def test_missing_metasql_statement(conn: Conn) -> None:
    add_report(conn, "nomql", simple_report("", loadfromdb=True))
    with pytest.raises(MetaSQLNotFound, match="'g-n'"):
        render_report(conn, "nomql", {})


def test_injection_through_a_parameter_is_bound_and_the_canary_survives(conn: Conn) -> None:
    add_report(conn, "inj", simple_report('SELECT <? value("name") ?>::text AS v'))
    evil = "'; DROP TABLE canary; --"
    assert pages_of(render_report(conn, "inj", {"name": evil}).pdf) == [[evil]]
    assert conn.execute("SELECT note FROM canary").fetchall() == [("still here",)]


def test_injection_through_a_list_parameter_is_bound(conn: Conn) -> None:
    query = (
        "SELECT item AS v FROM lines WHERE item IN ("
        '<? foreach("l") ?><? value("l") ?>,<? endforeach ?> NULL) ORDER BY item'
    )
    add_report(conn, "injl", simple_report(query))
    evil = ["item 001", "x'); DROP TABLE canary; --"]
    assert pages_of(render_report(conn, "injl", {"l": evil}).pdf) == [["item 001"]]
    assert conn.execute("SELECT count(*) FROM canary").fetchone() == (1,)


def test_injection_through_literal_is_refused(conn: Conn) -> None:
    add_report(
        conn, "injlit", simple_report('SELECT item AS v FROM lines ORDER BY <? literal("o") ?>')
    )
    with pytest.raises(MetaSQLLiteralUnsafe, match="query 'q' of report 'injlit'"):
        render_report(conn, "injlit", {"o": "item; DROP TABLE canary"})
    assert conn.execute("SELECT count(*) FROM canary").fetchone() == (1,)


def test_percent_signs_in_report_sql_reach_postgresql_intact(conn: Conn) -> None:
    add_report(
        conn, "pct", simple_report("SELECT '100%' || <? value(\"x\") ?> AS v WHERE 'a%' LIKE 'a%%'")
    )
    assert pages_of(render_report(conn, "pct", {"x": "!"}).pdf) == [["100%!"]]


def test_sql_error_names_the_query_the_reason_and_the_position(conn: Conn) -> None:
    add_report(conn, "bad", simple_report("SELECT nosuchcolumn AS v\nFROM lines"))
    with pytest.raises(ReportQueryFailed) as info:
        render_report(conn, "bad", {})
    message = str(info.value)
    assert "query 'q' of report 'bad' failed" in message
    assert 'column "nosuchcolumn" does not exist' in message and "42703" in message
    assert "line 1, column 8" in message
    # The session is still usable after the failure.
    assert conn.execute("SELECT 1").fetchone() == (1,)


def test_missing_parameter_names_it(conn: Conn) -> None:
    add_report(conn, "param", simple_report('SELECT <? value("invchead_id") ?>::int AS v'))
    with pytest.raises(ReportParameterMissing, match=r"'invchead_id'.*add it"):
        render_report(conn, "param", {})


def test_metasql_syntax_error_names_the_query(conn: Conn) -> None:
    add_report(conn, "syntax", simple_report('SELECT 1 AS v <? if exists("x") ?>'))
    with pytest.raises(MetaSQLSyntaxError, match=r"query 'q' of report 'syntax'.*never closed"):
        render_report(conn, "syntax", {})


def test_invalid_definition(conn: Conn) -> None:
    add_report(conn, "broken", "<report><title>")
    with pytest.raises(ReportDefinitionInvalid, match="not valid XML"):
        render_report(conn, "broken", {})


def test_unsupported_element_names_the_report_and_the_element(conn: Conn) -> None:
    source = simple_report("SELECT 1 AS v").replace(
        "</detail>",
        "<crosstab><rect><x>0</x><y>0</y><width>9</width><height>9</height></rect>"
        "</crosstab></detail>",
    )
    add_report(conn, "xtab", source)
    with pytest.raises(ReportElementUnsupported) as info:
        render_report(conn, "xtab", {})
    assert str(info.value).splitlines()[0] == (
        "Report 'xtab' uses <crosstab> (a crosstab in a detail band), which xtbatch cannot "
        "print yet."
    )


def test_report_date_without_xtuples_functions_is_iso(conn: Conn) -> None:
    source = simple_report("SELECT 1 AS v").replace(
        "<data><query>q</query><column>v</column></data>",
        "<data><query>Context Query</query><column>report_date</column></data>",
    )
    add_report(conn, "dated", source)
    today = conn.execute("SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD')").fetchone()
    assert today is not None
    assert pages_of(render_report(conn, "dated", {}).pdf) == [[today[0]]]
