"""``xtbatch.cli.console.progress``: a bar on a terminal, one summary line in a log."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import textwrap

from tests.integration.cli.conftest import ROOT, read_terminal

SCRIPT = textwrap.dedent(
    """
    from xtbatch.cli.console.progress import progress, track
    total = sum(track(range(5), "Counting"))
    print("sum", total)
    with progress("Submitting", total=3) as step:
        for _ in range(3):
            step.advance()
    with progress("Breaking") as step:
        step.advance(2)
        raise SystemExit(3)
    """
)


def test_progress_without_a_terminal_logs_one_line_per_step() -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=30
    )

    assert result.returncode == 3
    assert result.stdout == "sum 10\n"
    lines = result.stderr.splitlines()
    assert [line.rsplit(" in ", 1)[0] for line in lines] == [
        "Counting: done 5/5",
        "Submitting: done 3/3",
        "Breaking: stopped 2",
    ]
    assert "\x1b[" not in result.stderr


def test_progress_on_a_terminal_draws_a_bar() -> None:
    main, secondary = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        cwd=ROOT,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
    )
    os.close(secondary)
    screen = read_terminal(main, proc)
    assert proc.returncode == 3
    assert "Counting" in screen and "5/5" in screen
    assert "Submitting" in screen and "3/3" in screen
    assert "━" in screen
