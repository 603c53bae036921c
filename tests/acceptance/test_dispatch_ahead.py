"""Dispatch one job ahead: while a job runs, the next due job's message already waits in the
broker; whatever happens to that job, the worker or the broker while it waits, every job runs
once, in scheduled order, never two at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness import (
    Db,
    Proc,
    Stack,
    assert_never_overlapping,
    running_attempt,
    start_ping,
    stream_outcome,
    wait_for,
    wait_queued_ahead,
)
from tests.private_services import PrivateRedis, restart_rabbitmq


@pytest.fixture
def restartable_broker(
    services: dict[str, str], tmp_path: Path
) -> Iterator[tuple[str, Callable[[], None]]]:
    """(URL, restart) of a broker of the kind this pass runs on: a private Redis without
    persistence (a restart loses the waiting message), or the suite's RabbitMQ."""
    if services["broker_url"].startswith("amqp"):
        yield services["broker_url"], restart_rabbitmq
        return
    server = PrivateRedis(tmp_path / "redis")
    try:
        yield server.url, server.restart
    finally:
        server.stop()


def ping(db: Db, seconds: float | None = None, **kw: Any) -> int:
    params = [("seconds", str(seconds), "double")] if seconds is not None else []
    return db.submit("Ping", params=params, **kw)


def states(db: Db, batch_id: int) -> list[str]:
    return [a["state"] for a in db.attempts(batch_id)]


def started(db: Db, batch_id: int) -> list[dict[str, Any]]:
    """The attempts of ``batch_id`` that a worker claimed (ran, or began to run)."""
    return [a for a in db.attempts(batch_id) if a["started_at"] is not None]


def succeeded_once(db: Db, batch_id: int) -> dict[str, Any]:
    """The one succeeded attempt of ``batch_id``, whose row says Done without an error."""
    done = [a for a in db.attempts(batch_id) if a["state"] == "succeeded"]
    assert len(done) == 1, f"job {batch_id} succeeded {len(done)} times: {db.attempts(batch_id)}"
    job = db.job(batch_id)
    assert job["batch_completed"] is not None and job["batch_exitstatus"] == "", job
    return done[0]


def assert_started_in_order(db: Db, ids: list[int]) -> None:
    """The successful runs of ``ids`` started in this order."""
    starts = [succeeded_once(db, batch_id)["started_at"] for batch_id in ids]
    order = [batch_id for _, batch_id in sorted(zip(starts, ids, strict=True))]
    assert order == ids, f"expected jobs to start in order {ids}, they started {order}"


def assert_refused_before_start(attempt: dict[str, Any]) -> None:
    """A queued-ahead attempt that was dropped or refused: cancelled, saying why, never run."""
    assert attempt["state"] == "cancelled", attempt
    assert attempt["started_at"] is None, attempt
    assert attempt["detail"], attempt


def wait_withdrawn(db: Db, batch_id: int, running: int) -> None:
    """The bridge withdraws a waiting job whose turn passed at once, while ``running`` still
    runs (a worker taking its message first refuses it the same way: its claim answers
    'superseded'; tests/integration/test_dispatcher_step.py drives both paths one by one)."""
    wait_for(
        lambda: db.attempts(batch_id)[0]["state"] == "cancelled",
        5,
        f"the waiting job {batch_id} to be withdrawn",
        db.attempts,
    )
    assert running_attempt(db, running), f"job {running} ended before the test could check"


def next_queued_behind_a_ping(
    db: Db, stack: Stack, seconds: float, **worker: Any
) -> tuple[int, int, Proc]:
    """A Ping of ``seconds`` runs; then a due Ping is submitted and must be queued ahead
    while the first still runs. Returns both jobs' ids and the worker."""
    first, proc = start_ping(db, stack, int(seconds), **worker)
    waiting = ping(db)
    wait_queued_ahead(db, waiting, timeout=seconds)
    return first, waiting, proc


def test_the_next_job_is_queued_while_one_runs(erp: Db, stack: Stack) -> None:
    first = ping(erp, 3)
    second = ping(erp)  # due from the start: the bridge must see the first one start
    stack.worker()
    stack.bridge()
    wait_for(lambda: running_attempt(erp, first), 20, "the first job to start")
    ahead = wait_queued_ahead(erp, second, timeout=3)
    erp.wait_all_done(timeout=30)
    assert [a["attempt_id"] for a in erp.attempts(second)] == [ahead["attempt_id"]], (
        "the message sent ahead is the one that ran"
    )
    assert states(erp, first) == ["succeeded"] and states(erp, second) == ["succeeded"]
    assert_started_in_order(erp, [first, second])
    assert erp.job(first)["batch_completed"] <= erp.job(second)["batch_started"]
    assert_never_overlapping(erp)


def test_an_earlier_job_submitted_while_the_next_waits_runs_first(erp: Db, stack: Stack) -> None:
    a, c, _ = next_queued_behind_a_ping(erp, stack, 5)
    # B: submitted after C (a higher id) but scheduled before it, so it is due first.
    b = ping(erp, scheduled=str(erp.job(c)["batch_scheduled"] - dt.timedelta(seconds=1)))
    wait_withdrawn(erp, c, a)
    wait_queued_ahead(erp, b, timeout=3)  # B takes its place, while A still runs
    erp.wait_all_done(timeout=60)
    assert_started_in_order(erp, [a, b, c])
    assert_refused_before_start(erp.attempts(c)[0])
    assert len(started(erp, c)) == 1, erp.attempts(c)
    assert states(erp, a) == ["succeeded"] and states(erp, b) == ["succeeded"]
    assert_never_overlapping(erp)


def test_the_waiting_job_cancelled_never_runs(erp: Db, stack: Stack) -> None:
    a, c, worker = next_queued_behind_a_ping(erp, stack, 5)
    erp.run("SELECT xtbatch.cancelBatchItem(%s)", (c,))  # as the ERP's Cancel does
    d = ping(erp)
    erp.wait_done(d, timeout=30)
    erp.wait_done(a)
    assert erp.one("SELECT 1 FROM xtbatch.batch WHERE batch_id = %s", (c,)) is None
    assert erp.attempts(c), "the cancelled job had been queued ahead"
    for attempt in erp.attempts(c):
        assert_refused_before_start(attempt)
    assert f"batch job {c} started" not in worker.log()
    assert states(erp, a) == ["succeeded"] and states(erp, d) == ["succeeded"]
    succeeded_once(erp, a)
    succeeded_once(erp, d)
    assert all(p.popen.poll() is None for p in stack.procs), "worker and bridge must survive"
    assert_never_overlapping(erp)


def test_the_waiting_job_rescheduled_later_waits_for_its_time(erp: Db, stack: Stack) -> None:
    a, c, _ = next_queued_behind_a_ping(erp, stack, 4)
    # As xTuple's client reschedules: a plain UPDATE, to after the running job will end.
    moved = erp.one(
        "UPDATE xtbatch.batch SET batch_scheduled = localtimestamp + interval '6 seconds' "
        "WHERE batch_id = %s RETURNING batch_scheduled",
        (c,),
    )
    assert moved is not None
    wait_withdrawn(erp, c, a)
    job = erp.wait_done(c, timeout=30)
    assert job["batch_started"] >= moved["batch_scheduled"], (
        f"started {job['batch_started']}, before its new time {moved['batch_scheduled']}"
    )
    assert_refused_before_start(erp.attempts(c)[0])
    assert len(started(erp, c)) == 1, erp.attempts(c)
    succeeded_once(erp, c)
    succeeded_once(erp, a)
    assert_never_overlapping(erp)


@pytest.mark.slow
def test_worker_killed_while_the_next_waits(erp: Db, stack: Stack) -> None:
    a, c, worker = next_queued_behind_a_ping(erp, stack, 8, name="worker1")
    worker.kill_group()
    stack.worker(name="worker2")
    erp.wait_all_done(timeout=90)
    interrupted = erp.attempts(a)[0]
    assert interrupted["state"] == "interrupted", erp.attempts(a)
    assert "no heartbeat for" in interrupted["detail"]
    # Ping is safe to repeat: it runs again, and still before the job scheduled after it.
    assert_started_in_order(erp, [a, c])
    assert "interrupted" not in states(erp, c)
    assert len(started(erp, c)) == 1, erp.attempts(c)
    outcome = stream_outcome(erp, [a, c])
    assert outcome["lost"] == 0 and outcome["run_twice"] == 0, outcome
    assert_never_overlapping(erp)


@pytest.mark.slow
def test_broker_restarted_while_the_next_waits(
    erp: Db, stack: Stack, restartable_broker: tuple[str, Callable[[], None]]
) -> None:
    url, restart = restartable_broker
    stack.env["XTBATCH_BROKER_URL"] = url
    a, c, _ = next_queued_behind_a_ping(erp, stack, 6)
    restart()
    erp.wait_all_done(timeout=60)
    assert states(erp, a) == ["succeeded"]
    assert len(started(erp, c)) == 1, erp.attempts(c)
    succeeded_once(erp, c)
    outcome = stream_outcome(erp, [a, c])
    assert outcome["lost"] == 0 and outcome["run_twice"] == 0, outcome
    assert_never_overlapping(erp)
