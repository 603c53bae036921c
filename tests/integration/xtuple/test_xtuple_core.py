"""xTuple's own functions and screens that use xtbatch's tables work with EnableBatchManager
on and xtbatch an enabled package, run by an ordinary user after login(true):
convertQuote, cntctMerge, merge2crmaccts, getEdiProfileId/Name, api.custshipto, and the
configureCRM / incidentCategory screens' query."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.xtuple_db import XtupleDb, xtbatch_cli

Conn = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def batch_manager_on(xtuple: XtupleDb) -> XtupleDb:
    xtuple.set_metric("EnableBatchManager", "t")
    return xtuple


@pytest.fixture
def clerk_conn(batch_manager_on: XtupleDb) -> Iterator[Conn]:
    """The ordinary user's session after login(true)."""
    with batch_manager_on.clerk.connect(batch_manager_on) as conn:
        row = conn.execute("SELECT login(true) AS result").fetchone()
        assert row == {"result": 1}
        yield conn


def emails(db: XtupleDb) -> list[tuple[str, int]]:
    rows = db.all("SELECT emlassc_type, emlassc_assc_id FROM xtbatch.emlassc ORDER BY emlassc_id")
    return [(r["emlassc_type"], r["emlassc_assc_id"]) for r in rows]


def test_convert_quote_moves_the_quotes_emails_to_the_sales_order(
    batch_manager_on: XtupleDb, clerk_conn: Conn
) -> None:
    quote = batch_manager_on.one("INSERT INTO quhead (quhead_number) VALUES ('Q1') RETURNING *")
    assert quote is not None
    batch_manager_on.run(
        "INSERT INTO xtbatch.emlassc (emlassc_type, emlassc_assc_id) VALUES ('Q', %s), ('T', 9)",
        (quote["quhead_id"],),
    )
    row = clerk_conn.execute("SELECT convertQuote(%s) AS so", (quote["quhead_id"],)).fetchone()
    assert row is not None and row["so"] > 0
    assert emails(batch_manager_on) == [("S", row["so"]), ("T", 9)]


def test_convert_quote_failed_before_xtbatch_had_emlassc(xtuple_v4: XtupleDb) -> None:
    """What the issue reported, so that the test above can fail."""
    xtuple_v4.set_metric("EnableBatchManager", "t")
    xtuple_v4.run("INSERT INTO quhead (quhead_number) VALUES ('Q1')")
    with pytest.raises(psycopg.errors.UndefinedTable, match=r'"xtbatch\.emlassc" does not exist'):
        xtuple_v4.run("SELECT convertQuote(1)")
    assert xtbatch_cli(xtuple_v4, "install").returncode == 0
    assert xtuple_v4.one("SELECT convertQuote(1) > 0 AS ok") == {"ok": True}


def test_contact_merge_records_and_moves_email_associations(
    batch_manager_on: XtupleDb, clerk_conn: Conn
) -> None:
    batch_manager_on.run(
        "INSERT INTO cntct (cntct_name) VALUES ('old'), ('new');"
        "INSERT INTO xtbatch.emlassc (emlassc_type, emlassc_assc_id) VALUES ('T', 1), ('Q', 1)"
    )
    assert clerk_conn.execute("SELECT cntctMerge(1, 2, false) AS ok").fetchone() == {"ok": True}
    assert emails(batch_manager_on) == [("T", 2), ("Q", 1)]
    assert batch_manager_on.all("SELECT mrghist_table, mrghist_pkey_id FROM mrghist") == [
        {"mrghist_table": "xtbatch.emlassc", "mrghist_pkey_id": 1}
    ]


def test_crm_account_merge_moves_email_associations_with_undo(
    batch_manager_on: XtupleDb, clerk_conn: Conn
) -> None:
    batch_manager_on.run(
        "INSERT INTO crmacct (crmacct_number) VALUES ('A'), ('B');"
        "INSERT INTO xtbatch.emlassc (emlassc_type, emlassc_assc_id) "
        "VALUES ('CRMA', 1), ('CRMA', 1), ('T', 1)"
    )
    assert clerk_conn.execute("SELECT merge2crmaccts(1, 2, false) AS n").fetchone() == {"n": 2}
    assert emails(batch_manager_on) == [("CRMA", 2), ("CRMA", 2), ("T", 1)]
    undo = batch_manager_on.all(
        "SELECT mrgundo_pkey_col, mrgundo_pkey_id, mrgundo_value FROM mrgundo ORDER BY 2"
    )
    assert undo == [
        {"mrgundo_pkey_col": "emlassc_id", "mrgundo_pkey_id": 1, "mrgundo_value": "1"},
        {"mrgundo_pkey_col": "emlassc_id", "mrgundo_pkey_id": 2, "mrgundo_value": "1"},
    ]


def test_edi_profile_lookups_and_the_custshipto_view(
    batch_manager_on: XtupleDb, clerk_conn: Conn
) -> None:
    batch_manager_on.run(
        "INSERT INTO xtbatch.ediprofile (ediprofile_name, ediprofile_type, ediprofile_option1) "
        "VALUES ('Invoices by email', 'email', '</email1>'), ('Fax', 'fax', NULL)"
    )
    assert clerk_conn.execute(
        "SELECT getEdiProfileId('Invoices by email') AS id, getEdiProfileName(2) AS name"
    ).fetchone() == {"id": 1, "name": "Fax"}
    with pytest.raises(psycopg.errors.RaiseException, match="EDI Profile Nope not found"):
        clerk_conn.execute("SELECT getEdiProfileId('Nope')")
    clerk_conn.execute(
        "INSERT INTO api.custshipto (shipto_number, name, edi_profile) "
        "VALUES ('S1', 'Main', 'Invoices by email'), ('S2', 'Other', 'No EDI')"
    )
    clerk_conn.execute("UPDATE api.custshipto SET edi_profile = 'Fax' WHERE shipto_number = 'S2'")
    rows = clerk_conn.execute(
        "SELECT shipto_number, edi_profile FROM api.custshipto ORDER BY 1"
    ).fetchall()
    assert rows == [
        {"shipto_number": "S1", "edi_profile": "Invoices by email"},
        {"shipto_number": "S2", "edi_profile": "Fax"},
    ]
    # configureCRM.cpp and incidentCategory.cpp, verbatim.
    assert clerk_conn.execute(
        "SELECT ediprofile_id, ediprofile_name FROM xtbatch.ediprofile "
        "WHERE (ediprofile_type='email');"
    ).fetchall() == [{"ediprofile_id": 1, "ediprofile_name": "Invoices by email"}]
