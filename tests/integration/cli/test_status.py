"""``xtbatch status``: the status screen's rows, filters, order, colours and JSON."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess

from tests.integration.cli.conftest import ROOT, Cli, ago, command, later, read_terminal

ANSI = re.compile(r"\x1b\[")


def data_lines(stdout: str) -> list[list[str]]:
    """The table's rows (lines that start with a job id), split into cells."""
    return [line.split() for line in stdout.splitlines() if re.match(r"^\s*\d+\s{2,}\S", line)]


def ids(stdout: str) -> list[int]:
    return [int(cells[0]) for cells in data_lines(stdout)]


def test_status_lists_own_unfinished_jobs_in_scheduled_order(cli: Cli) -> None:
    late = cli.job("Ping", scheduled=later("1 hour"))
    early = cli.job("ServerMaintenance", scheduled=ago("2 hours"))
    asap = cli.job("Ping", scheduled=None)
    middle = cli.job("RunReport", scheduled=ago("1 hour"), parameter="Invoice")
    cli.job("Ping", user="alice", scheduled=ago("3 hours"))
    cli.job("Ping", scheduled=ago("4 hours"), started=ago("4 hours"), completed=ago("3 hours"))

    result = cli.run("status")

    assert result.returncode == 0, result.stderr
    assert ids(result.stdout) == [early, middle, late, asap]
    header = next(line for line in result.stdout.splitlines() if "Run Status" in line)
    assert header.split() == [
        "ID",
        "User",
        "Action",
        "Scheduled",
        "Run",
        "Status",
        "Completed",
        "Exit",
        "Status",
    ]
    assert "Batch jobs of postgres: jobs not completed" in result.stdout
    assert "4 jobs" in result.stdout


def test_status_orders_equal_schedules_by_id(cli: Cli) -> None:
    first = cli.job("Ping", scheduled=ago("1 hour"))
    second = cli.job("Ping", scheduled=ago("1 hour"))
    cli.sql("UPDATE xtbatch.batch SET batch_scheduled = '2026-01-01 10:00'")

    assert ids(cli.run("status").stdout) == [first, second]


def test_status_renders_each_run_status(cli: Cli) -> None:
    scheduled = cli.job("Ping", scheduled=ago("3 hours"))
    running = cli.job("Ping", scheduled=ago("2 hours"), started=ago("2 hours"))
    done = cli.job(
        "Ping",
        scheduled=ago("1 hour"),
        started=ago("1 hour"),
        completed=ago("1 minute"),
        exitstatus="",
    )

    result = cli.run("status", "--completed")

    rows = {int(cells[0]): cells for cells in data_lines(result.stdout)}
    assert rows[scheduled][5] == "Scheduled"
    assert rows[running][5] == "In-Process"
    assert rows[done][5] == "Done"
    assert len(rows[done]) == 8  # dates and times of Scheduled and Completed, no exit status


def test_status_shows_first_line_of_a_failure(cli: Cli) -> None:
    failed = cli.job(
        "RunReport",
        scheduled=ago("1 hour"),
        started=ago("1 hour"),
        completed=ago("1 minute"),
        exitstatus="Report 'Invoice' does not exist.\nCheck the report name.",
    )

    result = cli.run("status", "--completed")

    line = next(line for line in result.stdout.splitlines() if line.split()[:1] == [str(failed)])
    assert line.endswith("Report 'Invoice' does not exist.")
    assert "Check the report name" not in result.stdout
    assert "1 job, 1 failed" in result.stdout


def test_status_hides_completed_jobs_unless_asked(cli: Cli) -> None:
    open_job = cli.job("Ping")
    done = cli.job("Ping", started=ago("1 minute"), completed=ago("1 minute"))

    assert ids(cli.run("status").stdout) == [open_job]
    assert sorted(ids(cli.run("status", "--completed").stdout)) == [open_job, done]


def test_status_all_shows_every_user(cli: Cli) -> None:
    mine = cli.job("Ping", scheduled=ago("2 hours"))
    hers = cli.job("Ping", user="alice", scheduled=ago("1 hour"))

    result = cli.run("status", "--all")

    assert ids(result.stdout) == [mine, hers]
    assert "Batch jobs of every user" in result.stdout


def test_status_user_shows_one_user(cli: Cli) -> None:
    cli.job("Ping")
    hers = cli.job("Ping", user="alice")

    result = cli.run("status", "--user", "alice")

    assert ids(result.stdout) == [hers]
    assert "Batch jobs of alice" in result.stdout


def test_status_user_and_all_are_exclusive(cli: Cli) -> None:
    result = cli.run("status", "--user", "alice", "--all")

    assert result.returncode == 2
    assert "not allowed with argument" in result.stderr


def test_status_kind_filters_by_action(cli: Cli) -> None:
    cli.job("Ping")
    report = cli.job("RunReport", parameter="Invoice")

    result = cli.run("status", "--kind", "runreport")

    assert ids(result.stdout) == [report]


def test_status_since_keeps_recent_jobs(cli: Cli) -> None:
    cli.job("Ping", submitted=ago("3 days"), scheduled=ago("3 days"))
    recent = cli.job("Ping", submitted=ago("1 hour"), scheduled=ago("1 hour"))

    assert ids(cli.run("status", "--since", "1d").stdout) == [recent]
    assert ids(cli.run("status", "--since=-1d").stdout) == [recent]
    assert len(ids(cli.run("status", "--since", "2000-01-01").stdout)) == 2


def test_status_bad_since_is_one_line_error(cli: Cli) -> None:
    result = cli.run("status", "--since", "last tuesday")

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "xtbatch status: --since 'last tuesday' is not a time: use YYYY-MM-DD[ HH:MM[:SS]] "
        "or how long ago, such as 30m, 2h, 1d."
    ]


def test_status_bad_limit_is_refused(cli: Cli) -> None:
    result = cli.run("status", "--limit", "0")

    assert result.returncode == 2
    assert "--limit 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_with_no_jobs_says_so(cli: Cli) -> None:
    result = cli.run("status")

    assert result.returncode == 0
    assert "Batch jobs of postgres: jobs not completed: no jobs." in result.stdout
    assert "0 jobs" in result.stdout


def test_status_json_gives_every_field_for_scripts(cli: Cli) -> None:
    failed = cli.job(
        "Ping",
        scheduled=ago("1 hour"),
        started=ago("1 hour"),
        completed=ago("1 minute"),
        exitstatus="boom\ndetail",
    )
    waiting = cli.job("Ping", scheduled=later("1 hour"))

    result = cli.run("status", "--completed", "--json")

    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert [r["batch_id"] for r in rows] == [failed, waiting]
    assert rows[0]["run_status"] == "Done"
    assert rows[0]["failed"] is True
    assert rows[0]["batch_exitstatus"] == "boom\ndetail"
    assert rows[1]["run_status"] == "Scheduled"
    assert rows[1]["failed"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", rows[1]["batch_scheduled"])


def test_status_piped_output_has_no_escape_codes(cli: Cli) -> None:
    cli.job("Ping", started=ago("1 minute"), completed=ago("1 minute"), exitstatus="failed")

    result = cli.run("status", "--completed", FORCE_COLOR="1", TERM="xterm-256color")

    assert result.returncode == 0
    assert "failed" in result.stdout
    assert not ANSI.search(result.stdout)
    assert all(line == line.rstrip() for line in result.stdout.splitlines())


def test_status_colours_failures_red_on_a_terminal(cli: Cli) -> None:
    cli.job("Ping", started=ago("1 minute"), completed=ago("1 minute"), exitstatus="it broke")
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        command("status", "--completed"),
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env={**cli.env, "TERM": "xterm-256color", "COLUMNS": "160"},
        cwd=ROOT,
    )
    os.close(secondary)
    screen = read_terminal(main, proc)
    assert proc.returncode == 0
    assert "\x1b[31mit broke" in screen or "\x1b[1;31mDone" in screen, screen
