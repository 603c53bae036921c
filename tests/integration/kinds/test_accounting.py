"""PostInvoices and PostGLSeries."""

from __future__ import annotations

import pytest

from tasks.kinds.post_gl_series import post_gl_series
from tasks.kinds.post_invoices import post_invoices
from tests.integration.kinds.conftest import Conn, MakeContext
from xtbatch.errors import FunctionMissing, JobFailed, ParameterInvalid


@pytest.fixture
def invoices(conn: Conn) -> None:
    conn.execute(
        "INSERT INTO invchead (invchead_invcnumber, invchead_printed)"
        " VALUES ('60001', true), ('60002', true), ('60003', false)"
    )


def posted(conn: Conn) -> set[str]:
    rows = conn.execute("SELECT invchead_invcnumber AS n FROM invchead WHERE invchead_posted")
    return {row["n"] for row in rows.fetchall()}


def test_post_invoices_posts_printed_ones_in_a_journal(
    conn: Conn, make_ctx: MakeContext, invoices: None
) -> None:
    run = make_ctx(
        "PostInvoices", [("postUnprinted", "false", "bool"), ("printSalesJournal", "true", "bool")]
    )

    summary = post_invoices(run.ctx)

    assert posted(conn) == {"60001", "60002"}
    assert summary == (
        "2 invoice(s) posted in sales journal 1; run the SalesJournal report with "
        "journalNumber 1 to print the journal"
    )


def test_post_invoices_with_post_unprinted_posts_all(
    conn: Conn, make_ctx: MakeContext, invoices: None
) -> None:
    run = make_ctx("PostInvoices", [("postUnprinted", "true", "bool")])
    assert post_invoices(run.ctx) == "3 invoice(s) posted in sales journal 1"
    assert posted(conn) == {"60001", "60002", "60003"}


def test_post_invoices_refuses_when_only_unprinted_remain(
    conn: Conn, make_ctx: MakeContext
) -> None:
    conn.execute("INSERT INTO invchead (invchead_invcnumber) VALUES ('60009')")
    run = make_ctx("PostInvoices", [("postUnprinted", "false", "bool")])
    with pytest.raises(JobFailed, match=r"the 1 unposted invoice\(s\) are not printed"):
        post_invoices(run.ctx)
    assert posted(conn) == set()


def test_post_invoices_with_nothing_to_post_succeeds(conn: Conn, make_ctx: MakeContext) -> None:
    assert post_invoices(make_ctx("PostInvoices").ctx) == "no invoices to post"


def test_malformed_flag_is_named(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("PostInvoices", [("postUnprinted", "42", None)])
    with pytest.raises(ParameterInvalid, match="'postUnprinted' is malformed: expected true or"):
        post_invoices(run.ctx)


@pytest.fixture
def series(conn: Conn) -> None:
    conn.execute(
        "INSERT INTO glseries (glseries_sequence, glseries_accnt_id, glseries_amount)"
        " VALUES (7, 1, 100.00), (7, 2, -100.00), (8, 1, 5.00)"
    )


def test_post_gl_series_posts_each_line(conn: Conn, make_ctx: MakeContext, series: None) -> None:
    run = make_ctx("PostGLSeries", [("glseries_sequence", "7", "int")])

    assert post_gl_series(run.ctx) == "G/L series 7 posted (2 line(s))"

    rows = conn.execute(
        "SELECT gltrans_accnt_id AS accnt, gltrans_amount AS amount FROM gltrans ORDER BY 1"
    ).fetchall()
    assert [(r["accnt"], float(r["amount"])) for r in rows] == [(1, 100.0), (2, -100.0)]
    assert conn.execute("SELECT count(*) AS n FROM glseries").fetchone() == {"n": 1}


def test_unbalanced_gl_series_is_not_posted(
    conn: Conn, make_ctx: MakeContext, series: None
) -> None:
    run = make_ctx("PostGLSeries", [("glseries_sequence", "8", "int")])
    with pytest.raises(JobFailed, match="G/L series 8 is unbalanced"):
        post_gl_series(run.ctx)
    assert conn.execute("SELECT count(*) AS n FROM gltrans").fetchone() == {"n": 0}


def test_gl_series_sequence_is_required(conn: Conn, make_ctx: MakeContext) -> None:
    with pytest.raises(ParameterInvalid, match="'glseries_sequence' is missing: expected"):
        post_gl_series(make_ctx("PostGLSeries").ctx)


def test_missing_gl_function_is_named(conn: Conn, make_ctx: MakeContext, series: None) -> None:
    conn.execute("DROP FUNCTION postGLSeriesNoSumm(integer, integer)")
    run = make_ctx("PostGLSeries", [("glseries_sequence", "7", "int")])
    with pytest.raises(FunctionMissing, match=r"postGLSeriesNoSumm\(integer, integer\)"):
        post_gl_series(run.ctx)
