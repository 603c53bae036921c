"""``xtbatch status``: the status screen's rows, filters, order, colours and JSON."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios

import pytest

from tests.integration.cli.conftest import (
    ROOT,
    Cli,
    ago,
    command,
    later,
    one_line_error,
    read_terminal,
)

ANSI = re.compile(r"\x1b\[")


def data_lines(stdout: str) -> list[list[str]]:
    """The table's rows (lines that start with a job id), split into cells."""
    return [line.split() for line in stdout.splitlines() if re.match(r"^\s*\d+\s{2,}\S", line)]


def ids(stdout: str) -> list[int]:
    return [int(cells[0]) for cells in data_lines(stdout)]


def finished(cli: Cli, action: str, exitstatus: str) -> int:
    """A job scheduled and started an hour ago that completed a minute ago."""
    return cli.job(
        action,
        scheduled=ago("1 hour"),
        started=ago("1 hour"),
        completed=ago("1 minute"),
        exitstatus=exitstatus,
    )


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
    done = finished(cli, "Ping", "")

    result = cli.run("status", "--completed")

    rows = {int(cells[0]): cells for cells in data_lines(result.stdout)}
    assert rows[scheduled][5] == "Scheduled"
    assert rows[running][5] == "In-Process"
    assert rows[done][5] == "Done"
    assert len(rows[done]) == 8  # dates and times of Scheduled and Completed, no exit status


def test_status_shows_first_line_of_a_failure(cli: Cli) -> None:
    failed = finished(cli, "RunReport", "Report 'Invoice' does not exist.\nCheck the report name.")

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


@pytest.mark.parametrize(
    ("args", "shown", "title"),
    [
        (("--all",), ("mine", "hers"), "Batch jobs of every user"),
        (("--user", "alice"), ("hers",), "Batch jobs of alice"),
    ],
)
def test_status_all_or_user_chooses_whose_jobs(
    cli: Cli, args: tuple[str, ...], shown: tuple[str, ...], title: str
) -> None:
    jobs = {
        "mine": cli.job("Ping", scheduled=ago("2 hours")),
        "hers": cli.job("Ping", user="alice", scheduled=ago("1 hour")),
    }

    result = cli.run("status", *args)

    assert ids(result.stdout) == [jobs[name] for name in shown]
    assert title in result.stdout


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

    one_line_error(
        result,
        "xtbatch status: --since 'last tuesday' is not a time: use YYYY-MM-DD[ HH:MM[:SS]] "
        "or how long ago, such as 30m, 2h, 1d.",
    )
    assert result.stdout == ""


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
    failed = finished(cli, "Ping", "boom\ndetail")
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


# The status table on real terminals of every common width (issue 13): the first six columns
# keep their whole text from 80 columns up, and Exit Status gets what is left.

LONG_EXIT = (
    "Report 'Invoice' failed while rendering page 3 of 12: the query 'detail' returned a "
    "column the report does not know (cohead_number_with_a_long_suffix); fix the report."
)
TERMINAL_WIDTHS = (80, 100, 120, 160, 240)


def screen_at(cli: Cli, width: int, *args: str) -> str:
    """What ``xtbatch ARGS`` shows on a pty ``width`` columns wide, without escape codes."""
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    proc = subprocess.Popen(
        command(*args),
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=subprocess.DEVNULL,
        env={**cli.env, "TERM": "xterm-256color"},
        cwd=ROOT,
    )
    os.close(secondary)
    screen = read_terminal(main, proc)
    assert proc.returncode == 0, screen
    plain = ANSI_SEQUENCE.sub("", screen).replace("\r\n", "\n")
    return "\n".join(line.rstrip() for line in plain.splitlines())


def exit_column(screen: str) -> int:
    """Where the Exit Status column starts (its heading may wrap: 'Exit' over 'Status')."""
    lines = screen.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("──"))
    return max(line.find("Exit") for line in lines[:rule])


ANSI_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def row_lines(screen: str, batch_id: int) -> list[str]:
    """The lines of one job's row: the line that starts with its id and its continuations."""
    lines = screen.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [str(batch_id)])
    rows = [lines[start]]
    for line in lines[start + 1 :]:
        if re.match(r"^\s*\d+\s", line) or not line.startswith(" ") or not line.strip():
            break
        rows.append(line)
    return rows


def test_status_columns_are_whole_at_every_terminal_width(cli: Cli) -> None:
    jobs = {
        cli.job(
            "ServerMaintenance",
            user="admin",
            scheduled=ago("2 hours"),
            started=ago("2 hours"),
            completed=ago("1 hour"),
            exitstatus=LONG_EXIT + "\nsecond line",
        ): ("admin", "ServerMaintenance", "Done"),
        cli.job("UpdateActualCost", scheduled=ago("1 hour"), started=ago("1 hour")): (
            "postgres",
            "UpdateActualCost",
            "In-Process",
        ),
        cli.job("RunReport", scheduled=later("1 hour")): ("postgres", "RunReport", "Scheduled"),
    }
    failed = next(iter(jobs))
    for width in TERMINAL_WIDTHS:
        screen = screen_at(cli, width, "status", "--all", "--completed")
        assert all(len(line) <= width for line in screen.splitlines()), (width, screen)
        exit_at = exit_column(screen)
        assert exit_at > 0, (width, screen)
        for batch_id, (user, action, status) in jobs.items():
            fixed = row_lines(screen, batch_id)[0][:exit_at]
            assert "…" not in fixed, (width, screen)
            for cell in (str(batch_id), user, action, status):
                assert re.search(rf"(^|\s){re.escape(cell)}(\s|$)", fixed), (width, cell, screen)
            times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|\d\d-\d\d \d\d:\d\d", fixed)
            assert len(times) == (2 if status == "Done" else 1), (width, screen)
        exit_cells = "".join(line[exit_at:].strip() for line in row_lines(screen, failed))
        shown = exit_cells.rstrip("…").replace(" ", "")
        assert len(shown) >= 20, (width, screen)  # at least the start of the failure
        assert LONG_EXIT.replace(" ", "").startswith(shown), (width, exit_cells, screen)
        assert "second line" not in screen
        if width >= 160:  # wide: one line, the first line whole or cut at the right edge
            (line,) = row_lines(screen, failed)
            assert line.endswith(LONG_EXIT) or (len(line) == width and line.endswith("…"))


def test_status_exit_status_takes_the_rest_of_a_wide_terminal(cli: Cli) -> None:
    failed = cli.job(
        "Ping", started=ago("1 minute"), completed=ago("1 minute"), exitstatus=LONG_EXIT
    )
    for width in (120, 160, 240):
        screen = screen_at(cli, width, "status", "--completed")
        (line,) = row_lines(screen, failed)
        assert width - line.index("Report") >= 40, (width, screen)  # a whole line of it
        if len(LONG_EXIT) + line.index("Report") <= width:
            assert line.endswith(LONG_EXIT), (width, screen)
        else:
            assert len(line) == width and line.endswith("…"), (width, screen)


def test_status_wraps_long_names_instead_of_cutting_them_on_80_columns(cli: Cli) -> None:
    batch_id = cli.job(
        "UpdateLateCustCreditStatus",
        user="accounts_receivable",
        started=ago("1 minute"),
        completed=ago("1 minute"),
        exitstatus=LONG_EXIT,
    )
    screen = screen_at(cli, 80, "status", "--all", "--completed")
    lines = row_lines(screen, batch_id)
    assert all(len(line) <= 80 for line in screen.splitlines()), screen
    header = next(line for line in screen.splitlines() if "Run Status" in line)
    for name, following, whole in (
        ("User", "Action", "accounts_receivable"),
        ("Action", "Scheduled", "UpdateLateCustCreditStatus"),
    ):
        column = slice(header.index(name), header.index(following))
        # every character there, in order, wrapped over lines but not cut
        assert "".join(line[column].strip() for line in lines) == whole, screen
