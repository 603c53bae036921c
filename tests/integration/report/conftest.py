"""A scratch PostgreSQL database with xTuple's report and metasql tables, per test module,
from the factory of tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import XTUPLE_REPORTS, Databases

# Loaded after XTUPLE_REPORTS (xTuple's report and metasql tables): data the tests query.
SCHEMA = """
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
    with databases.scratch("report", setup=[XTUPLE_REPORTS, SCHEMA]) as name:
        yield databases.url(name)


@pytest.fixture
def conn(report_db: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection to the scratch database; what a test writes is rolled back."""
    with psycopg.connect(report_db) as connection:
        yield connection
        connection.rollback()
