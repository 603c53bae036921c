"""A scratch copy of an xTuple database for the job kinds, and a JobContext to run them with.

Once per session: a database xtbatch_test_kinds_<random> with xtbatch installed and
tests/fixtures/erp_subset.sql loaded; it is the template each test's own database is cloned
from, so every test starts from the same rows. Everything is dropped at the end. The server
comes from XTBATCH_TEST_DATABASE_URL; when it cannot be reached the tests skip.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from tasks.context import JobContext
from xtbatch import settings
from xtbatch.install import install
from xtbatch.jobs import Job, RawParam
from xtbatch.params import Params

SERVER_URL = os.environ.get(
    "XTBATCH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
FIXTURE = Path(__file__).parents[2] / "fixtures" / "erp_subset.sql"

Conn = psycopg.Connection[dict[str, Any]]


def url_of(dbname: str, **extra: str) -> str:
    return make_conninfo("", **{**conninfo_to_dict(SERVER_URL), "dbname": dbname, **extra})


@dataclass
class Scratch:
    template: str
    role: str
    admin: psycopg.Connection[Any]
    clones: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def scratch() -> Iterator[Scratch]:
    try:
        admin = psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at XTBATCH_TEST_DATABASE_URL: {exc}")
    suffix = uuid.uuid4().hex[:10]
    state = Scratch(
        template=f"xtbatch_test_kinds_{suffix}", role=f"xtbatch_kinds_{suffix}", admin=admin
    )
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(state.template)))
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(state.role)))
        try:
            with psycopg.connect(url_of(state.template), row_factory=dict_row) as conn:
                install(conn)
                conn.execute(FIXTURE.read_text(encoding="utf-8").encode())
            yield state
        finally:
            for name in [*state.clones, state.template]:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(state.role)))


@pytest.fixture
def dbname(scratch: Scratch) -> Iterator[str]:
    """This test's own copy of the template database."""
    name = f"{scratch.template}_{len(scratch.clones)}"
    scratch.admin.execute(
        sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(scratch.template)
        )
    )
    scratch.clones.append(name)
    yield name
    scratch.admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    scratch.clones.remove(name)


@pytest.fixture
def conn(dbname: str) -> Iterator[Conn]:
    """A superuser connection to this test's database, autocommit like the worker's."""
    with psycopg.connect(url_of(dbname), autocommit=True, row_factory=dict_row) as connection:
        yield connection


@pytest.fixture
def role(scratch: Scratch) -> str:
    """A LOGIN role that is not a superuser (it owns nothing until a test says so)."""
    return scratch.role


@pytest.fixture
def role_conn(dbname: str, role: str) -> Iterator[Conn]:
    """A connection to this test's database as the non-superuser role."""
    with psycopg.connect(
        url_of(dbname, user=role), autocommit=True, row_factory=dict_row
    ) as connection:
        yield connection


@dataclass
class Run:
    """A JobContext for one job row, and what the kind reported through it."""

    ctx: JobContext
    progress: list[tuple[int, int, str]]


Param = tuple[str, str | None, str | None]
MakeContext = Callable[..., Run]


@pytest.fixture
def make_ctx(conn: Conn, dbname: str) -> MakeContext:
    """Build the JobContext the runner would: a batch row, its params, a log and progress."""

    def build(action: str, params: Sequence[Param] = (), *, on: Conn | None = None) -> Run:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO xtbatch.batch (batch_action, batch_user, batch_email,"
                " batch_submitted, batch_scheduled)"
                " VALUES (%s, 'admin', 'admin@example.com', now(), now()) RETURNING *",
                (action,),
            ).fetchone()
            assert row is not None
            raw = [
                RawParam(order=i, name=name, value=value, type=type_)
                for i, (name, value, type_) in enumerate(
                    [("action_name", action, "QString"), *params], start=1
                )
            ]
            for p in raw:
                conn.execute(
                    "INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order,"
                    " batchparam_name, batchparam_value, batchparam_type)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (row["batch_id"], p.order, p.name, p.value, p.type),
                )
        progress: list[tuple[int, int, str]] = []
        logger = logging.getLogger("tests.kinds")
        ctx = JobContext(
            job=Job.from_row(row),
            params=Params(raw),
            conn=on or conn,
            settings=settings.load({"database_url": url_of(dbname)}),
            log=logging.LoggerAdapter(logger, {"batch_id": row["batch_id"], "kind": action}),
            report_progress=lambda done, total, what: progress.append((done, total, what)),
        )
        return Run(ctx=ctx, progress=progress)

    return build
