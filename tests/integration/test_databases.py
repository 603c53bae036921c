"""The one factory of test databases (tests/conftest.py): setup steps in order, templates,
and no database left behind, not even by a setup that fails."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.conftest import INSTALL, Databases


def exists(databases: Databases, name: str) -> bool:
    with psycopg.connect(databases.server_url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
        return row.fetchone() == (1,)


def test_setup_steps_run_in_order_and_a_clone_keeps_them(
    databases: Databases, tmp_path: Path
) -> None:
    script = tmp_path / "step.sql"
    script.write_text("INSERT INTO steps VALUES (2);")
    setup = [
        "CREATE TABLE steps (n int); INSERT INTO steps VALUES (1);",
        script,
        INSTALL,
        lambda conn: conn.execute("INSERT INTO steps VALUES (3)"),
    ]
    with databases.scratch("factory_tpl", setup=setup) as template:
        assert template.startswith("xtbatch_test_factory_tpl_")
        with (
            databases.scratch("factory", template=template) as clone,
            psycopg.connect(databases.url(clone)) as conn,
        ):
            assert conn.execute("SELECT n FROM steps ORDER BY n").fetchall() == [(1,), (2,), (3,)]
            installed = conn.execute("SELECT to_regclass('xtbatch.batch') IS NOT NULL")
            assert installed.fetchone() == (True,)
        assert not exists(databases, clone)
    assert not exists(databases, template)


def test_a_failing_setup_drops_the_database(databases: Databases) -> None:
    names: list[str] = []

    def remember(conn: psycopg.Connection[object]) -> None:
        names.append(str(conn.info.dbname))
        conn.execute("SELECT no_such_function()")

    with pytest.raises(psycopg.errors.UndefinedFunction):
        databases.create("factory", setup=[remember])
    assert len(names) == 1
    assert not exists(databases, names[0])


def test_a_background_drop_is_done_when_the_factory_closes(services: dict[str, str]) -> None:
    factory = Databases(services["database_url"])
    name = factory.create("factory")
    assert exists(factory, name)
    factory.drop(name, background=True)
    factory.close()
    assert not exists(factory, name)
