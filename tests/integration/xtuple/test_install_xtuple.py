"""`xtbatch install` on xTuple databases: the package registered with xTuple's own machinery,
xtrole granted no more than the client needs, the client functions timestamptz-ready, xTuple
Connect's own functions untouched, idempotent, and an upgrade from schema version 4."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
import pytest

from tests.conftest import CONNECT_TABLES
from tests.harness import Db
from tests.xtuple_db import Clerk, XtupleDb, apply_migrations, load_xtuple, xtbatch_cli
from xtbatch.sql import migrations

# Each client function, as the client or xTuple's own code calls it; {t} is the scheduled time.
CALLS = {
    "submitActionToBatch": "SELECT xtbatch.submitActionToBatch('Ping', 'a@example.com', {t})",
    "submitReportToBatch/7": "SELECT submitReportToBatch('r', 'f@example.com', "
    "'t@example.com', '', 'body', '', {t})",
    "submitReportToBatch/8": "SELECT submitReportToBatch('r', 'f@example.com', "
    "'t@example.com', 'cc@example.com', 'subject', 'body', 'r.pdf', {t})",
    "submitReportToBatch/9": "SELECT submitReportToBatch('r', 'f@example.com', "
    "'t@example.com', 'cc@example.com', 'subject', 'body', 'r.pdf', {t}, true)",
    "submitEmailToBatch/8": "SELECT submitEmailToBatch('f@example.com', 't@example.com', '', "
    "'subject', 'body', NULL, {t}, false)",
    "submitEmailToBatch/10": "SELECT xtbatch.submitEmailToBatch('f@example.com', "
    "'t@example.com', '', 'subject', 'body', NULL, {t}, FALSE, NULL, NULL)",
}
# The scheduled time as each caller writes it, and the batch_scheduled it must give (SQL,
# evaluated in the same session; None: "as soon as possible", i.e. about now).
TEN = "'2030-01-01 10:00'::timestamp"
FORMS = {
    "CURRENT_TIMESTAMP": ("CURRENT_TIMESTAMP", None),
    "untyped literal (QDateTime, Qt 5)": ("'2030-01-01 10:00:00.000'", TEN),
    "explicit timestamp": ("'2030-01-01 10:00:00'::timestamp", TEN),
    "NULL": ("NULL", None),
    "typed timestamptz (QDateTime, later Qt)": (
        "TIMESTAMP WITH TIME ZONE '2030-01-01T09:00:00.000Z'",
        "(TIMESTAMP WITH TIME ZONE '2030-01-01T09:00:00.000Z')::timestamp",
    ),
}


def scalar(conn: psycopg.Connection[dict[str, Any]], query: str) -> Any:
    row = conn.execute(query.encode()).fetchone()
    assert row is not None
    return next(iter(row.values()))


def clerk_session(db: XtupleDb) -> psycopg.Connection[dict[str, Any]]:
    """The ordinary user's session after login(true), as the client opens it."""
    conn = db.clerk.connect(db)
    assert scalar(conn, "SELECT login(true)") == 1
    return conn


def catalog(db: Db) -> dict[str, Any]:
    """What install may create or change in xtbatch's and xTuple's package objects."""
    return {
        "functions": [
            r["f"]
            for r in db.all(
                "SELECT p.oid::regprocedure::text || ' ' || md5(p.prosrc) || ' '"
                " || COALESCE(p.proacl::text, '') AS f FROM pg_proc p"
                " WHERE p.pronamespace = 'xtbatch'::regnamespace ORDER BY 1"
            )
        ],
        "relations": [
            r["r"]
            for r in db.all(
                "SELECT c.relname || ' ' || c.relkind::text || ' ' || COALESCE(c.relacl::text, '')"
                " || ' ' || (SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod),"
                " ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0"
                " AND NOT attisdropped) AS r FROM pg_class c"
                " WHERE c.relnamespace = 'xtbatch'::regnamespace ORDER BY 1"
            )
        ],
        "schema": db.one("SELECT nspacl::text AS acl FROM pg_namespace WHERE nspname = 'xtbatch'"),
        "pkghead": db.all(
            "SELECT pkghead_name, pkghead_version, pkghead_developer FROM pkghead ORDER BY 1"
        ),
        "owned": db.all("SELECT identity, kind FROM xtbatch_mgr.owned ORDER BY 1")
        if db.one("SELECT to_regclass('xtbatch_mgr.owned') AS t") != {"t": None}
        else None,
        "inherits": db.all(
            "SELECT c.relname, p.relname AS parent FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
            " WHERE c.relnamespace = 'xtbatch'::regnamespace ORDER BY 1"
        ),
    }


# --- the package -------------------------------------------------------------------------


def test_install_registers_xtbatch_as_an_enabled_xtuple_package(xtuple: XtupleDb) -> None:
    assert xtuple.one("SELECT packageIsEnabled('xtbatch') AS on") == {"on": True}
    assert xtuple.all("SELECT pkghead_name, pkghead_developer FROM pkghead") == [
        {"pkghead_name": "xtbatch", "pkghead_developer": "xtbatch"}
    ]
    parents = {r["parent"] for r in catalog(xtuple)["inherits"]}
    assert parents == {"cmd", "cmdarg", "image", "metasql", "priv", "report", "script", "uiform"}
    with clerk_session(xtuple) as conn:
        assert scalar(conn, "SHOW search_path") == "xtbatch, public, api"
        # The client's unqualified calls now resolve.
        assert scalar(
            conn,
            "SELECT to_regprocedure('submitreporttobatch(text,text,text,"
            "text,text,text,timestamptz)') IS NOT NULL",
        )


def test_install_on_plain_postgresql_skips_the_package_cleanly(empty_db: Db) -> None:
    done = xtbatch_cli(empty_db, "install")
    assert done.returncode == 0, done.stderr
    assert "xTuple package: not an xTuple database" in done.stdout
    assert "EnableBatchManager" not in done.stdout
    assert empty_db.one("SELECT to_regclass('public.pkghead') AS t") == {"t": None}


def test_install_leaves_a_package_an_administrator_disabled_disabled(xtuple: XtupleDb) -> None:
    xtuple.disable_package()
    done = xtbatch_cli(xtuple, "install")
    assert done.returncode == 0, done.stderr
    assert "registered but disabled, left as it is" in done.stdout
    assert "ALTER TABLE xtbatch.pkguiform INHERIT public.uiform;" in done.stdout
    assert xtuple.one("SELECT packageIsEnabled('xtbatch') AS on") == {"on": False}


def test_install_says_whether_enable_batch_manager_is_on_and_leaves_it(xtuple: XtupleDb) -> None:
    done = xtbatch_cli(xtuple, "install")
    assert "EnableBatchManager: off, left as it is" in done.stdout
    assert "SELECT setMetric('EnableBatchManager', 't');" in done.stdout
    assert xtuple.one("SELECT fetchMetricBool('EnableBatchManager') AS on") == {"on": False}
    xtuple.set_metric("EnableBatchManager", "t")
    assert "EnableBatchManager: on" in xtbatch_cli(xtuple, "install").stdout


# --- idempotent, and the upgrade from version 4 -----------------------------------------


def test_install_twice_changes_nothing_the_second_time(xtuple: XtupleDb) -> None:
    before = catalog(xtuple)
    done = xtbatch_cli(xtuple, "install")
    assert done.returncode == 0, done.stderr
    assert f"is up to date (schema version {migrations()[-1].version})" in done.stdout
    assert "xtbatch is a registered, enabled package" in done.stdout
    assert catalog(xtuple) == before


def test_upgrade_from_version_4_ends_registered_granted_and_timestamptz_ready(
    xtuple_v4: XtupleDb,
) -> None:
    old_job = xtuple_v4.submit("Ping", scheduled="2031-02-03 04:05:06")
    with xtuple_v4.connect() as admin, pytest.raises(psycopg.errors.UndefinedFunction):
        admin.execute(CALLS["submitActionToBatch"].format(t="CURRENT_TIMESTAMP").encode())
    with clerk_session(xtuple_v4) as conn:
        assert scalar(conn, "SHOW search_path") == "public, api"
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(CALLS["submitActionToBatch"].format(t="NULL").encode())

    done = xtbatch_cli(xtuple_v4, "install")
    assert done.returncode == 0, done.stderr
    assert "Installed into" in done.stdout and "0005_xtuple_dropin" in done.stdout
    assert "registered xtbatch with xTuple's createPkgSchema()" in done.stdout
    assert (
        "xtrole: has what the client needs on schema xtbatch, table xtbatch.batch, "
        "sequence xtbatch.batch_batch_id_seq, table xtbatch.batchparam, "
        "sequence xtbatch.batchparam_batchparam_id_seq, table xtbatch.emlassc, "
        "table xtbatch.ediprofile"
    ) in done.stdout

    assert xtuple_v4.job(old_job)["batch_scheduled"] == dt.datetime(2031, 2, 3, 4, 5, 6)
    assert not xtuple_v4.all(
        "SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'xtbatch'::regnamespace"
        " AND 'timestamp'::regtype = ANY (p.proargtypes::oid[])"
    ), "a timestamp overload of xtbatch's was left behind"
    with clerk_session(xtuple_v4) as conn:
        assert scalar(conn, "SHOW search_path") == "xtbatch, public, api"
        for call in CALLS.values():
            assert isinstance(scalar(conn, call.format(t="CURRENT_TIMESTAMP")), int)

    after = catalog(xtuple_v4)
    again = xtbatch_cli(xtuple_v4, "install")
    assert again.returncode == 0 and "is up to date" in again.stdout, again.stderr
    assert catalog(xtuple_v4) == after


def test_a_fresh_install_and_an_upgrade_from_version_4_end_the_same(
    xtuple: XtupleDb, xtuple_v4: XtupleDb
) -> None:
    assert xtbatch_cli(xtuple_v4, "install").returncode == 0
    fresh, upgraded = catalog(xtuple), catalog(xtuple_v4)
    assert fresh["functions"] == upgraded["functions"]
    assert fresh["relations"] == upgraded["relations"]
    assert fresh["schema"] == upgraded["schema"]
    assert [r["identity"] for r in fresh["owned"]] == [r["identity"] for r in upgraded["owned"]]


# --- timestamptz: every caller's form resolves, none is ambiguous -------------------------


@pytest.mark.parametrize("form", FORMS, ids=list(FORMS))
@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_every_submit_function_takes_every_form_of_scheduled_time(
    xtuple: XtupleDb, call: str, form: str
) -> None:
    written, expected = FORMS[form]
    with clerk_session(xtuple) as conn:
        batch_id = scalar(conn, CALLS[call].format(t=written))
        row = conn.execute(
            f"SELECT batch_scheduled, batch_user, {expected or 'localtimestamp'} AS expected,"
            " localtimestamp AS now FROM xtbatch.batch WHERE batch_id = %s".encode(),
            (batch_id,),
        ).fetchone()
    assert row is not None
    assert row["batch_user"] == xtuple.clerk.name
    if expected is None:
        assert abs(row["batch_scheduled"] - row["now"]) < dt.timedelta(seconds=30)
    else:
        assert row["batch_scheduled"] == row["expected"]


@pytest.mark.parametrize("form", FORMS, ids=list(FORMS))
def test_reschedule_takes_every_form_and_the_retry_screen_passes_a_timestamp_column(
    xtuple: XtupleDb, form: str
) -> None:
    written, expected = FORMS[form]
    batch_id = xtuple.submit("Ping", scheduled="2029-06-01 12:00:00")
    with clerk_session(xtuple) as conn:
        assert scalar(conn, f"SELECT xtbatch.rescheduleBatchItem({batch_id}, {written})") == (
            batch_id
        )
        row = conn.execute(
            f"SELECT batch_scheduled, {expected or 'localtimestamp'} AS expected,"
            " localtimestamp AS now FROM xtbatch.batch WHERE batch_id = %s".encode(),
            (batch_id,),
        ).fetchone()
        # batchManager.cpp's Retry: the row's own (timestamp) batch_scheduled.
        assert (
            scalar(
                conn,
                "SELECT xtbatch.rescheduleBatchItem(batch_id, batch_scheduled) AS result"
                f" FROM xtbatch.batch WHERE (batch_id={batch_id})",
            )
            == batch_id
        )
    assert row is not None
    if expected is None:
        assert abs(row["batch_scheduled"] - row["now"]) < dt.timedelta(seconds=30)
    else:
        assert row["batch_scheduled"] == row["expected"]
    assert xtuple.job(batch_id)["batch_scheduled"] == row["batch_scheduled"]


# --- xTuple Connect's own functions stay, with no second overload -----------------------

# xTuple Connect as it is installed: its tables (CONNECT_TABLES), its timestamptz functions
# (each returning a marker, so a call shows whose function ran) and its package registration.
CONNECT = (
    CONNECT_TABLES.read_text()
    + """
GRANT USAGE ON SCHEMA xtbatch TO xtrole;
GRANT ALL ON ALL TABLES IN SCHEMA xtbatch TO xtrole;
GRANT ALL ON ALL SEQUENCES IN SCHEMA xtbatch TO xtrole;
CREATE FUNCTION xtbatch.submitActionToBatch(text, text, timestamptz) RETURNS integer
    LANGUAGE sql AS $$ SELECT -3 $$;
CREATE FUNCTION xtbatch.submitReportToBatch(text, text, text, text, text, text, timestamptz)
    RETURNS integer LANGUAGE sql AS $$ SELECT -7 $$;
CREATE FUNCTION xtbatch.submitReportToBatch(text, text, text, text, text, text, text,
    timestamptz) RETURNS integer LANGUAGE sql AS $$ SELECT -8 $$;
CREATE FUNCTION xtbatch.submitReportToBatch(text, text, text, text, text, text, text,
    timestamptz, boolean) RETURNS integer LANGUAGE sql AS $$ SELECT -9 $$;
CREATE FUNCTION xtbatch.submitEmailToBatch(text, text, text, text, text, text, timestamptz,
    boolean) RETURNS integer LANGUAGE sql AS $$ SELECT -108 $$;
CREATE FUNCTION xtbatch.submitEmailToBatch(text, text, text, text, text, text, timestamptz,
    boolean, text, text) RETURNS integer LANGUAGE sql AS $$ SELECT -110 $$;
CREATE FUNCTION xtbatch.rescheduleBatchItem(integer, timestamptz) RETURNS integer
    LANGUAGE sql AS $$ SELECT -2 $$;
CREATE FUNCTION xtbatch.cancelBatchItem(integer) RETURNS integer
    LANGUAGE sql AS $$ SELECT -1 $$;
SELECT createPkgSchema('xtbatch', 'xTuple Connect', '4.11.0', 'xTuple Connect', 'xTuple');
"""
)
MARKERS = {
    "submitActionToBatch": -3,
    "submitReportToBatch/7": -7,
    "submitReportToBatch/8": -8,
    "submitReportToBatch/9": -9,
    "submitEmailToBatch/8": -108,
    "submitEmailToBatch/10": -110,
}


@pytest.fixture
def connect_db(empty_db: Db, clerk: Clerk) -> XtupleDb:
    """An xTuple database with xTuple Connect, on which xtbatch version 4 was installed."""
    db = XtupleDb(empty_db.url, clerk)
    with db.connect() as conn:
        load_xtuple(conn, db.clerk)
        conn.execute(CONNECT.encode())
        apply_migrations(conn, 4)
    return db


def connect_functions(db: Db) -> list[dict[str, Any]]:
    return db.all(
        "SELECT p.oid::regprocedure::text AS f, md5(p.prosrc) AS body FROM pg_proc p"
        " WHERE p.pronamespace = 'xtbatch'::regnamespace AND p.prosrc ~ 'SELECT -[0-9]+'"
        " ORDER BY 1"
    )


def test_version_4_had_put_timestamp_overloads_next_to_connects(connect_db: XtupleDb) -> None:
    """The state the upgrade repairs (so the next test can fail)."""
    counts = connect_db.all(
        "SELECT proname, pronargs, count(*) AS n FROM pg_proc"
        " WHERE pronamespace = 'xtbatch'::regnamespace GROUP BY 1, 2 HAVING count(*) > 1"
    )
    assert {(r["proname"], r["pronargs"]) for r in counts} >= {("submitactiontobatch", 3)}


def test_upgrade_keeps_connects_functions_and_removes_xtbatchs_overloads(
    connect_db: XtupleDb,
) -> None:
    theirs = connect_functions(connect_db)
    acl = catalog(connect_db)["relations"]
    done = xtbatch_cli(connect_db, "install")
    assert done.returncode == 0, done.stderr
    assert "xtbatch is a registered, enabled package" in done.stdout

    assert connect_functions(connect_db) == theirs, "xTuple Connect's functions were altered"
    assert not connect_db.all(
        "SELECT proname, pronargs FROM pg_proc WHERE pronamespace = 'xtbatch'::regnamespace"
        " GROUP BY 1, 2 HAVING count(*) > 1"
    ), "a second overload was left next to xTuple Connect's"
    # Connect's tables keep their ACLs; xtbatch owns only what it added.
    assert [r for r in catalog(connect_db)["relations"] if r.startswith("batch")] == [
        r for r in acl if r.startswith("batch")
    ]
    owned = [r["identity"] for r in connect_db.all("SELECT identity FROM xtbatch_mgr.owned")]
    assert "xtbatch.batch" not in owned and "xtbatch" not in owned
    assert {"xtbatch.emlassc", "xtbatch.ediprofile"} <= set(owned)
    assert connect_db.one("SELECT pkghead_version FROM pkghead") == {"pkghead_version": "4.11.0"}
    with clerk_session(connect_db) as conn:
        for call, marker in MARKERS.items():
            for form in FORMS.values():
                assert scalar(conn, CALLS[call].format(t=form[0])) == marker, (call, form[0])


# --- xtrole: what the client needs and no more --------------------------------------------


def test_xtrole_members_cannot_touch_xtbatchs_bookkeeping(xtuple: XtupleDb) -> None:
    with clerk_session(xtuple) as conn:
        for statement in (
            "SELECT * FROM xtbatch_mgr.attempt",
            "SELECT * FROM xtbatch_mgr.migration",
            "SELECT xtbatch_mgr.complete('00000000-0000-0000-0000-000000000000', 'x')",
            "SELECT xtbatch_mgr.grant_xtrole()",
            "DELETE FROM xtbatch_mgr.worker",
            "DROP TABLE xtbatch.batch",
            "CREATE TABLE xtbatch.mine (x int)",
            "TRUNCATE xtbatch.batch",
            "DELETE FROM xtbatch.emlassc",
            "INSERT INTO xtbatch.ediprofile (ediprofile_name) VALUES ('x')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement.encode())
            conn.execute(b"SELECT 1")  # autocommit: the session goes on


def test_the_grants_go_to_xtrole_not_to_everyone(xtuple: XtupleDb) -> None:
    rows = xtuple.all(
        "SELECT grantee FROM information_schema.role_table_grants"
        " WHERE table_schema = 'xtbatch' AND table_name IN ('batch', 'batchparam')"
        " AND grantee NOT IN (current_user, 'postgres') GROUP BY 1"
    )
    assert rows == [{"grantee": "xtrole"}]
