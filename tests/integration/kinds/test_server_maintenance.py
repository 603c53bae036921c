"""ServerMaintenance: VACUUM ANALYZE and REINDEX table by table, with progress."""

from __future__ import annotations

import pytest
from psycopg import sql

from tasks.kinds.server_maintenance import server_maintenance
from tests.integration.kinds.conftest import Conn, MakeContext
from xtbatch.errors import JobFailed, JobInterrupted


def test_superuser_maintains_every_table_reporting_progress(
    conn: Conn, make_ctx: MakeContext
) -> None:
    run = make_ctx("ServerMaintenance")
    tables = conn.execute(
        "SELECT count(*) AS n FROM pg_tables"
        " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
    ).fetchone()

    summary = server_maintenance(run.ctx)

    assert tables is not None
    total = tables["n"]
    assert summary == f"VACUUM ANALYZE and REINDEX done on {total} of {total} table(s)"
    assert [(k, n) for k, n, _ in run.progress] == [(k, total) for k in range(1, total + 1)]
    assert "public.itemsite" in {what for _, _, what in run.progress}
    assert "xtbatch.batch" in {what for _, _, what in run.progress}


def test_non_superuser_does_what_it_may_and_names_user_and_skipped_tables(
    conn: Conn, role_conn: Conn, role: str, make_ctx: MakeContext
) -> None:
    conn.execute("CREATE TABLE mine (x integer PRIMARY KEY)")
    conn.execute(sql.SQL("ALTER TABLE mine OWNER TO {}").format(sql.Identifier(role)))
    run = make_ctx("ServerMaintenance", on=role_conn)

    with pytest.raises(JobFailed) as failed:
        server_maintenance(run.ctx)

    status = failed.value.message
    assert f"database user '{role}' is not a PostgreSQL superuser" in status
    assert "REINDEX of all tables needs a PostgreSQL superuser" in status
    skipped = status.split("Skipped REINDEX (not owner) on ", 1)[1]
    assert "public.itemsite" in skipped and "xtbatch.batch" in skipped
    assert "public.mine" not in skipped
    vacuum_skipped = status.split("Skipped VACUUM ANALYZE (not owner) on ", 1)[1]
    vacuum_skipped = vacuum_skipped.split("\n", 1)[0]
    assert "public.itemsite" in vacuum_skipped and "public.mine" not in vacuum_skipped
    # It went through every table, the one it owns included.
    assert run.progress[-1][0] == run.progress[-1][1]
    assert "public.mine" in {what for _, _, what in run.progress}


def test_cancelled_job_stops_between_tables(conn: Conn, make_ctx: MakeContext) -> None:
    run = make_ctx("ServerMaintenance")
    calls = run.progress

    def cancel_after_first(done: int, total: int, what: str) -> None:
        calls.append((done, total, what))
        run.ctx.cancelled.set()

    run.ctx.report_progress = cancel_after_first

    with pytest.raises(JobInterrupted):
        server_maintenance(run.ctx)
    assert len(calls) == 1
