"""A job run by a database user without a privilege ends with an exit status that says so,
as the batch manager's manual promises (ServerMaintenance's REINDEX needs a superuser)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.harness import Db, Stack


@pytest.fixture
def clerk_url(xtuple_messages: Db) -> Iterator[tuple[str, str]]:
    """A login role that may use xtbatch but is not a superuser and owns no ERP table."""
    erp = xtuple_messages
    role = f"batch_clerk_{uuid.uuid4().hex[:6]}"
    erp.run(f"CREATE ROLE {role} LOGIN")
    for schema in ("xtbatch", "xtbatch_mgr", "public"):
        erp.run(
            f"GRANT USAGE ON SCHEMA {schema} TO {role}; "
            f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}; "
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}; "
            f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}"
        )
    erp.run("CREATE TABLE public.custinfo_sample (cust_id serial PRIMARY KEY)")
    info = {k: str(v) for k, v in conninfo_to_dict(erp.url).items() if v is not None}
    info["user"] = role
    yield make_conninfo("", **info), role
    erp.run(f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_maintenance_as_a_non_superuser_names_the_user_and_what_was_skipped(
    xtuple_messages: Db, stack: Stack, clerk_url: tuple[str, str]
) -> None:
    erp = xtuple_messages
    url, role = clerk_url
    batch_id = erp.submit("ServerMaintenance", user="admin")
    stack.worker(env={"XTBATCH_DATABASE_URL": url})
    stack.bridge()
    job = erp.wait_done(batch_id, timeout=120)
    status = job["batch_exitstatus"]
    assert status, "the job must not pass silently"
    assert role in status
    assert "superuser" in status
    assert "custinfo_sample" in status, "the skipped tables are listed"
