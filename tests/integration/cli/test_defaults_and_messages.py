"""What an administrator reads in the first hour: which setting chooses the database, settings
errors in xtbatch's words naming the setting or flag they came from, what to check when the
server refuses, doctor's count, --debug's exit code, a cancelled job, the bridge on a database
without xtbatch, the demo's flags and the worker's help. Each through the real CLI."""

from __future__ import annotations

import re
import subprocess

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.integration.cli.conftest import RUN_TIMEOUT, Cli, cli_env, command, run_command

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def run(
    env: dict[str, str], *args: str, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return run_command(command(*args), env, timeout=timeout)


def without_database(**extra: str) -> dict[str, str]:
    env = cli_env("unused", **extra)
    del env["XTBATCH_DATABASE_URL"]
    return env


def test_default_database_names_the_setting_that_chooses_it() -> None:
    try:
        with psycopg.connect(DEFAULT_URL, connect_timeout=3) as conn:
            installed = conn.execute("SELECT to_regclass('xtbatch.batch') IS NOT NULL").fetchone()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at the default address: {exc}")
    if installed and installed[0]:
        pytest.skip("xtbatch is installed in the default database 'postgres' of this server")

    result = run(without_database(), "status")

    assert result.returncode == 2
    assert result.stderr == (
        "xtbatch status: xtbatch is not installed in database 'postgres' on 127.0.0.1:5432. "
        "That is the default because XTBATCH_DATABASE_URL is not set: set it (or pass "
        "--database-url) to your ERP database. Then run 'xtbatch install' there.\n"
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (
            "",
            "must name the ERP database, such as postgresql://user@host:5432/erp (empty is "
            "refused: it would silently mean the libpq defaults)",
        ),
        (
            "mysql://db.example.com/erp",
            "must be a postgresql:// URL or a libpq key=value string",
        ),
    ],
    ids=["empty", "not_postgresql"],
)
def test_bad_database_url_flag_is_reported_as_the_flag(url: str, problem: str) -> None:
    result = run(cli_env(UNREACHABLE), "status", "--database-url", url)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "xtbatch status: Invalid configuration:",
        f"  --database-url '{url}': {problem}",
    ]


def test_settings_errors_name_the_setting_and_the_expected_form() -> None:
    env = cli_env(UNREACHABLE, XTBATCH_HEARTBEAT_SECONDS="abc", XTBATCH_METRICS_PORT="http")

    result = run(env, "status")

    assert result.returncode == 2
    assert "could not convert" not in result.stderr and "invalid literal" not in result.stderr
    assert result.stderr.splitlines() == [
        "xtbatch status: Invalid configuration:",
        "  XTBATCH_HEARTBEAT_SECONDS=abc: must be a number of seconds greater than 0, such as 5",
        "  XTBATCH_METRICS_PORT=http: must be a port number from 0 to 65535 (0: off)",
    ]


def test_connection_refused_says_what_to_check() -> None:
    result = run(cli_env(UNREACHABLE), "status")

    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "Connection refused. Check that PostgreSQL is running and accepts TCP connections at "
        "127.0.0.1:1; XTBATCH_DATABASE_URL (or --database-url) chooses the server."
    )


def test_doctor_counts_failures_not_skips() -> None:
    result = run(cli_env(UNREACHABLE), "doctor", "--no-ping", timeout=60)

    assert result.returncode == 1, result.stdout + result.stderr
    statuses = [line.split()[0] for line in result.stdout.splitlines() if line[:4].strip()]
    checks = [s for s in statuses if s in ("OK", "WARN", "FAIL", "SKIP")]
    failed, skipped = checks.count("FAIL"), checks.count("SKIP")
    assert failed >= 1 and skipped >= 1
    assert result.stdout.splitlines()[-1] == (
        f"{failed} of {len(checks) - skipped} checks failed; {skipped} not checked because of them."
    )


def test_debug_shows_the_traceback_and_keeps_exit_code_2() -> None:
    result = run(cli_env(UNREACHABLE), "status", "--debug")

    assert result.returncode == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("xtbatch status: Cannot connect to ")


def test_show_says_a_cancelled_job_was_cancelled(cli: Cli) -> None:
    batch_id = cli.job("Ping")
    assert cli.run("cancel", str(batch_id)).returncode == 0
    dbname = conninfo_to_dict(cli.url)["dbname"]

    result = cli.run("show", str(batch_id))

    assert result.returncode == 2
    assert result.stderr == (
        f"xtbatch show: Batch job {batch_id} no longer exists in database '{dbname}' on "
        "127.0.0.1:5432: it was cancelled before it ran (xTuple's cancel deletes the job), "
        "or purged as an old completed job.\n"
    )


def test_show_says_a_job_cancelled_after_dispatch_was_cancelled(cli: Cli) -> None:
    batch_id = cli.job("RunMRP")
    cli.sql(
        "INSERT INTO xtbatch_mgr.attempt (task_id, batch_id, batch_action, state)"
        " VALUES (gen_random_uuid(), %(id)s, 'RunMRP', 'running')",
        {"id": batch_id},
    )
    cli.sql("SELECT xtbatch.cancelBatchItem(%(id)s)", {"id": batch_id})

    result = cli.run("show", str(batch_id))

    assert result.returncode == 2
    assert f"Batch job {batch_id} (RunMRP) was cancelled after xtbatch dispatched it" in (
        result.stderr
    )


def test_show_of_an_id_never_issued_says_no_such_job(cli: Cli) -> None:
    result = cli.run("show", "999999")

    assert result.returncode == 2
    assert "No batch job has id 999999 in database " in result.stderr


def test_bridge_on_a_database_without_xtbatch_never_says_it_leads(bare_db: str) -> None:
    env = cli_env(bare_db, XTBATCH_LOG_LEVEL="INFO")

    result = run(env, "bridge", timeout=60)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "xtbatch bridge: xtbatch is not installed in database " in result.stderr
    assert "leading" not in result.stdout + result.stderr


@pytest.mark.parametrize("flag", ["--database-url", "--broker-url"])
def test_demo_refuses_service_flags_it_would_ignore(flag: str) -> None:
    value = UNREACHABLE if flag == "--database-url" else "redis://127.0.0.1:1/0"

    result = run(without_database(), "demo", flag, value, timeout=60)

    assert result.returncode == 2
    assert result.stderr == (
        f"xtbatch demo: {flag} not used: the demo runs on embedded services; add "
        "--use-configured-services to run it on yours (it creates and drops a database named "
        "xtbatch_demo there).\n"
    )


def test_worker_help_shows_the_node_name_it_uses() -> None:
    result = run(cli_env(UNREACHABLE), "worker", "--help")

    assert result.returncode == 0
    text = re.sub(r"\s+", " ", result.stdout)
    assert "default: xtbatch.QUEUE@HOST" in text
    assert "default xtbatch@HOST" not in text
