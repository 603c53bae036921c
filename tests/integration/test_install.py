"""`xtbatch install` is idempotent and never alters xTuple's own objects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import CONNECT_TABLES
from tests.harness import Db

# xTuple Connect's tables (CONNECT_TABLES), one of its functions (returning a marker) and a job.
XTUPLE_CONNECT = (
    CONNECT_TABLES.read_text()
    + """
CREATE FUNCTION xtbatch.submitActionToBatch(text, text, timestamp) RETURNS integer
LANGUAGE sql AS $$ SELECT -42 $$;
INSERT INTO xtbatch.batch (batch_action, batch_scheduled) VALUES ('Ping', localtimestamp);
"""
)


def install(db: Db) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XTBATCH_DATABASE_URL": db.url, "XTBATCH_LOG_FORMAT": "text"}
    return subprocess.run(
        [sys.executable, "-m", "xtbatch", "install"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def catalog(db: Db) -> list[tuple[str, str]]:
    rows = db.all("""
        SELECT 'column' AS what, table_name || '.' || column_name || ' ' || data_type AS name
          FROM information_schema.columns WHERE table_schema = 'xtbatch'
        UNION ALL
        SELECT 'function', p.oid::regprocedure::text || ' ' || md5(p.prosrc)
          FROM pg_proc p WHERE p.pronamespace = 'xtbatch'::regnamespace
        ORDER BY 1, 2""")
    return [(r["what"], r["name"]) for r in rows]


def test_install_twice_creates_then_finds_nothing_to_do(empty_db: Db) -> None:
    first = install(empty_db)
    assert first.returncode == 0, first.stderr
    assert "Installed into" in first.stdout
    before = catalog(empty_db)
    second = install(empty_db)
    assert second.returncode == 0, second.stderr
    assert "is up to date" in second.stdout
    assert catalog(empty_db) == before
    functions = {name.split("(")[0] for what, name in before if what == "function"}
    assert {
        "xtbatch.submitactiontobatch",
        "xtbatch.submitreporttobatch",
        "xtbatch.submitemailtobatch",
        "xtbatch.cancelbatchitem",
        "xtbatch.reschedulebatchitem",
    } <= functions


def test_checked_in_schema_is_what_the_migrations_produce(empty_db: Db) -> None:
    """xtbatch/sql/schema.sql is generated (tools/dump_schema.py): a migration that changes
    the schema fails here until the file is generated again."""
    result = install(empty_db)
    assert result.returncode == 0, result.stderr
    root = Path(__file__).resolve().parents[2]
    dumped = subprocess.run(
        [sys.executable, str(root / "tools" / "dump_schema.py"), "--installed", empty_db.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dumped.returncode == 0, dumped.stderr
    checked_in = (root / "xtbatch" / "sql" / "schema.sql").read_text(encoding="utf-8")
    assert dumped.stdout == checked_in, "run tools/dump_schema.py and commit the result"
    assert "CREATE FUNCTION xtbatch_mgr.dispatch_next(" in checked_in


def test_install_keeps_an_existing_xtuple_connect_schema_as_it_is(empty_db: Db) -> None:
    empty_db.run(XTUPLE_CONNECT)
    before = catalog(empty_db)
    result = install(empty_db)
    assert result.returncode == 0, result.stderr
    after = catalog(empty_db)
    assert set(before) <= set(after), "an xTuple object was altered or dropped"
    assert empty_db.one("SELECT xtbatch.submitActionToBatch('x', NULL, NULL) AS id") == {"id": -42}
    assert ("column", "batch.batch_connect_only text") in after
    assert empty_db.one("SELECT count(*) AS n FROM xtbatch.batch") == {"n": 1}
    # The functions Connect lacked were added, with the contract's argument orders.
    assert empty_db.one(
        "SELECT to_regprocedure('xtbatch.cancelbatchitem(integer)') IS NOT NULL AS ok"
    ) == {"ok": True}


def test_install_on_an_unreachable_database_says_so_in_one_line() -> None:
    bad = Db("postgresql://postgres@127.0.0.1:1/nowhere")
    result = install(bad)
    assert result.returncode == 2
    assert result.stderr.startswith("xtbatch install: Cannot connect to database 'nowhere'")
    assert "Traceback" not in result.stderr


def test_install_with_a_bad_url_lists_the_problem() -> None:
    result = install(Db("mysql://root@localhost/erp"))
    assert result.returncode == 2
    assert "XTBATCH_DATABASE_URL" in result.stderr and "postgresql://" in result.stderr
