"""Failures an administrator meets read as one line and a non-zero exit, never a traceback
(unless --debug)."""

from __future__ import annotations

import subprocess

import pytest

from tests.integration.cli.conftest import cli_env, command, run_command, url_for

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_command(command(*args), cli_env(url))


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ("status",),
        ("status", "--watch"),
        ("show", "1"),
        ("submit", "Ping"),
        ("retry", "1"),
        ("reschedule", "1", "now"),
        ("cancel", "1"),
    ],
    ids=lambda a: " ".join(a),
)
def test_unreachable_database_is_one_line(args: tuple[str, ...]) -> None:
    line = one_line(run(UNREACHABLE, *args))

    assert line.startswith(
        f"xtbatch {args[0]}: Cannot connect to database 'postgres' on 127.0.0.1:1: "
    )
    assert "refused" in line


def test_missing_database_is_one_line(cli_template: str) -> None:
    line = one_line(run(url_for("xtbatch_test_cli_does_not_exist"), "status"))

    assert 'database "xtbatch_test_cli_does_not_exist" does not exist' in line


def test_unparseable_url_is_one_line() -> None:
    line = one_line(run("this is not a url", "status"))

    assert line.startswith(
        "xtbatch status: XTBATCH_DATABASE_URL (or --database-url) is not a valid PostgreSQL "
        "connection string: "
    )


def test_wrong_scheme_on_the_command_line_is_one_line() -> None:
    result = run(UNREACHABLE, "status", "--database-url", "mysql://db.example.com/erp")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "must be a postgresql:// URL or a libpq key=value string" in result.stderr


def test_password_is_not_shown(cli_template: str) -> None:
    line = one_line(run("postgresql://erp:s3cret@127.0.0.1:1/erp", "status"))

    assert "s3cret" not in line


def test_database_without_xtbatch_says_run_install(bare_db: str) -> None:
    line = one_line(run(bare_db, "status"))

    assert line.startswith("xtbatch status: xtbatch is not installed in database ")
    assert line.endswith(": run 'xtbatch install'.")


def test_debug_shows_the_traceback() -> None:
    result = run(UNREACHABLE, "status", "--debug")

    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "DatabaseUnavailable" in result.stderr


def test_wrong_scheme_in_the_environment_names_the_variable() -> None:
    result = run("mysql://db.example.com/erp", "status")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "xtbatch status: Invalid configuration:",
        "  XTBATCH_DATABASE_URL=mysql://db.example.com/erp: must be a postgresql:// URL or a "
        "libpq key=value string",
    ]
