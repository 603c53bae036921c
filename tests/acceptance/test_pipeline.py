"""The job pipeline end to end: xTuple batch rows → bridge → one Celery worker → exit
status written back, on real PostgreSQL and Redis with real bridge and worker processes."""

from __future__ import annotations

import datetime as dt
import itertools
import signal

from tests.harness import Db, Stack, wait_for


def ping(db: Db, seconds: float | None = None, **kw: object) -> int:
    params = [("seconds", str(seconds), "double")] if seconds is not None else []
    return db.submit("Ping", params=params, **kw)  # type: ignore[arg-type]


def test_past_due_jobs_run_oldest_first_one_at_a_time(erp: Db, stack: Stack) -> None:
    now = erp.one("SELECT localtimestamp AS t")["t"]  # type: ignore[index]
    # Insert in an order unlike their schedule, so id order and schedule order differ.
    minutes = [7, 3, 19, 11, 1, 15, 5, 13, 9, 17, 2, 20, 4, 18, 6, 16, 8, 14, 10, 12]
    ids = {m: ping(erp, scheduled=str(now - dt.timedelta(minutes=m))) for m in minutes}
    stack.worker()
    stack.bridge()
    erp.wait_all_done(timeout=60)
    attempts = erp.attempts()
    assert len(attempts) == 20 and all(a["state"] == "succeeded" for a in attempts)
    started_order = [a["batch_id"] for a in sorted(attempts, key=lambda a: a["started_at"])]
    assert started_order == [ids[m] for m in sorted(minutes, reverse=True)]
    spans = sorted((a["started_at"], a["ended_at"]) for a in attempts)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, "two jobs overlapped in time"


def test_jobs_due_at_the_same_moment_run_one_after_the_other(erp: Db, stack: Stack) -> None:
    at = str(erp.one("SELECT localtimestamp - interval '1 second' AS t")["t"])  # type: ignore[index]
    first, second = ping(erp, 0.5, scheduled=at), ping(erp, 0.5, scheduled=at)
    stack.worker()
    stack.bridge()
    erp.wait_all_done()
    a, b = erp.attempts(first)[0], erp.attempts(second)[0]
    assert a["ended_at"] <= b["started_at"]
    assert erp.job(first)["batch_completed"] <= erp.job(second)["batch_started"]


def test_future_job_starts_on_time_not_early(erp: Db, stack: Stack) -> None:
    stack.worker()
    stack.bridge()
    wait_for(lambda: "leading" in stack.procs[-1].log(), 20, "the bridge to lead")
    scheduled = erp.one("SELECT localtimestamp + interval '3 seconds' AS t")["t"]  # type: ignore[index]
    batch_id = ping(erp, scheduled=str(scheduled))
    job = erp.wait_done(batch_id, timeout=20)
    lateness = (job["batch_started"] - scheduled).total_seconds()
    assert 0 <= lateness < 1.0, f"started {lateness:.3f} s after its time"


def test_exit_status_for_success_failure_unknown_kind_and_bad_parameter(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    ok = ping(erp)
    out_of_range = ping(erp, 999999)
    unknown = erp.submit("NoSuchKind")
    malformed = erp.submit("Ping", params=[("seconds", "soon", "int")])
    nameless = erp.submit("Ping", params=[(None, "1", "int")])  # type: ignore[list-item]
    stack.worker()
    stack.bridge()
    erp.wait_all_done()
    assert erp.job(ok)["batch_exitstatus"] == ""
    assert "Parameter 'seconds' is out of range" in erp.job(out_of_range)["batch_exitstatus"]
    assert erp.job(unknown)["batch_exitstatus"].startswith("Unknown job kind 'NoSuchKind'")
    assert erp.job(malformed)["batch_exitstatus"].startswith(
        "Parameter 'seconds' is malformed: expected a whole number"
    )
    assert "has no name" in erp.job(nameless)["batch_exitstatus"]
    assert {a["state"] for a in erp.attempts(ok)} == {"succeeded"}
    assert {a["state"] for a in erp.attempts(unknown)} == {"failed"}


def test_second_bridge_stands_by_and_takes_over_after_sigkill(erp: Db, stack: Stack) -> None:
    stack.worker()
    leader = stack.bridge(name="leader")
    wait_for(lambda: "leading" in leader.log(), 20, "the first bridge to lead", leader.log)
    standby = stack.bridge(name="standby")
    wait_for(lambda: "standing by" in standby.log(), 20, "the second to stand by", standby.log)
    assert f":{leader.pid}" in standby.log(), "the standby names the leader's host and pid"
    leader.signal(signal.SIGKILL)
    wait_for(lambda: "leading" in standby.log(), 5, "the standby to take over", standby.log)
    batch_id = ping(erp)
    erp.wait_done(batch_id, timeout=10)


def test_without_any_way_to_notify_a_successful_job_keeps_an_empty_exit_status(
    erp: Db, stack: Stack
) -> None:
    batch_id = ping(erp)  # this database has neither postMessage nor an SMTP server
    stack.worker()
    stack.bridge()
    # In xTuple a non-empty exit status means failure: the failed notice goes to the attempt.
    assert erp.wait_done(batch_id)["batch_exitstatus"] == ""
    (attempt,) = erp.attempts(batch_id)
    assert attempt["notice_failed"] is True
    assert attempt["notice"].startswith("Could not notify the submitter: ")
    assert "no postMessage function" in attempt["notice"]
