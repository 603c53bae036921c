"""A scratch copy of an xTuple database for the job kinds, and a JobContext to run them with.

Once per session (from the factory of tests/conftest.py): a database with xtbatch installed
and tests/fixtures/erp_subset.sql loaded; it is the template each test's own database is
cloned from, so every test starts from the same rows. Everything is dropped at the end.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from tasks.context import JobContext, KindLog
from tests.conftest import INSTALL, PG_URL, Databases, database_url
from xtbatch import settings
from xtbatch.jobs import Job, RawParam
from xtbatch.params import Params

FIXTURE = Path(__file__).parents[2] / "fixtures" / "erp_subset.sql"

Conn = psycopg.Connection[dict[str, Any]]


def url_of(dbname: str, **extra: str) -> str:
    return database_url(PG_URL, dbname, **extra)


@pytest.fixture(scope="session")
def kinds_template(databases: Databases) -> Iterator[str]:
    """xtbatch installed, then tests/fixtures/erp_subset.sql: what every test starts from."""
    with databases.scratch("kinds_tpl", setup=[INSTALL, FIXTURE]) as name:
        yield name


@pytest.fixture(scope="session")
def role(databases: Databases) -> Iterator[str]:
    """A LOGIN role that is not a superuser (it owns nothing until a test says so)."""
    name = f"xtbatch_kinds_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(databases.server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    yield name
    with psycopg.connect(databases.server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def dbname(role: str, databases: Databases, kinds_template: str) -> Iterator[str]:
    """This test's own copy of the template database (the role outlives every copy)."""
    with databases.scratch("kinds", template=kinds_template) as name:
        yield name


@pytest.fixture
def conn(dbname: str) -> Iterator[Conn]:
    """A superuser connection to this test's database, autocommit like the worker's."""
    with psycopg.connect(url_of(dbname), autocommit=True, row_factory=dict_row) as connection:
        yield connection


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
        ctx = JobContext(
            job=Job.from_row(row),
            params=Params(raw),
            conn=on or conn,
            settings=settings.load({"database_url": url_of(dbname)}),
            log=KindLog(
                logging.getLogger("tests.kinds"), {"batch_id": row["batch_id"], "kind": action}
            ),
            report_progress=lambda done, total, what: progress.append((done, total, what)),
        )
        return Run(ctx=ctx, progress=progress)

    return build
