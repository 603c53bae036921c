"""``xtbatch show ID``: the whole row, its parameters, full exit status and attempts."""

from __future__ import annotations

import json

from tests.integration.cli.conftest import Cli, ago


def _attempt(cli: Cli, batch_id: int, state: str, worker: str, seconds: int, detail: str) -> None:
    cli.sql(
        "INSERT INTO xtbatch_mgr.attempt (task_id, batch_id, batch_action, state, worker,"
        " started_at, ended_at, detail)"
        " VALUES (gen_random_uuid(), %(id)s, 'RunReport', %(state)s, %(worker)s,"
        " clock_timestamp() - make_interval(secs => %(secs)s), clock_timestamp(), %(detail)s)",
        {"id": batch_id, "state": state, "worker": worker, "secs": seconds, "detail": detail},
    )


def _failed_report(cli: Cli) -> int:
    batch_id = cli.job(
        "RunReport",
        parameter="Invoice",
        email="ap@example.com",
        scheduled=ago("1 hour"),
        started=ago("1 hour"),
        completed=ago("1 minute"),
        exitstatus="Report 'Invoice' failed.\nline two of the detail\nline three",
    )
    cli.sql(
        "INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, batchparam_name,"
        " batchparam_value, batchparam_type) VALUES"
        " (%(id)s, 1, 'invchead_id', '42', 'int'), (%(id)s, 2, 'title', 'Copy', NULL)",
        {"id": batch_id},
    )
    _attempt(cli, batch_id, "interrupted", "celery@alpha", 5, "the worker stopped")
    _attempt(cli, batch_id, "failed", "celery@beta", 75, "Report 'Invoice' failed.\nmore")
    return batch_id


def test_show_prints_whole_row(cli: Cli) -> None:
    batch_id = _failed_report(cli)

    result = cli.run("show", str(batch_id))

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Batch job {batch_id} · RunReport · Done (failed)")
    for column, value in (
        ("batch_id", str(batch_id)),
        ("batch_action", "RunReport"),
        ("batch_parameter", "Invoice"),
        ("batch_user", "postgres"),
        ("batch_email", "ap@example.com"),
        ("batch_reschedinterval", "N"),
        ("batch_emailhtml", "False"),
    ):
        assert any(line.split() == [column, value] for line in result.stdout.splitlines()), column
    assert "batch_recurring_batch_id" in result.stdout


def test_show_lists_parameters_in_order(cli: Cli) -> None:
    batch_id = _failed_report(cli)

    lines = cli.run("show", str(batch_id)).stdout.splitlines()

    start = lines.index("Parameters")
    assert lines[start + 1].split() == ["#", "Name", "Value", "Type"]
    assert lines[start + 2].split() == ["1", "invchead_id", "42", "int"]
    assert lines[start + 3].split() == ["2", "title", "Copy"]


def test_show_prints_the_full_exit_status(cli: Cli) -> None:
    batch_id = _failed_report(cli)

    stdout = cli.run("show", str(batch_id)).stdout

    block = stdout.split("Exit Status:\n", 1)[1]
    assert block.startswith("  Report 'Invoice' failed.\n  line two of the detail\n  line three\n")


def test_show_lists_attempts_with_worker_duration_and_outcome(cli: Cli) -> None:
    batch_id = _failed_report(cli)

    lines = cli.run("show", str(batch_id)).stdout.splitlines()

    start = lines.index("Attempts")
    assert lines[start + 1].split() == ["#", "Worker", "Started", "Ended", "Duration", "Outcome"]
    first, second = lines[start + 2], lines[start + 3]
    assert "celery@alpha" in first and "5.0 s" in first
    assert first.endswith("interrupted: the worker stopped")
    assert "celery@beta" in second and "1 min 15 s" in second
    assert second.endswith("failed: Report 'Invoice' failed.")


def test_show_scheduled_job_without_params_or_attempts(cli: Cli) -> None:
    batch_id = cli.job("Ping")

    result = cli.run("show", str(batch_id))

    assert result.returncode == 0
    assert result.stdout.startswith(f"Batch job {batch_id} · Ping · Scheduled\n")
    assert "Parameters: none" in result.stdout
    assert "(not completed)" in result.stdout
    assert "Attempts: none" in result.stdout


def test_show_successful_job(cli: Cli) -> None:
    batch_id = cli.job("Ping", started=ago("1 minute"), completed=ago("1 minute"), exitstatus="")

    stdout = cli.run("show", str(batch_id)).stdout

    assert stdout.startswith(f"Batch job {batch_id} · Ping · Done\n")
    assert "Succeeded (empty exit status)" in stdout


def test_show_json(cli: Cli) -> None:
    batch_id = _failed_report(cli)

    result = cli.run("show", str(batch_id), "--json")

    data = json.loads(result.stdout)
    assert data["job"]["batch_id"] == batch_id
    assert data["job"]["failed"] is True
    assert data["job"]["batch_exitstatus"].count("\n") == 2
    assert [p["batchparam_name"] for p in data["params"]] == ["invchead_id", "title"]
    assert [a["state"] for a in data["attempts"]] == ["interrupted", "failed"]
    assert data["attempts"][1]["seconds"] > 70


def test_show_unknown_id_is_one_line_error(cli: Cli) -> None:
    result = cli.run("show", "4242")

    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("xtbatch show: No batch job has id 4242 in database ")


def test_show_non_numeric_id_is_a_usage_error(cli: Cli) -> None:
    result = cli.run("show", "abc")

    assert result.returncode == 2
    assert "invalid int value: 'abc'" in result.stderr
