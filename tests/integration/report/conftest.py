"""A scratch PostgreSQL database with xTuple's report and metasql tables, per test module.

The server comes from XTBATCH_TEST_DATABASE_URL; when it cannot be reached the tests skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

SERVER_URL = os.environ.get(
    "XTBATCH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# The columns of xTuple's tables that the renderer reads, as xTuple defines them.
SCHEMA = """
CREATE TABLE report (
    report_id serial PRIMARY KEY,
    report_name text NOT NULL,
    report_sys boolean NOT NULL DEFAULT false,
    report_source text,
    report_descrip text,
    report_grade integer NOT NULL DEFAULT 0,
    report_loaddate timestamp without time zone DEFAULT now(),
    UNIQUE (report_name, report_grade)
);
CREATE TABLE metasql (
    metasql_id serial PRIMARY KEY,
    metasql_group text NOT NULL,
    metasql_name text NOT NULL,
    metasql_notes text,
    metasql_query text NOT NULL,
    metasql_grade integer NOT NULL DEFAULT 0,
    UNIQUE (metasql_group, metasql_name, metasql_grade)
);
CREATE TABLE canary (note text);
INSERT INTO canary VALUES ('still here');
CREATE TABLE lines (item text, cat text, amount numeric(12,2));
INSERT INTO lines
SELECT format('item %s', lpad(i::text, 3, '0')), format('cat%s', i / 30), 1.25 * i
  FROM generate_series(0, 99) AS i;
"""


@pytest.fixture(scope="module")
def report_db() -> Iterator[str]:
    """The URL of a fresh database xtbatch_test_report_<random>, dropped afterwards."""
    try:
        admin = psycopg.connect(SERVER_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at XTBATCH_TEST_DATABASE_URL: {exc}")
    name = f"xtbatch_test_report_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            url = make_conninfo(SERVER_URL, dbname=name)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(SCHEMA)
            yield url
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.fixture
def conn(report_db: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to the scratch database; what a test writes is rolled back."""
    with psycopg.connect(report_db) as connection:
        yield connection
        connection.rollback()
