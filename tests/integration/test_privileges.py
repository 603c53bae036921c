"""'permission denied' becomes an exit status naming the user, privilege, object and grant."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from tests.harness import Db
from xtbatch.privileges import explain


@pytest.fixture
def clerk(erp: Db) -> Iterator[tuple[str, psycopg.Connection[dict]]]:  # type: ignore[type-arg]
    role = f"clerk_{uuid.uuid4().hex[:8]}"
    erp.run(f"CREATE ROLE {role} LOGIN")
    erp.run("CREATE TABLE payroll (amount numeric)")
    erp.run("CREATE FUNCTION close_period() RETURNS int LANGUAGE sql AS 'SELECT 1'")
    erp.run("REVOKE EXECUTE ON FUNCTION close_period() FROM PUBLIC")
    info = {k: str(v) for k, v in conninfo_to_dict(erp.url).items() if v is not None}
    info["user"] = role
    with psycopg.connect(make_conninfo("", **info), autocommit=True, row_factory=dict_row) as c:
        yield role, c
    erp.run("DROP TABLE payroll; DROP FUNCTION close_period()")
    erp.run(f"DROP ROLE {role}")


def denied(conn: psycopg.Connection[dict], query: str) -> psycopg.errors.InsufficientPrivilege:  # type: ignore[type-arg]
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as info:
        conn.execute(query)
    return info.value


def test_a_table_privilege_names_user_privilege_table_and_grant(clerk: tuple) -> None:  # type: ignore[type-arg]
    role, conn = clerk
    message = explain(denied(conn, "SELECT * FROM payroll"), conn, role).message
    first = message.splitlines()[0]
    assert first.startswith(f"Permission denied: database user '{role}' lacks")
    assert "SELECT" in first and "table payroll" in first
    granted = "SELECT, INSERT, UPDATE, DELETE" + (
        ", MAINTAIN" if conn.info.server_version >= 170000 else ""
    )
    assert f"GRANT {granted} ON TABLE payroll TO {role};" in message


def test_a_function_privilege_names_execute_and_the_grant(clerk: tuple) -> None:  # type: ignore[type-arg]
    role, conn = clerk
    message = explain(denied(conn, "SELECT close_period()"), conn, role).message
    assert f"database user '{role}' lacks the EXECUTE privilege on function close_period" in message
    assert f"GRANT EXECUTE ON FUNCTION close_period TO {role};" in message


def test_reindex_without_ownership_says_a_superuser_is_needed(clerk: tuple) -> None:  # type: ignore[type-arg]
    role, conn = clerk
    message = explain(denied(conn, "REINDEX TABLE payroll"), conn, role).message
    if conn.info.server_version >= 170000:  # PostgreSQL 17 grants REINDEX through MAINTAIN
        assert f"database user '{role}' lacks" in message and "MAINTAIN" in message
    else:
        assert f"database user '{role}' must own table payroll" in message
    assert "superuser" in message
