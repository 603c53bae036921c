"""``retry``, ``reschedule`` and ``cancel`` with the xTuple Connect Console's semantics."""

from __future__ import annotations

import os
import pty
import subprocess

from tests.integration.cli.conftest import ROOT, Cli, ago, command, later, one_line_error


def _done(cli: Cli, exitstatus: str = "failed once") -> int:
    return cli.job(
        "Ping",
        scheduled=ago("2 hours"),
        started=ago("2 hours"),
        completed=ago("1 hour"),
        exitstatus=exitstatus,
    )


def _count(cli: Cli) -> int:
    return int(cli.sql("SELECT count(*) AS n FROM xtbatch.batch")[0]["n"])


def test_retry_makes_a_completed_job_due_now(cli: Cli) -> None:
    batch_id = _done(cli)

    result = cli.run("retry", str(batch_id))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Batch job {batch_id} (Ping) will run again as soon as possible.\n"
    (row,) = cli.sql(
        "SELECT batch_started, batch_completed,"
        " abs(extract(epoch FROM batch_scheduled - localtimestamp)) < 60 AS now"
        " FROM xtbatch.batch WHERE batch_id = %(id)s",
        {"id": batch_id},
    )
    assert row == {"batch_started": None, "batch_completed": None, "now": True}


def test_retry_refuses_jobs_not_completed_and_changes_nothing(cli: Cli) -> None:
    done = _done(cli)
    waiting = cli.job("Ping", scheduled=later("1 hour"))
    running = cli.job("Ping", started=ago("1 minute"))

    result = cli.run("retry", str(done), str(waiting), str(running))

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"xtbatch retry: Only completed jobs can be retried: {waiting} is Scheduled, "
        f"{running} is In-Process. Nothing was changed."
    )
    row = cli.row(done)
    assert row is not None and row["batch_completed"] is not None


def test_retry_unknown_id_is_one_line_error(cli: Cli) -> None:
    result = cli.run("retry", "777")

    assert result.returncode == 2
    assert result.stderr.startswith("xtbatch retry: No batch job has id 777 in database ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_reschedule_sets_time_and_clears_started_and_completed(cli: Cli) -> None:
    batch_id = _done(cli)

    result = cli.run("reschedule", str(batch_id), "2031-02-03 04:05:06")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Batch job {batch_id} (Ping) rescheduled for 2031-02-03 04:05:06.\n"
    row = cli.row(batch_id)
    assert row is not None
    assert str(row["batch_scheduled"]) == "2031-02-03 04:05:06"
    assert row["batch_started"] is None and row["batch_completed"] is None


def test_reschedule_of_a_running_job_warns(cli: Cli) -> None:
    batch_id = cli.job("Ping", started=ago("1 minute"))

    result = cli.run("reschedule", str(batch_id), "now")

    assert result.returncode == 0
    assert "is running now; that run's outcome will not be recorded" in result.stderr


def test_reschedule_bad_time_is_one_line_error(cli: Cli) -> None:
    batch_id = cli.job("Ping")

    result = cli.run("reschedule", str(batch_id), "soonish")

    one_line_error(
        result,
        "xtbatch reschedule: TIME 'soonish' is not a time: use YYYY-MM-DD[ HH:MM[:SS]], "
        "'now', or an offset such as +30m, +2h, -1d.",
    )


def test_reschedule_unknown_id_is_one_line_error(cli: Cli) -> None:
    result = cli.run("reschedule", "555", "now")

    assert result.returncode == 2
    assert result.stderr.startswith("xtbatch reschedule: No batch job has id 555 in database ")


def test_cancel_one_job_needs_no_confirmation(cli: Cli) -> None:
    batch_id = cli.job("Ping")
    other = cli.job("Ping")

    result = cli.run("cancel", str(batch_id))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Cancelled batch job {batch_id} (Ping, was Scheduled).\n"
    assert cli.row(batch_id) is None
    assert cli.row(other) is not None


def test_cancel_running_job_says_its_worker_stops_it(cli: Cli) -> None:
    batch_id = cli.job("Ping", started=ago("1 minute"))

    result = cli.run("cancel", str(batch_id))

    assert "was In-Process; its worker stops it" in result.stdout
    assert cli.row(batch_id) is None


def test_cancel_several_without_a_terminal_needs_yes(cli: Cli) -> None:
    first, second = cli.job("Ping"), cli.job("Ping")

    result = cli.run("cancel", str(first), str(second))

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "xtbatch cancel: Cancelling 2 jobs needs confirmation: add --yes to cancel them "
        "without asking."
    )
    assert _count(cli) == 2


def test_cancel_several_with_yes(cli: Cli) -> None:
    first, second, kept = cli.job("Ping"), _done(cli), cli.job("Ping")

    result = cli.run("cancel", "--yes", str(first), str(second))

    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        f"Cancelled batch job {first} (Ping, was Scheduled).",
        f"Cancelled batch job {second} (Ping, was Done).",
    ]
    assert [r["batch_id"] for r in cli.sql("SELECT batch_id FROM xtbatch.batch")] == [kept]


def test_cancel_with_an_unknown_id_cancels_nothing(cli: Cli) -> None:
    batch_id = cli.job("Ping")

    result = cli.run("cancel", "--yes", str(batch_id), "999")

    assert result.returncode == 2
    assert result.stderr.startswith("xtbatch cancel: No batch job has id 999 in database ")
    assert cli.row(batch_id) is not None


def _cancel_on_terminal(cli: Cli, answer: str, *ids: int) -> tuple[int, str]:
    main, secondary = pty.openpty()
    os.write(main, answer.encode() + b"\n")
    proc = subprocess.Popen(
        command("cancel", *map(str, ids)),
        stdin=secondary,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=cli.env,
        cwd=ROOT,
        text=True,
    )
    os.close(secondary)
    try:
        out, _ = proc.communicate(timeout=20)
    finally:
        os.close(main)
    return proc.returncode, out


def test_cancel_several_asks_on_a_terminal_and_yes_cancels(cli: Cli) -> None:
    first, second = cli.job("Ping"), cli.job("ServerMaintenance")

    code, out = _cancel_on_terminal(cli, "y", first, second)

    assert code == 0, out
    assert (
        f"Cancel 2 jobs: {first} (Ping, Scheduled), {second} (ServerMaintenance, Scheduled)?" in out
    )
    assert _count(cli) == 0


def test_cancel_several_asks_on_a_terminal_and_no_keeps_them(cli: Cli) -> None:
    first, second = cli.job("Ping"), cli.job("Ping")

    code, out = _cancel_on_terminal(cli, "n", first, second)

    assert code == 1
    assert out.endswith("Nothing cancelled.\n")
    assert _count(cli) == 2
