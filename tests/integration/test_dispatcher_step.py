"""``bridge.dispatcher.Dispatcher.step`` on its own: one step at a time against this test's
real database, publishing to a queue of its own on the real Redis broker. Each test reads
what the step returned, the attempt row it left and the messages on the queue."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import redis
from psycopg.rows import dict_row

from bridge.dispatcher import Dispatcher, Step
from bridge.metrics import BridgeMetrics
from tests.harness import Db, forget_queue, wait_for
from xtbatch.celeryapp import create_app
from xtbatch.settings import Settings, load

# stale 6 s and redispatch 5 s: a dispatched job is watched every min(6/3, 5/2) = 2 s.
WATCH = 2.0
KEEPALIVE = 60.0


@pytest.fixture
def settings(erp: Db, services: dict[str, str]) -> Iterator[Settings]:
    if not services["broker_url"].startswith("redis"):
        pytest.skip("reads the queue's messages in Redis; this run's broker is not Redis")
    made = load(
        {
            "database_url": erp.url,
            "broker_url": services["broker_url"],
            "queue": f"xtbatch.test.step.{uuid.uuid4().hex[:10]}",
            "stale_seconds": "6",
            "redispatch_seconds": "5",
            "keepalive_seconds": str(KEEPALIVE),
            "worker_heartbeat_seconds": "2",
        }
    )
    yield made
    forget_queue(made.broker_url, made.queue_name)


@pytest.fixture
def dispatcher(settings: Settings) -> Iterator[Dispatcher]:
    app = create_app(settings)
    with psycopg.connect(settings.database_url, autocommit=True, row_factory=dict_row) as conn:
        yield Dispatcher(settings, app, conn, BridgeMetrics(settings))
    app.close()


def messages(settings: Settings) -> list[dict[str, Any]]:
    """The messages waiting on the queue (oldest first): task id, task name and kwargs."""
    client = redis.Redis.from_url(settings.broker_url.replace("redis+socket://", "unix://"))
    try:
        found = []
        for key in client.scan_iter(match=f"*{settings.queue_name}*"):
            if client.type(key) == b"list":
                for raw in reversed(client.lrange(key, 0, -1)):
                    message = json.loads(raw)
                    body = json.loads(base64.b64decode(message["body"]))
                    headers = message["headers"]
                    found.append({"id": headers["id"], "task": headers["task"], "kwargs": body[1]})
        return found
    finally:
        client.close()


def attempt(erp: Db, batch_id: int) -> dict[str, Any]:
    row = erp.one(
        "SELECT * FROM xtbatch_mgr.attempt WHERE batch_id = %s ORDER BY attempt_id DESC LIMIT 1",
        (batch_id,),
    )
    assert row is not None, f"no attempt for batch job {batch_id}"
    return row


def test_idle_sleeps_the_keepalive_and_sends_nothing(dispatcher: Dispatcher) -> None:
    assert dispatcher.step() == Step(sleep=KEEPALIVE)
    assert messages(dispatcher.settings) == []


def test_a_job_scheduled_later_sets_the_sleep(dispatcher: Dispatcher, erp: Db) -> None:
    erp.run(
        "INSERT INTO xtbatch.batch (batch_action, batch_user, batch_submitted, batch_scheduled)"
        " VALUES ('Ping', 'admin', localtimestamp, localtimestamp + interval '30 seconds')"
    )
    step = dispatcher.step()
    assert step.dispatched is None
    assert 25 < step.sleep <= 30


def test_a_due_job_is_recorded_then_sent_once(dispatcher: Dispatcher, erp: Db) -> None:
    batch_id = erp.submit("Ping", params=[("seconds", "1", "int")], user="clerk")

    assert dispatcher.step() == Step(sleep=WATCH, dispatched=batch_id, queued_in_flight=True)
    row = attempt(erp, batch_id)
    assert row["state"] == "dispatched"
    assert messages(dispatcher.settings) == [
        {
            "id": str(row["task_id"]),
            "task": "xtbatch.job.Ping",
            "kwargs": {"batch_id": batch_id, "kind": "Ping", "user": "clerk"},
        }
    ]

    # In flight and not yet overdue: watched, not sent again, nothing else dispatched.
    other = erp.submit("Ping")
    assert dispatcher.step() == Step(sleep=WATCH, queued_in_flight=True)
    assert len(messages(dispatcher.settings)) == 1
    assert erp.all("SELECT 1 FROM xtbatch_mgr.attempt WHERE batch_id = %s", (other,)) == []


def test_an_overdue_dispatch_is_resent_only_while_a_worker_is_alive(
    dispatcher: Dispatcher, erp: Db
) -> None:
    batch_id = erp.submit("Ping")
    dispatcher.step()
    overdue = "UPDATE xtbatch_mgr.attempt SET sent_at = clock_timestamp() - interval '10 s'"
    erp.run(overdue)

    # no live worker: a resend would be lost
    assert dispatcher.step() == Step(sleep=WATCH, queued_in_flight=True)
    assert attempt(erp, batch_id)["sent_count"] == 1

    erp.run(
        "INSERT INTO xtbatch_mgr.worker (worker, queue, hostname, pid)"
        " VALUES ('celery@test', %s, 'test', 1)",
        (dispatcher.settings.queue_name,),
    )
    assert dispatcher.step() == Step(sleep=WATCH, queued_in_flight=True)
    row = attempt(erp, batch_id)
    assert row["sent_count"] == 2
    assert [m["id"] for m in messages(dispatcher.settings)] == [str(row["task_id"])] * 2


def test_a_job_cancelled_before_its_claim_is_dropped(dispatcher: Dispatcher, erp: Db) -> None:
    batch_id = erp.submit("Ping")
    dispatcher.step()
    erp.run("DELETE FROM xtbatch.batch WHERE batch_id = %s", (batch_id,))

    assert dispatcher.step() == Step(sleep=0)
    assert attempt(erp, batch_id)["state"] == "cancelled"
    assert dispatcher.step() == Step(sleep=KEEPALIVE)  # nothing left in flight


def claim(erp: Db, batch_id: int, conn: psycopg.Connection[Any] | None = None) -> None:
    task_id = attempt(erp, batch_id)["task_id"]
    query = "SELECT xtbatch_mgr.claim(%s, 'celery@steptest', %s) AS r"
    if conn is None:
        assert erp.one(query, (task_id, os.getpid())) == {"r": "claimed"}
    else:
        assert conn.execute(query, (task_id, os.getpid())).fetchone() == ("claimed",)


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(
    dispatcher: Dispatcher, erp: Db
) -> None:
    batch_id = erp.submit("Ping")
    dispatcher.step()
    claim(erp, batch_id)
    erp.run("UPDATE xtbatch_mgr.attempt SET heartbeat_at = clock_timestamp() - interval '2 s'")

    step = dispatcher.step()
    assert step.dispatched is None
    assert 3.5 < step.sleep <= 4.0  # until the heartbeat is 6 s old
    assert attempt(erp, batch_id)["state"] == "running"


def test_a_silent_worker_without_a_session_is_ended(dispatcher: Dispatcher, erp: Db) -> None:
    batch_id = erp.submit("PostInvoices")  # not safe to repeat: ended, not run again
    dispatcher.step()
    claim(erp, batch_id)  # on a connection that is closed again: the worker's session is gone
    erp.run("UPDATE xtbatch_mgr.attempt SET heartbeat_at = clock_timestamp() - interval '60 s'")

    assert dispatcher.step() == Step(sleep=0)
    assert attempt(erp, batch_id)["state"] == "interrupted"
    job = erp.job(batch_id)
    assert job["batch_completed"] is not None
    assert "stopped answering; no heartbeat for 60 s" in job["batch_exitstatus"]
    assert "PostInvoices is not safe to repeat automatically" in job["batch_exitstatus"]


def test_a_silent_worker_of_a_repeatable_job_is_run_again(dispatcher: Dispatcher, erp: Db) -> None:
    batch_id = erp.submit("Ping")
    dispatcher.step()
    claim(erp, batch_id)
    erp.run("UPDATE xtbatch_mgr.attempt SET heartbeat_at = clock_timestamp() - interval '60 s'")

    assert dispatcher.step() == Step(sleep=0)
    assert attempt(erp, batch_id)["state"] == "interrupted"
    assert erp.job(batch_id)["batch_completed"] is None
    assert dispatcher.step() == Step(
        sleep=WATCH, dispatched=batch_id, queued_in_flight=True
    )  # its second attempt
    assert attempt(erp, batch_id)["state"] == "dispatched"


def test_a_late_heartbeat_of_a_connected_worker_is_waited_for(
    dispatcher: Dispatcher, erp: Db
) -> None:
    batch_id = erp.submit("Ping")
    dispatcher.step()
    name = f"xtbatch-worker celery@steptest:{os.getpid()}"
    with psycopg.connect(erp.url, autocommit=True, application_name=name) as worker:
        claim(erp, batch_id, worker)
        erp.run("UPDATE xtbatch_mgr.attempt SET heartbeat_at = clock_timestamp() - interval '60 s'")

        assert dispatcher.step() == Step(sleep=WATCH)
        assert dispatcher.step() == Step(sleep=WATCH)
        assert attempt(erp, batch_id)["state"] == "running"
        assert dispatcher.late_but_connected == {attempt(erp, batch_id)["attempt_id"]}

    # The worker's session is gone (the server may list it for a moment after the close).
    wait_for(lambda: dispatcher.step() == Step(sleep=0), 10, "the attempt to be ended")
    assert attempt(erp, batch_id)["state"] == "interrupted"


# Dispatch one ahead (issue 15): while a job runs, the next due one waits on the queue; the
# claim refuses a waiting job whose turn has passed.


def claim_result(erp: Db, batch_id: int) -> str:
    """What the worker's claim answers for the latest attempt of ``batch_id``."""
    task_id = attempt(erp, batch_id)["task_id"]
    row = erp.one("SELECT xtbatch_mgr.claim(%s, 'celery@steptest', 1) AS r", (task_id,))
    assert row is not None
    return str(row["r"])


def running_and_queued(dispatcher: Dispatcher, erp: Db) -> tuple[int, int]:
    """Job A runs and job C, due after it, has been dispatched ahead."""
    a = erp.submit("Ping")
    c = erp.submit("Ping")
    dispatcher.step()
    claim(erp, a)
    assert dispatcher.step() == Step(sleep=WATCH, dispatched=c, queued_in_flight=True)
    assert attempt(erp, a)["state"] == "running" and attempt(erp, c)["state"] == "dispatched"
    return a, c


def test_the_next_due_job_is_dispatched_while_one_runs(dispatcher: Dispatcher, erp: Db) -> None:
    a, c = running_and_queued(dispatcher, erp)
    assert [m["kwargs"]["batch_id"] for m in messages(dispatcher.settings)] == [a, c]
    later = erp.submit("Ping")
    step = dispatcher.step()  # one waits already: nothing more is sent
    assert step.dispatched is None and step.queued_in_flight
    assert erp.all("SELECT 1 FROM xtbatch_mgr.attempt WHERE batch_id = %s", (later,)) == []


def test_a_claim_refuses_a_job_superseded_by_an_earlier_one(
    dispatcher: Dispatcher, erp: Db
) -> None:
    c = erp.submit("Ping")
    dispatcher.step()
    b = erp.submit("Ping")
    erp.run(
        "UPDATE xtbatch.batch SET batch_scheduled = batch_scheduled - interval '1 hour'"
        " WHERE batch_id = %s",
        (b,),
    )
    assert claim_result(erp, c) == "superseded"
    refused = attempt(erp, c)
    assert refused["state"] == "cancelled" and refused["started_at"] is None
    assert refused["detail"] == f"superseded: job {b} was due before it"
    assert erp.job(c)["batch_started"] is None  # nothing of the ERP row was touched
    assert dispatcher.step() == Step(sleep=WATCH, dispatched=b, queued_in_flight=True)


def test_a_claim_refuses_a_job_rescheduled_into_the_future(dispatcher: Dispatcher, erp: Db) -> None:
    c = erp.submit("Ping")
    dispatcher.step()
    erp.run(
        "UPDATE xtbatch.batch SET batch_scheduled = localtimestamp + interval '1 hour'"
        " WHERE batch_id = %s",
        (c,),
    )
    assert claim_result(erp, c) == "superseded"
    refused = attempt(erp, c)
    assert refused["state"] == "cancelled"
    assert refused["detail"].startswith("superseded: the job was rescheduled to ")
    assert dispatcher.step() == Step(sleep=KEEPALIVE)  # not due for an hour: nothing sent


def test_a_claim_beside_a_running_job_is_refused_and_sent_again_once_it_ended(
    dispatcher: Dispatcher, erp: Db
) -> None:
    a, c = running_and_queued(dispatcher, erp)
    assert claim_result(erp, c) == "busy"  # e.g. a second worker took it while A ran
    waiting = attempt(erp, c)
    assert waiting["state"] == "dispatched" and waiting["sent_at"] is None
    assert erp.job(c)["batch_started"] is None

    step = dispatcher.step()  # A still runs: C waits, no message of it is on the queue
    assert not step.queued_in_flight
    assert waiting["sent_count"] == attempt(erp, c)["sent_count"]

    erp.run("SELECT xtbatch_mgr.complete(%s, '', true)", (attempt(erp, a)["task_id"],))
    assert dispatcher.step() == Step(sleep=WATCH)  # sent again at once
    assert attempt(erp, c)["sent_count"] == 2
    assert claim_result(erp, c) == "claimed"


def test_the_bridge_withdraws_a_waiting_job_whose_turn_passed(
    dispatcher: Dispatcher, erp: Db
) -> None:
    _, c = running_and_queued(dispatcher, erp)
    b = erp.submit("Ping")
    erp.run(
        "UPDATE xtbatch.batch SET batch_scheduled = batch_scheduled - interval '1 hour'"
        " WHERE batch_id = %s",
        (b,),
    )
    assert dispatcher.step() == Step(sleep=0)  # C withdrawn before any worker took it
    assert attempt(erp, c)["state"] == "cancelled"
    assert dispatcher.step() == Step(sleep=WATCH, dispatched=b, queued_in_flight=True)
    assert claim_result(erp, c) == "already cancelled"  # its message, taken later, runs nothing


def test_a_job_made_due_again_while_it_runs_is_not_dispatched_beside_itself(
    dispatcher: Dispatcher, erp: Db
) -> None:
    a = erp.submit("Ping")
    dispatcher.step()
    claim(erp, a)
    erp.run("UPDATE xtbatch.batch SET batch_started = NULL WHERE batch_id = %s", (a,))
    step = dispatcher.step()
    assert step.dispatched is None and not step.queued_in_flight
    assert [r["state"] for r in erp.attempts(a)] == ["running"]
