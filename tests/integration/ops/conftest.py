"""Fixtures for the operations tests: a database of their own, Redis db 12, real processes.

Each test gets ``xtbatch_test_ops_<random>`` from the factory of tests/conftest.py, cloned
from a template installed once with ``xtbatch install``, and its own queue
``xtbatch.test.ops.<random>``; both are removed at the end. Processes the tests start are
stopped by PID: SIGTERM, then SIGKILL after a deadline.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import redis
from psycopg.rows import dict_row

from tests.conftest import Databases
from tests.harness import wait_for
from xtbatch.cli.sample import sample_sql

# db 12 of the shared Redis; the embedded one (XTBATCH_TEST_BROKER_URL) where none answers.
BROKER_URL = (
    os.environ["XTBATCH_TEST_BROKER_URL"]
    if os.environ.get("XTBATCH_TEST_BROKER_URL", "").startswith("redis+socket")
    else "redis://127.0.0.1:6379/12"
)
STOP_SECONDS = 15.0
# The sample of xTuple's schema the demo installs: metric (BatchManagerPurgeDays) and the
# system messages that tell a submitter about the job.
SAMPLE = sample_sql("xtuple_messages.sql")


def base_env(**extra: str) -> dict[str, str]:
    """This process's environment without any XTBATCH_* variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    env.update(XTBATCH_LOG_FORMAT="text", XTBATCH_LOG_LEVEL="INFO", **extra)
    return env


def xtbatch(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run ``xtbatch ARGS`` to the end."""
    return subprocess.run(
        [sys.executable, "-m", "xtbatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def ops_template(databases: Databases) -> Iterator[str]:
    """A sample ERP database (xtuple_messages.sql) installed with ``xtbatch install``: the
    template of every test database."""
    with databases.scratch("ops_tpl", setup=[SAMPLE]) as name:
        done = xtbatch("install", env=base_env(XTBATCH_DATABASE_URL=databases.url(name)))
        assert done.returncode == 0, done.stderr
        yield name


@dataclass
class OpsDb:
    name: str
    url: str

    def connect(self) -> psycopg.Connection[dict[str, object]]:
        return psycopg.connect(self.url, autocommit=True, row_factory=dict_row)

    def rows(self, query: str, params: dict[str, object] | None = None) -> list[dict[str, object]]:
        with self.connect() as conn:
            return conn.execute(query.encode(), params).fetchall()


@pytest.fixture
def ops_db(databases: Databases, ops_template: str) -> Iterator[OpsDb]:
    """This test's own database, with xtbatch installed."""
    with databases.scratch("ops", template=ops_template) as name:
        yield OpsDb(name=name, url=databases.url(name))


@pytest.fixture
def ops_empty_db(databases: Databases) -> Iterator[OpsDb]:
    """A database of its own with nothing installed."""
    with databases.scratch("ops") as name:
        yield OpsDb(name=name, url=databases.url(name))


@pytest.fixture
def ops_queue() -> Iterator[str]:
    """A queue name of its own on Redis db 12; its keys are deleted at the end."""
    queue = f"xtbatch.test.ops.{uuid.uuid4().hex[:10]}"
    yield queue
    client = redis.Redis.from_url(BROKER_URL.replace("redis+socket://", "unix://"))
    try:
        keys = [queue, *client.scan_iter(match=f"*{queue}*")]  # the queue and its bindings
        client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def ops_env(ops_db: OpsDb, ops_queue: str) -> dict[str, str]:
    """Environment for xtbatch processes serving this test's database on its own queue."""
    return base_env(
        XTBATCH_DATABASE_URL=ops_db.url,
        XTBATCH_BROKER_URL=BROKER_URL,
        XTBATCH_QUEUE=ops_queue,
        XTBATCH_WORKER_HEARTBEAT_SECONDS="2",
        XTBATCH_HEARTBEAT_SECONDS="1",
        XTBATCH_KEEPALIVE_SECONDS="5",
    )


@dataclass
class Processes:
    """xtbatch processes this test started, each logging to its own file."""

    folder: Path
    started: list[tuple[subprocess.Popen[bytes], Path]] = field(default_factory=list)

    def start(self, name: str, *args: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.folder / f"{name}-{len(self.started)}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "xtbatch", *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((proc, log))
        return proc

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')}" for _, log in self.started
        )

    def stop(self, proc: subprocess.Popen[bytes]) -> int:
        """SIGTERM, wait, then SIGKILL the process group (a worker's pool child too)."""
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # a pool child left behind by its parent
        return proc.returncode

    def stop_all(self) -> None:
        for proc, _ in reversed(self.started):
            self.stop(proc)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(folder=tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


__all__ = ["BROKER_URL", "OpsDb", "Processes", "base_env", "wait_for", "xtbatch"]
