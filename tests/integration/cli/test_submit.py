"""``xtbatch submit``: through xTuple's submit functions, with checked parameters."""

from __future__ import annotations

import json

import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.integration.cli.conftest import Cli, columns


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
    params = (
        "MPS=true:bool",
        "cutoff_offset=30:int",
        "cutOffDate=2026-12-31:QDate",
        "plancode_pattern=A:B",
        "at=10:30",
        "deleteFirmed",
    )
    result = cli.run("submit", "RunMRP", *(arg for p in params for arg in ("--param", p)))

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
    columns(
        cli.row(_submitted_id(result.stdout)),
        {
            "batch_action": "Email",
            "batch_email": "to@example.com",
            "batch_fromemail": "erp@example.com",
            "batch_cc": "cc@example.com",
            "batch_bcc": "bcc@example.com",
            "batch_replyto": "r@example.com",
            "batch_subject": "Hello",
            "batch_responsebody": "<p>Hi</p>",
            "batch_emailhtml": True,
        },
    )


def _add_report(cli: Cli, name: str) -> None:
    cli.sql(
        "CREATE TABLE IF NOT EXISTS report (report_id serial PRIMARY KEY, report_name text,"
        " report_grade integer NOT NULL DEFAULT 0, report_source text)"
    )
    cli.sql("INSERT INTO report (report_name) VALUES (%(name)s)", {"name": name})


def test_submit_report_goes_through_submit_report_to_batch(cli: Cli) -> None:
    _add_report(cli, "Invoice")
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
    columns(
        cli.row(batch_id),
        {
            "batch_action": "RunReport",
            "batch_parameter": "Invoice",
            "batch_email": "ap@example.com",
            "batch_subject": "Your invoice",
            "batch_filename": "invoice.pdf",
            "batch_replyto": "r@example.com",
        },
    )
    assert _params(cli, batch_id) == [(1, "invchead_id", "42", "int")]


def test_submit_report_needs_a_report_name(cli: Cli) -> None:
    result = cli.run("submit", "RunReport", "--email", "ap@example.com")

    assert result.returncode == 2
    assert "needs --report NAME" in result.stderr


def test_submit_force_accepts_an_unknown_kind(cli: Cli) -> None:
    result = cli.run("submit", "CustomKind", "--force")

    assert result.returncode == 0
    row = cli.row(_submitted_id(result.stdout))
    assert row is not None and row["batch_action"] == "CustomKind"


def test_submit_param_needs_a_name(cli: Cli) -> None:
    result = cli.run("submit", "Ping", "--param", "=5")

    assert result.returncode == 2
    assert result.stderr.startswith("xtbatch submit: --param '=5' has no name: use NAME=VALUE")
    assert "Traceback" not in result.stderr


def _jobs(cli: Cli) -> int:
    (row,) = cli.sql("SELECT count(*) AS n FROM xtbatch.batch")
    return int(row["n"])


# Bad input refused with exit status 2, one line on stderr, and nothing submitted.
REFUSED = {
    "email_needs_a_recipient": (
        ("Email", "--subject", "Hello"),
        "xtbatch submit: An Email job needs --email ADDR (the recipient).",
    ),
    "mail_flags_for_other_kinds": (
        ("Ping", "--subject", "x", "--html"),
        "xtbatch submit: --subject, --html apply only to Email and RunReport jobs, not Ping.",
    ),
    "unknown_kind_suggests_the_known_one": (
        ("ping",),
        "xtbatch submit: xtbatch does not know the job kind 'ping'. Did you mean Ping? "
        "(--force submits it anyway.)",
    ),
    "bad_at": (
        ("Ping", "--at", "tomorrow-ish"),
        "xtbatch submit: --at 'tomorrow-ish' is not a time: use YYYY-MM-DD[ HH:MM[:SS]], "
        "'now', or an offset such as +30m, +2h, -1d.",
    ),
    "param_value_must_fit_its_type": (
        ("Ping", "--param", "n=abc:int"),
        "xtbatch submit: --param 'n=abc:int': Parameter 'n' is malformed: "
        "expected a whole number (int), got 'abc'.",
    ),
    "kind_without_its_required_parameter": (
        ("PostGLSeries",),
        "xtbatch submit: PostGLSeries: Parameter 'glseries_sequence' is missing: expected a "
        "whole number (the sequence number of a G/L series). Add --param "
        "glseries_sequence=VALUE. Nothing was submitted.",
    ),
    "value_that_does_not_fit_the_declared_type": (
        ("Ping", "--param", "seconds=soon"),
        "xtbatch submit: Ping: Parameter 'seconds' is malformed: expected a number (seconds to "
        "hold the job), got 'soon'. Nothing was submitted.",
    ),
}


@pytest.mark.parametrize(("args", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_submit_refuses_bad_input_in_one_line(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    result = cli.run("submit", *args)

    assert result.returncode == 2
    assert result.stderr == message + "\n"
    assert _jobs(cli) == 0


def test_submit_refuses_a_malformed_list_and_pattern(cli: Cli) -> None:
    levels = cli.run("submit", "UpdateReorderLevel", "--param", "period_id_list=a,b")
    mrp = cli.run("submit", "RunMRP", "--param", "plancode_pattern=(")

    assert (levels.returncode, mrp.returncode) == (2, 2)
    assert "Parameter 'period_id_list' is malformed" in levels.stderr
    assert "Parameter 'plancode_pattern' is malformed" in mrp.stderr
    assert len(levels.stderr.splitlines()) == len(mrp.stderr.splitlines()) == 1
    assert _jobs(cli) == 0


def test_submit_report_refuses_a_report_that_does_not_exist(cli: Cli) -> None:
    _add_report(cli, "Invoice")
    result = cli.run("submit", "RunReport", "--report", "Nope")

    assert result.returncode == 2
    database = conninfo_to_dict(cli.url)["dbname"]
    assert result.stderr == (
        f"xtbatch submit: Report 'Nope' does not exist in database '{database}' on "
        "127.0.0.1:5432 (report names are case-sensitive). Nothing was submitted.\n"
    )
    assert _jobs(cli) == 0


def test_submit_report_names_the_database_that_has_no_report_table(cli: Cli) -> None:
    result = cli.run("submit", "RunReport", "--report", "Nope")

    assert result.returncode == 2
    database = conninfo_to_dict(cli.url)["dbname"]
    assert result.stderr.startswith(
        f"xtbatch submit: database '{database}' on 127.0.0.1:5432 has no report table"
    )
    assert "relation" not in result.stderr and len(result.stderr.splitlines()) == 1
    assert _jobs(cli) == 0
