"""The CLI as an administrator runs it: ``python -m xtbatch …`` in a subprocess, against a
real PostgreSQL database of its own per test (cloned from one where ``xtbatch install`` ran).

The databases come from the one factory of tests/conftest.py (``databases``).
"""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from tests import harness
from tests.conftest import PG_URL, Databases, database_url

ROOT = Path(__file__).resolve().parents[3]
RUN_TIMEOUT = 30


def url_for(dbname: str) -> str:
    return database_url(PG_URL, dbname)


def cli_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a CLI run: no XTBATCH_* leaking from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "COLUMNS"):
        env.pop(name, None)
    env.update(
        XTBATCH_DATABASE_URL=database_url,
        XTBATCH_LOG_FORMAT="text",
        XTBATCH_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "xtbatch", *args]


def run_command(
    argv: list[str], env: dict[str, str], stdin: str | None = None, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in the checkout to the end (a non-zero exit raises nothing); stdout and
    stderr captured as text."""
    return subprocess.run(
        argv, input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout
    )


@dataclass
class Cli:
    """One test's database and the CLI pointed at it."""

    url: str
    env: dict[str, str]
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def run(
        self, *args: str, stdin: str | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run ``xtbatch ARGS`` to the end; stdout and stderr captured as text."""
        result = run_command(
            command(*args), {**self.env, **env}, stdin if stdin is not None else ""
        )
        self.runs.append(result)
        return result

    def sql(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def job(self, action: str = "Ping", *, user: str = "postgres", **columns: Any) -> int:
        """Insert a batch row directly (any state), as the ERP or a worker would leave it.

        ``columns`` are batch columns without the ``batch_`` prefix; times may be SQL
        expressions given as ``sql.SQL`` or Python datetimes.
        """
        values: dict[str, Any] = {"action": action, "user": user, **columns}
        names = [sql.Identifier(f"batch_{k}") for k in values]
        placeholders = [
            v if isinstance(v, sql.Composable) else sql.Placeholder(k) for k, v in values.items()
        ]
        query = sql.SQL("INSERT INTO xtbatch.batch ({}) VALUES ({}) RETURNING batch_id").format(
            sql.SQL(", ").join(names), sql.SQL(", ").join(placeholders)
        )
        params = {k: v for k, v in values.items() if not isinstance(v, sql.Composable)}
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(query, params).fetchone()
        assert row is not None
        return int(row[0])

    def row(self, batch_id: int) -> dict[str, Any] | None:
        rows = self.sql("SELECT * FROM xtbatch.batch WHERE batch_id = %(id)s", {"id": batch_id})
        return rows[0] if rows else None


def one_line_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    """The run was refused with exit status 2 and said ``message`` on stderr, on one line."""
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [message]


def columns(row: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    """``row`` (a batch row) exists and has the ``expected`` values in those columns."""
    assert row is not None
    assert {name: row[name] for name in expected} == expected


def ago(text: str) -> sql.SQL:
    """A batch time relative to the database's clock, e.g. ago('2 hours')."""
    return sql.SQL("localtimestamp - interval {}").format(sql.Literal(text))


def later(text: str) -> sql.SQL:
    return sql.SQL("localtimestamp + interval {}").format(sql.Literal(text))


@pytest.fixture(scope="session")
def cli_template(databases: Databases) -> Iterator[str]:
    """A database where ``xtbatch install`` ran; each test clones it."""
    with databases.scratch("cli_tpl") as name:
        result = run_command(command("install"), cli_env(databases.url(name)))
        assert result.returncode == 0, result.stderr
        assert "Installed into database" in result.stdout
        yield name


@pytest.fixture
def cli(cli_template: str, databases: Databases) -> Iterator[Cli]:
    """A scratch database of this test's own, with xtbatch installed."""
    with databases.scratch("cli", template=cli_template, background_drop=True) as name:
        yield Cli(url=databases.url(name), env=cli_env(databases.url(name)))


@pytest.fixture
def bare_db(databases: Databases) -> Iterator[str]:
    """A scratch database where xtbatch is not installed."""
    with databases.scratch("cli", background_drop=True) as name:
        yield databases.url(name)


def read_terminal(fd: int, proc: subprocess.Popen[Any], timeout: float = 20.0) -> str:
    """Everything a process writes to the pty whose main side is ``fd``, until it exits.

    Fails after ``timeout`` seconds, showing what it had read.
    """
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other side closed: the process ended
                break
            if not chunk:
                break
            chunks.append(chunk)
        else:
            proc.kill()
            pytest.fail(f"no end within {timeout} s; read:\n{b''.join(chunks).decode()}")
    finally:
        os.close(fd)
    proc.wait(timeout=timeout)
    return b"".join(chunks).decode(errors="replace")


class Watcher:
    """A long-running ``xtbatch … --watch`` whose stdout is collected as it arrives."""

    def __init__(self, cli: Cli, *args: str) -> None:
        self.proc = subprocess.Popen(
            command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli.env,
            cwd=ROOT,
        )
        self._out: list[str] = []
        self._lock = threading.Lock()
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            with self._lock:
                self._out.append(line)

    @property
    def output(self) -> str:
        with self._lock:
            return "".join(self._out)

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 10.0) -> int:
        """Wait until ``text`` appears in the output past offset ``after``; its offset.

        Polls every 20 ms up to ``timeout`` seconds, then fails showing what it saw.
        """

        def seen() -> tuple[int] | str | None:
            found = self.output.find(text, after)
            if found >= 0:
                return (found,)  # a tuple: offset 0 is found too
            return "exited" if self.proc.poll() is not None else None

        with contextlib.suppress(AssertionError):  # timed out: fail below with the output
            result = harness.wait_for(seen, timeout, f"{text!r} in the output")
            if isinstance(result, tuple):
                return result[0]
        stderr = (
            self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
        )
        pytest.fail(
            f"{text!r} did not appear within {timeout} s (exit code {self.proc.poll()}).\n"
            f"stdout:\n{self.output}\nstderr:\n{stderr}"
        )

    def stop(self, signum: int, timeout: float = 10.0) -> tuple[int, str]:
        """Send ``signum``; the exit code and stderr once it ended."""
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.close()
            pytest.fail(f"the watch did not exit within {timeout} s of signal {signum}")
        self._reader.join(timeout=timeout)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()

    def close(self) -> None:
        """Kill it if still running and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(timeout=5)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def watcher(cli: Cli) -> Iterator[Any]:
    """Start ``xtbatch ARGS`` (a --watch) on this test's database; killed after the test."""
    started: list[Watcher] = []

    def start(*args: str) -> Watcher:
        w = Watcher(cli, *args)
        started.append(w)
        return w

    yield start
    for w in started:
        w.close()
