"""``xtbatch.store.claim``: the claim, the guard and the claimed job's row and parameters in
one statement (migration 0008), against this test's real database. The bridge's dispatch is
recorded with ``store.dispatch_next``; no broker is involved."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.harness import Db
from xtbatch import db, store
from xtbatch.settings import load

Conn = psycopg.Connection[db.Row]


@pytest.fixture
def sessions(erp: Db) -> Iterator[tuple[Conn, Conn]]:
    """(the bridge's work session, a worker's control session)."""
    settings = load({"database_url": erp.url})
    with db.connect(settings, "bridge-work") as bridge, db.connect(settings, "worker") as worker:
        yield bridge, worker


def dispatched(bridge: Conn) -> tuple[str, int]:
    found = store.dispatch_next(bridge, str(uuid.uuid4()), "bridge-test").next
    assert isinstance(found, store.Dispatched), found
    return str(found.task_id), found.batch_id


def test_claim_returns_the_job_as_the_claim_left_it(erp: Db, sessions: tuple[Conn, Conn]) -> None:
    bridge, worker = sessions
    batch_id = erp.submit(
        "Ping",
        params=[("seconds", "0", "int"), ("note", "b", None)],
        email="someone@example.com",
        batch_subject="Subject",
        batch_reschedinterval="D",
    )
    task_id, dispatched_id = dispatched(bridge)
    assert dispatched_id == batch_id

    claim = store.claim(worker, task_id, "celery@claimtest", 4242)

    assert isinstance(claim, store.Claim)
    assert (claim.batch_id, claim.guarded) == (batch_id, True)
    assert claim.run is not None
    job = claim.run.job
    row = erp.job(batch_id)
    assert job.batch_id == batch_id and job.action == "Ping"
    assert job.started is not None and job.started == row["batch_started"]  # the claim's own
    assert (job.email, job.subject, job.resched_interval) == ("someone@example.com", "Subject", "D")
    assert job.completed is None and job.email_html is False
    assert [(p.order, p.name, p.value, p.type) for p in claim.run.params] == [
        (1, "seconds", "0", "int"),
        (2, "note", "b", None),
    ]
    running = erp.one(
        "SELECT state, worker, worker_pid FROM xtbatch_mgr.attempt WHERE task_id = %s", (task_id,)
    )
    assert running == {"state": "running", "worker": "celery@claimtest", "worker_pid": 4242}
    guard = erp.one(
        "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid = %s AND objid = %s",
        (store.GUARD_LOCK_CLASS, batch_id),
    )
    assert guard == {"n": 1}


def test_a_second_delivery_gets_only_why_it_may_not_run(
    erp: Db, sessions: tuple[Conn, Conn]
) -> None:
    bridge, worker = sessions
    erp.submit("Ping")
    task_id, _ = dispatched(bridge)
    assert isinstance(store.claim(worker, task_id, "celery@claimtest", 1), store.Claim)

    again = store.claim(worker, task_id, "celery@claimtest", 1)
    unknown = store.claim(worker, str(uuid.uuid4()), "celery@claimtest", 1)

    assert again == store.NotRun(outcome=store.ClaimOutcome.ALREADY_RUNNING)
    assert unknown == store.NotRun(outcome=store.ClaimOutcome.UNKNOWN)


def test_the_job_read_fits_the_erps_own_column_types(erp: Db) -> None:
    """xtbatch_mgr.job_run casts every column to the type it declares, so an ERP whose
    xtbatch.batch has, say, varchar columns still gives the claim its row."""
    erp.run("ALTER TABLE xtbatch.batch ALTER COLUMN batch_subject TYPE varchar(200)")
    batch_id = erp.submit("Ping", batch_subject="Varchar subject")

    row = erp.one(
        "SELECT subject, params::text AS params FROM xtbatch_mgr.job_run(%s)", (batch_id,)
    )

    assert row == {"subject": "Varchar subject", "params": "[]"}
