"""Beat against a real database: once-only submission across beats, and the purge."""

from __future__ import annotations

import datetime as dt
import signal
import threading

import psycopg
from psycopg.rows import dict_row

from beat.schedule import MAINTENANCE, PURGE
from beat.submit import purge_once, submit_once
from tests.integration.ops.conftest import OpsDb, Processes, wait_for

SLOT = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)


def connect(ops_db: OpsDb) -> psycopg.Connection[dict[str, object]]:
    return psycopg.connect(ops_db.url, autocommit=True, row_factory=dict_row)


def count(ops_db: OpsDb, query: str) -> int:
    return int(ops_db.rows(f"SELECT count(*) AS n FROM {query}")[0]["n"])


def test_a_second_submission_waiting_on_the_first_submits_nothing(ops_db: OpsDb) -> None:
    results: list[int | None] = []
    with connect(ops_db) as first, connect(ops_db) as second:
        second_pid = second.info.backend_pid
        with first.transaction():  # the first beat's claim stays uncommitted for now
            assert submit_once(first, MAINTENANCE, SLOT) is not None
            racer = threading.Thread(
                target=lambda: results.append(submit_once(second, MAINTENANCE, SLOT))
            )
            racer.start()
            wait_for(
                lambda: ops_db.rows(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %(p)s AND wait_event_type = 'Lock'",
                    {"p": second_pid},
                ),
                10,
                "the second submission to wait on the first one's claim",
            )
        racer.join(10)
    assert results == [None]
    assert count(ops_db, "xtbatch.batch WHERE batch_action = 'ServerMaintenance'") == 1
    assert count(ops_db, "xtbatch_mgr.periodic") == 1


def test_submission_is_an_ordinary_batch_row_recorded_with_its_slot(ops_db: OpsDb) -> None:
    with connect(ops_db) as conn:
        batch_id = submit_once(conn, MAINTENANCE, SLOT)
    job = ops_db.rows("SELECT * FROM xtbatch.batch")[0]
    assert job["batch_id"] == batch_id and job["batch_action"] == MAINTENANCE
    assert job["batch_user"] == "postgres" and job["batch_scheduled"] is not None
    assert job["batch_started"] is None
    slot = ops_db.rows("SELECT * FROM xtbatch_mgr.periodic")[0]
    assert (slot["name"], slot["due_at"], slot["batch_id"]) == (MAINTENANCE, SLOT, batch_id)


def test_two_beat_processes_submit_one_maintenance_job(
    ops_env: dict[str, str], ops_db: OpsDb, processes: Processes
) -> None:
    now = dt.datetime.now().strftime("%H:%M")
    env = {**ops_env, "XTBATCH_MAINTENANCE_AT": now, "XTBATCH_PURGE_AT": "off"}
    beats = [processes.start("beat", "beat", "--once", env=env) for _ in range(2)]
    codes = [b.wait(60) for b in beats]
    assert codes == [0, 0], processes.logs()
    assert count(ops_db, "xtbatch.batch WHERE batch_action = 'ServerMaintenance'") == 1
    assert "Ran: ServerMaintenance." in processes.logs()
    assert "Nothing was due." in processes.logs()


def test_beat_service_submits_a_missed_slot_at_start_and_stops_on_sigterm(
    ops_env: dict[str, str], ops_db: OpsDb, processes: Processes
) -> None:
    missed = (dt.datetime.now() - dt.timedelta(minutes=30)).strftime("%H:%M")
    env = {**ops_env, "XTBATCH_MAINTENANCE_AT": missed, "XTBATCH_PURGE_AT": missed}
    beat = processes.start("beat", "beat", env=env)
    wait_for(
        lambda: count(ops_db, "xtbatch_mgr.periodic") == 2,
        30,
        "beat to submit maintenance and purge",
        show=processes.logs,
    )
    beat.send_signal(signal.SIGTERM)
    assert beat.wait(15) == 0, processes.logs()
    assert count(ops_db, "xtbatch.batch WHERE batch_action = 'ServerMaintenance'") == 1
    assert "beat stopped" in processes.logs()


def age(ops_db: OpsDb, days: int, *, completed: bool = True, params: int = 1) -> int:
    """A job submitted and (by default) completed ``days`` ago, with ``params`` parameters."""
    when = dt.datetime.now() - dt.timedelta(days=days)
    row = ops_db.rows(
        "INSERT INTO xtbatch.batch (batch_action, batch_submitted, batch_scheduled, "
        "batch_started, batch_completed) VALUES ('Ping', %(w)s, %(w)s, %(w)s, %(c)s) "
        "RETURNING batch_id",
        {"w": when, "c": when if completed else None},
    )
    batch_id = int(row[0]["batch_id"])
    for order in range(1, params + 1):
        ops_db.rows(
            "INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, "
            "batchparam_name, batchparam_value) VALUES (%(b)s, %(o)s, 'n', 'v') RETURNING 1",
            {"b": batch_id, "o": order},
        )
    return batch_id


def ids(ops_db: OpsDb) -> set[int]:
    return {int(r["batch_id"]) for r in ops_db.rows("SELECT batch_id FROM xtbatch.batch")}


def set_purge_days(ops_db: OpsDb, value: str) -> None:
    ops_db.rows(
        "INSERT INTO public.metric (metric_name, metric_value) "
        "VALUES ('BatchManagerPurgeDays', %(v)s) RETURNING 1",
        {"v": value},
    )


def test_purge_deletes_completed_jobs_older_than_the_metric(ops_db: OpsDb) -> None:
    set_purge_days(ops_db, "10")
    old, young = age(ops_db, 11, params=2), age(ops_db, 9)
    old_unfinished = age(ops_db, 40, completed=False)
    with connect(ops_db) as conn:
        counts = purge_once(conn, PURGE, SLOT)
    assert counts is not None and (counts.days, counts.jobs, counts.params) == (10, 1, 2)
    assert ids(ops_db) == {young, old_unfinished}
    assert count(ops_db, f"xtbatch.batchparam WHERE batchparam_batch_id = {old}") == 0


def test_purge_keeps_30_days_when_the_metric_is_absent(ops_db: OpsDb) -> None:
    with connect(ops_db) as conn:
        conn.execute(b"DROP TABLE public.metric")
    kept, purged = age(ops_db, 29), age(ops_db, 31)
    with connect(ops_db) as conn:
        counts = purge_once(conn, PURGE, SLOT)
    assert counts is not None and counts.days == 30
    assert purged not in ids(ops_db) and kept in ids(ops_db)


def test_purge_with_zero_days_keeps_every_job(ops_db: OpsDb) -> None:
    set_purge_days(ops_db, "0")
    job = age(ops_db, 400)
    with connect(ops_db) as conn:
        counts = purge_once(conn, PURGE, SLOT)
    assert counts is not None and counts.jobs == 0 and job in ids(ops_db)


def test_purge_keeps_the_first_job_of_a_recurring_series_still_referenced(ops_db: OpsDb) -> None:
    first = age(ops_db, 100)
    copy = age(ops_db, 0, completed=False)
    ops_db.rows(
        "UPDATE xtbatch.batch SET batch_recurring_batch_id = %(f)s WHERE batch_id = %(c)s "
        "RETURNING 1",
        {"f": first, "c": copy},
    )
    with connect(ops_db) as conn:
        purge_once(conn, PURGE, SLOT)
    assert ids(ops_db) == {first, copy}


def test_purge_deletes_old_attempts_and_dead_workers(ops_db: OpsDb) -> None:
    ops_db.rows(
        "INSERT INTO xtbatch_mgr.attempt (task_id, batch_id, state, ended_at) VALUES "
        "(gen_random_uuid(), 1, 'succeeded', now() - interval '31 days'), "
        "(gen_random_uuid(), 2, 'failed', now() - interval '1 day') RETURNING 1"
    )
    ops_db.rows(
        "INSERT INTO xtbatch_mgr.worker (worker, queue, hostname, pid, heartbeat_at) VALUES "
        "('dead:1', 'q', 'h', 1, now() - interval '2 days'), ('alive:2', 'q', 'h', 2, now()) "
        "RETURNING 1"
    )
    with connect(ops_db) as conn:
        counts = purge_once(conn, PURGE, SLOT)
    assert counts is not None and (counts.attempts, counts.workers) == (1, 1)
    assert [r["batch_id"] for r in ops_db.rows("SELECT batch_id FROM xtbatch_mgr.attempt")] == [2]
    assert [r["worker"] for r in ops_db.rows("SELECT worker FROM xtbatch_mgr.worker")] == [
        "alive:2"
    ]


def test_purge_forgets_slots_older_than_the_cutoff_but_not_its_own(ops_db: OpsDb) -> None:
    long_ago = SLOT - dt.timedelta(days=60)
    with connect(ops_db) as conn:
        submit_once(conn, MAINTENANCE, long_ago)
        counts = purge_once(conn, PURGE, long_ago)
    assert counts is not None and counts.slots == 1
    assert [r["name"] for r in ops_db.rows("SELECT name FROM xtbatch_mgr.periodic")] == [PURGE]


def test_purge_runs_once_per_slot(ops_db: OpsDb) -> None:
    with connect(ops_db) as conn:
        assert purge_once(conn, PURGE, SLOT) is not None
        assert purge_once(conn, PURGE, SLOT) is None
