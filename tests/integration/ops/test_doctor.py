"""``xtbatch doctor``: each failure it detects, and one all-green run on real processes."""

from __future__ import annotations

import socket

import psycopg
import pytest

from tests.integration.ops.conftest import BROKER_URL, OpsDb, Processes, base_env, wait_for, xtbatch
from xtbatch import db
from xtbatch.cli.commands import doctor
from xtbatch.install import latest_version
from xtbatch.settings import load


def lines(output: str) -> dict[str, str]:
    """Check name -> its whole line."""
    found = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("OK", "WARN", "FAIL", "SKIP"):
            found[parts[1]] = line
    return found


def doctor_run(env: dict[str, str], *extra: str) -> tuple[int, dict[str, str], str]:
    done = xtbatch("doctor", "--timeout", "30", *extra, env=env, timeout=120)
    return done.returncode, lines(done.stdout), done.stdout + done.stderr


def test_doctor_fails_on_unreachable_database() -> None:
    env = base_env(
        XTBATCH_DATABASE_URL="postgresql://postgres:secret@127.0.0.1:1/nowhere",
        XTBATCH_BROKER_URL=BROKER_URL,
    )
    code, checks, output = doctor_run(env)
    assert code == 1, output
    assert checks["database"].startswith("FAIL"), output
    assert "XTBATCH_DATABASE_URL" in checks["database"]
    assert checks["schema"].startswith("SKIP") and checks["ping"].startswith("SKIP")
    assert "secret" not in output


def test_doctor_fails_when_schema_not_installed(ops_empty_db: OpsDb) -> None:
    env = base_env(XTBATCH_DATABASE_URL=ops_empty_db.url, XTBATCH_BROKER_URL=BROKER_URL)
    code, checks, output = doctor_run(env)
    assert code == 1, output
    assert checks["database"].startswith("OK"), output
    assert checks["schema"].startswith("FAIL") and "xtbatch install" in checks["schema"]


def test_doctor_fails_when_schema_is_behind(ops_db: OpsDb) -> None:
    latest = latest_version()
    ops_db.rows(
        "DELETE FROM xtbatch_mgr.migration WHERE version = %(v)s RETURNING version", {"v": latest}
    )
    env = base_env(XTBATCH_DATABASE_URL=ops_db.url, XTBATCH_BROKER_URL=BROKER_URL)
    code, checks, output = doctor_run(env)
    assert code == 1, output
    assert f"schema version {latest - 1}, this xtbatch needs {latest}" in checks["schema"], output


def test_doctor_fails_on_unreachable_broker(ops_env: dict[str, str]) -> None:
    env = {**ops_env, "XTBATCH_BROKER_URL": "redis://127.0.0.1:1/0"}
    code, checks, output = doctor_run(env)
    assert code == 1, output
    assert checks["broker"].startswith("FAIL") and "redis://127.0.0.1:1/0" in checks["broker"]
    assert checks["ping"].startswith("SKIP")


def test_doctor_fails_when_no_worker_or_bridge_serves_the_queue(ops_env: dict[str, str]) -> None:
    code, checks, output = doctor_run(ops_env)
    assert code == 1, output
    assert checks["broker"].startswith("OK"), output
    assert checks["worker"].startswith("FAIL") and ops_env["XTBATCH_QUEUE"] in checks["worker"]
    assert checks["bridge"].startswith("FAIL") and "xtbatch bridge" in checks["bridge"]
    assert checks["ping"].startswith("SKIP")


def test_doctor_fails_on_unreachable_smtp(ops_env: dict[str, str]) -> None:
    env = {**ops_env, "XTBATCH_SMTP_URL": "smtp://user:hunter2@127.0.0.1:1"}
    code, checks, output = doctor_run(env)
    assert code == 1, output
    assert checks["smtp"].startswith("FAIL") and "127.0.0.1:1" in checks["smtp"], output
    assert "hunter2" not in output


def test_doctor_smtp_check_greets_and_sends_nothing() -> None:
    aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is a test extra")
    received: list[object] = []

    class Keep:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        check = doctor.check_smtp(load({"smtp_url": f"smtp://127.0.0.1:{port}"}))
    finally:
        controller.stop()
    assert check.status == "OK", check.line()
    assert received == []


def test_doctor_fails_when_neither_email_nor_system_messages_reach_submitters(
    ops_env: dict[str, str], ops_db: OpsDb
) -> None:
    with ops_db.connect() as conn:
        # No xTuple system messages: neither postMessage nor the msg/msguser tables.
        conn.execute("DROP FUNCTION public.postMessage(text, text)")
        conn.execute("DROP TABLE public.msguser, public.msg")
    code, checks, output = doctor_run(ops_env, "--no-ping")
    assert code == 1, output
    line = checks["smtp"]
    assert line.startswith("FAIL"), output
    assert "no xTuple system messages" in line and "XTBATCH_SMTP_URL" in line, line


def test_doctor_accepts_system_messages_without_smtp(ops_db: OpsDb) -> None:
    with db.connect(load({"database_url": ops_db.url}), "test") as conn:
        check = doctor.check_smtp(load({"smtp_url": ""}), conn)
    assert check.status == "OK", check.line()
    assert "system messages" in check.detail


@pytest.fixture
def ops_role(ops_db: OpsDb) -> object:
    """A login role that is not a superuser and has no grant on xtbatch's tables."""
    import uuid

    role = f"xtbatch_test_ops_{uuid.uuid4().hex[:8]}"
    with ops_db.connect() as conn:
        conn.execute(psycopg.sql.SQL("CREATE ROLE {} LOGIN").format(psycopg.sql.Identifier(role)))
    yield role
    with ops_db.connect() as conn:
        conn.execute(
            psycopg.sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(psycopg.sql.Identifier(role))
        )


def test_doctor_fails_with_the_grants_a_role_lacks(ops_db: OpsDb, ops_role: str) -> None:
    with ops_db.connect() as conn:
        conn.execute(f"GRANT USAGE ON SCHEMA xtbatch, xtbatch_mgr TO {ops_role}".encode())
    settings = load({"database_url": ops_db.url.replace("user=postgres", f"user={ops_role}")})
    with db.connect(settings, "test") as conn:
        check = doctor.check_privileges(conn)
    assert check.status == "FAIL", check.line()
    assert f"GRANT SELECT, INSERT, UPDATE, DELETE ON xtbatch.batch TO {ops_role};" in check.fix


def test_doctor_warns_that_a_plain_role_cannot_reindex(ops_db: OpsDb, ops_role: str) -> None:
    with ops_db.connect() as conn:
        conn.execute(
            f"GRANT USAGE ON SCHEMA xtbatch, xtbatch_mgr TO {ops_role};"
            f"GRANT ALL ON ALL TABLES IN SCHEMA xtbatch, xtbatch_mgr TO {ops_role}".encode()
        )
    settings = load({"database_url": ops_db.url.replace("user=postgres", f"user={ops_role}")})
    with db.connect(settings, "test") as conn:
        check = doctor.check_privileges(conn)
    assert check.status == "WARN", check.line()
    assert "not a superuser" in check.detail and "REINDEX" in check.detail
    assert not check.failed


def test_doctor_all_green_with_a_real_worker_and_bridge(
    ops_env: dict[str, str], ops_db: OpsDb, processes: Processes
) -> None:
    worker = processes.start("worker", "worker", env=ops_env)
    bridge = processes.start("bridge", "bridge", env=ops_env)
    wait_for(
        lambda: ops_db.rows(
            "SELECT worker FROM xtbatch_mgr.worker WHERE queue = %(q)s",
            {"q": ops_env["XTBATCH_QUEUE"]},
        ),
        90,
        "the worker's heartbeat row",
        show=processes.logs,
    )
    ops_db.rows(
        "INSERT INTO metric (metric_name, metric_value) VALUES ('EnableBatchManager', 't') "
        "RETURNING metric_id"
    )
    code, checks, output = doctor_run(ops_env)
    assert code == 0, output + processes.logs()
    assert set(checks) == {
        "database",
        "schema",
        "privileges",
        "metric",
        "package",
        "xtrole",
        "client",
        "broker",
        "worker",
        "bridge",
        "smtp",
        "ping",
    }
    assert all(line.startswith("OK") for line in checks.values()), output
    assert "completed" in checks["ping"]
    assert processes.stop(bridge) == 0, processes.logs()
    processes.stop(worker)
