"""Stand-in xTuple databases for the drop-in tests (issue 11), as pytest fixtures.

A database gets xTuple's messages sample, then from ``tests/fixtures/``: ``xtrole.sql`` (the
group role), ``xtuple_reports.sql`` (report, metasql) and ``xtuple_core.sql`` (login, metrics,
the package machinery, xTuple's callers of xtbatch), then ``xtbatch install``, in that order,
as an administrator would on a real xTuple database. ``clerk`` is an ordinary xTuple user: a
login role that is a member of xtrole and nothing more. Roles are cluster-wide: the clerk is
made once per session and dropped at its end; xtrole is kept.

Import the fixtures into a conftest: ``from tests.xtuple_db import *  # noqa: F403``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from tests.conftest import INSTALL, XTUPLE_REPORTS, Databases, Step
from tests.harness import Db
from xtbatch import sql as xtbatch_sql
from xtbatch.cli.sample import sample_sql
from xtbatch.xtuple import PKG_PARENTS

FIXTURES = Path(__file__).parent / "fixtures"
CORE = FIXTURES / "xtuple_core.sql"
# xTuple's group role, made once for the cluster where missing.
XTROLE = FIXTURES / "xtrole.sql"

__all__ = [
    "Clerk",
    "XtupleDb",
    "apply_migrations",
    "clerk",
    "load_xtuple",
    "xtbatch_cli",
    "xtuple",
    "xtuple_template",
    "xtuple_v4",
    "xtuple_v4_template",
]


@dataclass(frozen=True)
class Clerk:
    """An ordinary xTuple user."""

    name: str
    email: str

    def url(self, database: Db) -> str:
        info = {k: v for k, v in conninfo_to_dict(database.url).items() if v is not None}
        info["user"] = self.name
        info.pop("password", None)
        return make_conninfo("", **info)

    def connect(self, database: Db, **kw: Any) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(self.url(database), autocommit=True, row_factory=dict_row, **kw)


class XtupleDb(Db):
    """A test database standing in for xTuple, with its ordinary user."""

    def __init__(self, url: str, clerk: Clerk) -> None:
        super().__init__(url)
        self.clerk = clerk

    def set_metric(self, name: str, value: str) -> None:
        self.run("SELECT setMetric(%s, %s)", (name, value))

    def disable_package(self) -> None:
        """What disablePackage('xtbatch') does where xTuple's version test lets it: the
        package tables stop inheriting xTuple's."""
        self.run(
            " ".join(f"ALTER TABLE xtbatch.pkg{p} NO INHERIT public.{p};" for p in PKG_PARENTS)
        )


def xtbatch_cli(database: Db, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``xtbatch ARGS`` on the database, as an administrator would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    env.update(XTBATCH_DATABASE_URL=database.url, XTBATCH_LOG_FORMAT="text")
    return subprocess.run(
        [sys.executable, "-m", "xtbatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load_xtuple(conn: psycopg.Connection[Any], clerk: Clerk) -> None:
    """xTuple's side of a database: the sample messages, the core fixture, the clerk's prefs."""
    conn.execute(sample_sql("xtuple_messages.sql").encode())
    conn.execute(XTROLE.read_bytes())
    conn.execute(XTUPLE_REPORTS.read_bytes())
    conn.execute(CORE.read_bytes())
    conn.execute(
        "INSERT INTO usrpref (usrpref_username, usrpref_name, usrpref_value) "
        "VALUES (%(u)s, 'active', 't'), (%(u)s, 'email', %(e)s)",
        {"u": clerk.name, "e": clerk.email},
    )


def apply_migrations(conn: psycopg.Connection[Any], upto: int) -> None:
    """What an older xtbatch installed: the migrations up to ``upto`` and nothing else."""
    with conn.transaction():
        conn.execute(xtbatch_sql.query("bootstrap"))
        for migration in xtbatch_sql.migrations():
            if migration.version <= upto:
                conn.execute(migration.sql.encode())
                conn.execute(
                    xtbatch_sql.query("record_migration"),
                    {"version": migration.version, "name": migration.name},
                )


@pytest.fixture(scope="session")
def clerk(services: dict[str, str]) -> Iterator[Clerk]:
    name = f"xtclerk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(services["database_url"], autocommit=True) as conn:
        conn.execute(XTROLE.read_bytes())
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE xtrole").format(sql.Identifier(name)))
    yield Clerk(name=name, email=f"{name}@example.com")
    with psycopg.connect(services["database_url"], autocommit=True) as conn:
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def _template(databases: Databases, clerk: Clerk, upto: int | None) -> Iterator[str]:
    xtbatch_side: Step = INSTALL if upto is None else (lambda c: apply_migrations(c, upto))
    with databases.scratch("xt_tpl", setup=[lambda c: load_xtuple(c, clerk), xtbatch_side]) as name:
        yield name


@pytest.fixture(scope="session")
def xtuple_template(databases: Databases, clerk: Clerk) -> Iterator[str]:
    """An xTuple stand-in with the current xtbatch installed."""
    yield from _template(databases, clerk, None)


@pytest.fixture(scope="session")
def xtuple_v4_template(databases: Databases, clerk: Clerk) -> Iterator[str]:
    """An xTuple stand-in on which xtbatch schema version 4 was installed (before 0005)."""
    yield from _template(databases, clerk, 4)


def _clone(databases: Databases, template: str, clerk: Clerk) -> Iterator[XtupleDb]:
    with databases.scratch("xt", template=template) as name:
        yield XtupleDb(databases.url(name), clerk)


@pytest.fixture
def xtuple(databases: Databases, xtuple_template: str, clerk: Clerk) -> Iterator[XtupleDb]:
    """This test's own xTuple stand-in, xtbatch installed."""
    yield from _clone(databases, xtuple_template, clerk)


@pytest.fixture
def xtuple_v4(databases: Databases, xtuple_v4_template: str, clerk: Clerk) -> Iterator[XtupleDb]:
    """This test's own xTuple stand-in with xtbatch at schema version 4."""
    yield from _clone(databases, xtuple_v4_template, clerk)
