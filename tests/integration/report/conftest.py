"""A scratch PostgreSQL database with xTuple's report and metasql tables, per test module,
from the factory of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import Databases

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
def report_db(databases: Databases) -> Iterator[str]:
    """The URL of a fresh database xtbatch_test_report_<random>, dropped afterwards."""
    with databases.scratch("report", setup=[SCHEMA]) as name:
        yield databases.url(name)


@pytest.fixture
def conn(report_db: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to the scratch database; what a test writes is rolled back."""
    with psycopg.connect(report_db) as connection:
        yield connection
        connection.rollback()
