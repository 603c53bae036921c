"""Fixtures on real services: PostgreSQL and Redis (RabbitMQ where the broker matters).

Where PostgreSQL or Redis is not reachable, the session starts the embedded ones the demo
uses. Each test gets its own database, cloned from a migrated template, and its own queue.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.harness import Db, Stack
from xtbatch.cli import embedded
from xtbatch.cli.sample import sample_sql
from xtbatch.install import install

PG_URL = os.environ.get(
    "XTBATCH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("XTBATCH_TEST_BROKER_URL", "redis://127.0.0.1:6379/1")
RABBIT_URL = os.environ.get("XTBATCH_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
# xTuple's report and metasql tables, for the tests that render reports.
XTUPLE_REPORTS = Path(__file__).parent / "fixtures" / "xtuple_reports.sql"
# xTuple Connect's schema and batch tables, for the tests of an install over Connect.
CONNECT_TABLES = Path(__file__).parent / "fixtures" / "xtuple_connect_tables.sql"


def _pg_reachable(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _tcp(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "redis+socket":
        return Path(parts.path).exists()
    return embedded.reachable(parts.hostname or "127.0.0.1", parts.port or default_port)


_EMBEDDED = contextlib.ExitStack()
atexit.register(_EMBEDDED.close)


def _start_embedded_where_needed() -> None:
    """Start the embedded PostgreSQL and Redis the demo uses where the real ones do not
    answer. Runs when this (root) conftest is imported, before any other test module reads
    XTBATCH_TEST_DATABASE_URL / XTBATCH_TEST_BROKER_URL."""
    import tempfile

    global PG_URL, REDIS_URL
    if os.environ.get("XTBATCH_TEST_EMBEDDED_STARTED"):
        return  # a nested run (the RabbitMQ pass) inherits them
    pg_down, redis_down = not _pg_reachable(PG_URL), not _tcp(REDIS_URL, 6379)
    if pg_down or redis_down:  # a folder only for servers started here, removed at exit
        folder = Path(tempfile.mkdtemp(prefix="xtbatch-test-services-"))
        _EMBEDDED.callback(shutil.rmtree, folder, ignore_errors=True)
    if pg_down:
        print(f"\nPostgreSQL not reachable at {PG_URL}: using an embedded server", file=sys.stderr)
        PG_URL = _EMBEDDED.enter_context(embedded.postgres(folder / "pg"))
        os.environ["XTBATCH_TEST_DATABASE_URL"] = PG_URL
    if redis_down:
        print("\nRedis not reachable: using an embedded server", file=sys.stderr)
        REDIS_URL = _EMBEDDED.enter_context(embedded.redis(folder / "redis"))
        os.environ["XTBATCH_TEST_BROKER_URL"] = REDIS_URL
    os.environ["XTBATCH_TEST_EMBEDDED_STARTED"] = "1"


_start_embedded_where_needed()


@pytest.fixture(scope="session")
def services() -> dict[str, str]:
    """URLs of the PostgreSQL server and the broker the tests use (embedded when absent)."""
    broker = os.environ.get("XTBATCH_BROKER_URL_UNDER_TEST") or REDIS_URL
    return {"database_url": PG_URL, "broker_url": broker}


def database_url(server_url: str, dbname: str, **extra: str) -> str:
    """``server_url`` with its database (and any other connection setting) replaced."""
    info = conninfo_to_dict(server_url)
    info.update(dbname=dbname, **extra)
    return make_conninfo(**info)


class _Install:
    def __repr__(self) -> str:
        return "INSTALL"


INSTALL = _Install()
"""A setup step of :meth:`Databases.create`: ``xtbatch.install.install`` on the database."""

Step = str | bytes | Path | _Install | Callable[[psycopg.Connection[Any]], object]


class Databases:
    """The one factory of test databases: every suite creates and drops its databases here.

    A database is named ``xtbatch_test_<prefix>_<random>``, created empty or cloned from a
    ``template``, then set up by ``setup`` in order: SQL text, a .sql file, ``INSTALL``, or a
    function given an autocommit connection to it. A database whose setup fails is dropped.
    Drops may run in the background (``DROP … WITH (FORCE)`` takes most of a second);
    :meth:`close` waits for them.
    """

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self._drops = ThreadPoolExecutor(max_workers=2, thread_name_prefix="dropdb")
        self._pending: list[Future[None]] = []

    def url(self, name: str, **extra: str) -> str:
        return database_url(self.server_url, name, **extra)

    def create(
        self, prefix: str, *, template: str | None = None, setup: Sequence[Step] = ()
    ) -> str:
        name = f"xtbatch_test_{prefix}_{uuid.uuid4().hex[:10]}"
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self._admin(query)
        try:
            if setup:
                with psycopg.connect(self.url(name), autocommit=True) as conn:
                    for step in setup:
                        _run_step(conn, step)
        except BaseException:
            self.drop(name)  # no teardown runs for a failed setup
            raise
        return name

    def drop(self, name: str, *, background: bool = False) -> None:
        if background:
            self._pending.append(self._drops.submit(self.drop, name))
            return
        self._admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextlib.contextmanager
    def scratch(
        self,
        prefix: str,
        *,
        template: str | None = None,
        setup: Sequence[Step] = (),
        background_drop: bool = False,
    ) -> Iterator[str]:
        """A database for the ``with`` block (or a fixture's lifetime), dropped after it."""
        name = self.create(prefix, template=template, setup=setup)
        try:
            yield name
        finally:
            self.drop(name, background=background_drop)

    def close(self) -> None:
        """Wait for the drops still running; raise the first that failed."""
        self._drops.shutdown(wait=True)
        for future in self._pending:
            future.result()

    def _admin(self, statement: sql.Composable) -> None:
        with psycopg.connect(self.server_url, autocommit=True) as conn:
            conn.execute(statement)


def _run_step(conn: psycopg.Connection[Any], step: Step) -> None:
    if isinstance(step, _Install):
        install(conn)
    elif isinstance(step, Path):
        conn.execute(step.read_bytes())
    elif isinstance(step, str | bytes):
        conn.execute(step.encode() if isinstance(step, str) else step)
    else:
        step(conn)


@pytest.fixture(scope="session")
def databases(services: dict[str, str]) -> Iterator[Databases]:
    """The factory of this session's test databases (see :class:`Databases`)."""
    factory = Databases(services["database_url"])
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def template_db(databases: Databases) -> Iterator[str]:
    """A migrated database the per-test databases are cloned from."""
    with databases.scratch("tpl", setup=[INSTALL]) as name:
        yield name


@pytest.fixture
def empty_db(databases: Databases) -> Iterator[Db]:
    """A new database with nothing installed."""
    with databases.scratch("empty") as name:
        yield Db(databases.url(name))


@pytest.fixture
def erp(databases: Databases, template_db: str) -> Iterator[Db]:
    """A database of its own for this test, with xtbatch installed."""
    with databases.scratch("erp", template=template_db) as name:
        yield Db(databases.url(name))


@pytest.fixture
def stack_env(services: dict[str, str], erp: Db) -> dict[str, str]:
    """Environment for xtbatch processes serving this test's database on its own queue."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")},
        "XTBATCH_DATABASE_URL": erp.url,
        "XTBATCH_BROKER_URL": services["broker_url"],
        "XTBATCH_QUEUE": f"xtbatch.test.{uuid.uuid4().hex[:10]}",
        "XTBATCH_LOG_FORMAT": "text",
        "XTBATCH_LOG_LEVEL": "INFO",
        "XTBATCH_STALE_SECONDS": "6",
        "XTBATCH_HEARTBEAT_SECONDS": "1",
        "XTBATCH_WORKER_HEARTBEAT_SECONDS": "2",
        "XTBATCH_REDISPATCH_SECONDS": "5",
    }


@pytest.fixture
def stack(stack_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    """Real bridge and worker processes for this test's database; all stopped at the end."""
    s = Stack(env=stack_env, folder=tmp_path)
    yield s
    s.stop_all()  # and forgets the Redis keys of every queue it used


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free local port that keeps what it receives."""

    def __init__(self) -> None:
        import email
        import email.policy

        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
                mailbox.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                mailbox.messages.append(
                    email.message_from_bytes(
                        envelope.original_content or envelope.content, policy=email.policy.default
                    )
                )
                return "250 OK"

        with socket.socket() as probe:  # a free port (aiosmtpd's readiness check needs one)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        self.controller.start()
        self.url = f"smtp://127.0.0.1:{port}"

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    yield box
    box.stop()


@pytest.fixture
def xtuple_messages(erp: Db) -> Db:
    """Give the test database xTuple's metric, usrpref, msg tables and postMessage."""
    erp.run(sample_sql("xtuple_messages.sql"))
    return erp


class Reliability:
    """Collects one row per fault for docs/reliability.md (written where
    XTBATCH_RELIABILITY_OUT names a file)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(
        self, fault: str, done: str, outcome: dict[str, int], recovery: float | None
    ) -> None:
        self.rows.append(
            {
                "fault": fault,
                "done": done,
                **outcome,
                "recovery_s": None if recovery is None else round(recovery, 2),
            }
        )


@pytest.fixture(scope="session")
def reliability() -> Iterator[Reliability]:
    import json

    collector = Reliability()
    yield collector
    out = os.environ.get("XTBATCH_RELIABILITY_OUT")
    if out and collector.rows:
        existing = json.loads(Path(out).read_text()) if Path(out).exists() else []
        Path(out).write_text(json.dumps(existing + collector.rows, indent=1))
