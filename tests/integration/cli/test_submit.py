"""``xtbatch submit``: through xTuple's submit functions, with checked parameters."""

from __future__ import annotations

import json

from tests.integration.cli.conftest import Cli


def _params(cli: Cli, batch_id: int) -> list[tuple[int, str, str, str | None]]:
    rows = cli.sql(
        "SELECT batchparam_order, batchparam_name, batchparam_value, batchparam_type"
        " FROM xtbatch.batchparam WHERE batchparam_batch_id = %(id)s ORDER BY batchparam_order",
        {"id": batch_id},
    )
    return [tuple(r.values()) for r in rows]  # type: ignore[misc]


def _submitted_id(stdout: str) -> int:
    assert stdout.startswith("Submitted batch job "), stdout
    return int(stdout.split()[3])


def test_submit_action_records_job_as_the_database_user(cli: Cli) -> None:
    result = cli.run("submit", "ServerMaintenance", "--email", "dba@example.com")

    assert result.returncode == 0, result.stderr
    batch_id = _submitted_id(result.stdout)
    assert "(ServerMaintenance) for postgres, scheduled " in result.stdout
    row = cli.row(batch_id)
    assert row is not None
    assert row["batch_action"] == "ServerMaintenance"
    assert row["batch_user"] == "postgres"
    assert row["batch_email"] == "dba@example.com"
    assert row["batch_started"] is None and row["batch_scheduled"] is not None


def test_submit_records_params_in_order_with_types(cli: Cli) -> None:
    result = cli.run(
        "submit",
        "RunMRP",
        "--param",
        "MPS=true:bool",
        "--param",
        "cutoff_offset=30:int",
        "--param",
        "cutOffDate=2026-12-31:QDate",
        "--param",
        "plancode_pattern=A:B",
        "--param",
        "at=10:30",
        "--param",
        "deleteFirmed",
    )

    assert result.returncode == 0, result.stderr
    assert _params(cli, _submitted_id(result.stdout)) == [
        (1, "MPS", "true", "bool"),
        (2, "cutoff_offset", "30", "int"),
        (3, "cutOffDate", "2026-12-31", "QDate"),
        (4, "plancode_pattern", "A:B", None),
        (5, "at", "10:30", None),
        (6, "deleteFirmed", "", None),
    ]


def test_submit_at_sets_the_scheduled_time(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--at", "2030-05-01 08:15")

    row = cli.row(_submitted_id(result.stdout))
    assert row is not None
    assert str(row["batch_scheduled"]) == "2030-05-01 08:15:00"
    assert "scheduled 2030-05-01 08:15:00." in result.stdout


def test_submit_at_accepts_an_offset(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--at", "+2h")

    batch_id = _submitted_id(result.stdout)
    (ahead,) = cli.sql(
        "SELECT extract(epoch FROM batch_scheduled - localtimestamp) AS s FROM xtbatch.batch"
        " WHERE batch_id = %(id)s",
        {"id": batch_id},
    )
    assert 7100 < float(ahead["s"]) <= 7200


def test_submit_user_overrides_the_recorded_submitter(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--user", "alice")

    row = cli.row(_submitted_id(result.stdout))
    assert row is not None and row["batch_user"] == "alice"


def test_submit_json_prints_the_new_row(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--json")

    data = json.loads(result.stdout)
    assert data["batch_action"] == "Ping"
    assert cli.row(data["batch_id"]) is not None


def test_submit_email_goes_through_submit_email_to_batch(cli: Cli) -> None:
    result = cli.run(
        "submit",
        "Email",
        "--email",
        "to@example.com",
        "--from",
        "erp@example.com",
        "--cc",
        "cc@example.com",
        "--bcc",
        "bcc@example.com",
        "--reply-to",
        "r@example.com",
        "--subject",
        "Hello",
        "--body",
        "<p>Hi</p>",
        "--html",
    )

    assert result.returncode == 0, result.stderr
    row = cli.row(_submitted_id(result.stdout))
    assert row is not None
    assert (row["batch_action"], row["batch_email"], row["batch_fromemail"]) == (
        "Email",
        "to@example.com",
        "erp@example.com",
    )
    assert (row["batch_cc"], row["batch_bcc"], row["batch_replyto"]) == (
        "cc@example.com",
        "bcc@example.com",
        "r@example.com",
    )
    assert (row["batch_subject"], row["batch_responsebody"], row["batch_emailhtml"]) == (
        "Hello",
        "<p>Hi</p>",
        True,
    )


def test_submit_email_needs_a_recipient(cli: Cli) -> None:
    result = cli.run("submit", "Email", "--subject", "Hello")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "xtbatch submit: An Email job needs --email ADDR (the recipient)."
    )


def test_submit_report_goes_through_submit_report_to_batch(cli: Cli) -> None:
    result = cli.run(
        "submit",
        "RunReport",
        "--report",
        "Invoice",
        "--email",
        "ap@example.com",
        "--subject",
        "Your invoice",
        "--filename",
        "invoice.pdf",
        "--reply-to",
        "r@example.com",
        "--param",
        "invchead_id=42:int",
    )

    assert result.returncode == 0, result.stderr
    batch_id = _submitted_id(result.stdout)
    row = cli.row(batch_id)
    assert row is not None
    assert (row["batch_action"], row["batch_parameter"], row["batch_email"]) == (
        "RunReport",
        "Invoice",
        "ap@example.com",
    )
    assert (row["batch_subject"], row["batch_filename"], row["batch_replyto"]) == (
        "Your invoice",
        "invoice.pdf",
        "r@example.com",
    )
    assert _params(cli, batch_id) == [(1, "invchead_id", "42", "int")]


def test_submit_report_needs_a_report_name(cli: Cli) -> None:
    result = cli.run("submit", "RunReport", "--email", "ap@example.com")

    assert result.returncode == 2
    assert "needs --report NAME" in result.stderr


def test_submit_refuses_mail_flags_for_other_kinds(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--subject", "x", "--html")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "xtbatch submit: --subject, --html apply only to Email and RunReport jobs, not Ping."
    )
    assert cli.sql("SELECT count(*) AS n FROM xtbatch.batch") == [{"n": 0}]


def test_submit_unknown_kind_suggests_the_known_one(cli: Cli) -> None:
    result = cli.run("submit", "ping")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "xtbatch submit: xtbatch does not know the job kind 'ping'. Did you mean Ping? "
        "(--force submits it anyway.)"
    )
    assert cli.sql("SELECT count(*) AS n FROM xtbatch.batch") == [{"n": 0}]


def test_submit_force_accepts_an_unknown_kind(cli: Cli) -> None:
    result = cli.run("submit", "CustomKind", "--force")

    assert result.returncode == 0
    row = cli.row(_submitted_id(result.stdout))
    assert row is not None and row["batch_action"] == "CustomKind"


def test_submit_bad_at_is_one_line_error(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--at", "tomorrow-ish")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "xtbatch submit: --at 'tomorrow-ish' is not a time: use YYYY-MM-DD[ HH:MM[:SS]], "
        "'now', or an offset such as +30m, +2h, -1d."
    ]
    assert cli.sql("SELECT count(*) AS n FROM xtbatch.batch") == [{"n": 0}]


def test_submit_param_value_must_fit_its_type(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--param", "n=abc:int")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "xtbatch submit: --param 'n=abc:int': Parameter 'n' is malformed: "
        "expected a whole number (int), got 'abc'."
    )
    assert cli.sql("SELECT count(*) AS n FROM xtbatch.batch") == [{"n": 0}]


def test_submit_param_needs_a_name(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--param", "=5")

    assert result.returncode == 2
    assert result.stderr.startswith("xtbatch submit: --param '=5' has no name: use NAME=VALUE")
    assert "Traceback" not in result.stderr
