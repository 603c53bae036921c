"""Worker faults: SIGKILL and SIGTERM mid-job, and a guard that never lets a job run twice
at the same time."""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import Reliability
from tests.harness import (
    Db,
    Stack,
    running_attempt,
    sigkill_mid_job,
    start_ping,
    stream_outcome,
    wait_for,
)

# Every test here uses the test database with xTuple's message tables: ``erp`` is that database.
pytestmark = pytest.mark.usefixtures("xtuple_messages")


@pytest.mark.slow
def test_sigkill_mid_job_is_noticed_by_heartbeat_and_a_repeatable_job_runs_again(
    erp: Db, stack: Stack, reliability: Reliability
) -> None:
    batch_id, recovery, interrupted = sigkill_mid_job(erp, stack, 30, timeout=30)
    # Detected by the stale heartbeat (6 s in the tests), not by how long the job ran.
    assert 5 < recovery < 20
    job = erp.wait_done(batch_id, timeout=60)
    assert job["batch_exitstatus"] == ""
    rerun = erp.attempts(batch_id)[1]
    assert rerun["state"] == "succeeded"
    assert rerun["started_at"] >= interrupted["ended_at"]
    reliability.record(
        "SIGKILL the worker mid-job (Ping 30 s)",
        "worker killed; heartbeat stale after 6 s; Ping is safe to repeat",
        stream_outcome(erp, [batch_id]),
        recovery,
    )


@pytest.mark.slow
def test_a_job_interrupted_twice_ends_with_an_exit_status_saying_when(
    erp: Db, stack: Stack
) -> None:
    batch_id = erp.submit("Ping", params=[("seconds", "30", "int")])
    stack.bridge()
    for attempt in (1, 2):
        worker = stack.worker(name=f"worker{attempt}")
        wait_for(lambda: running_attempt(erp, batch_id), 30, "the job to run", worker.log)
        worker.kill_group()
        wait_for(lambda: running_attempt(erp, batch_id) is None, 30, "the interruption")
    job = erp.wait_done(batch_id, timeout=30)
    status = job["batch_exitstatus"]
    assert status.startswith("Interrupted: the worker running this job")
    assert "noticed at 20" in status
    assert "already been run again after an earlier interruption; use Retry" in status
    assert [a["state"] for a in erp.attempts(batch_id)] == ["interrupted", "interrupted"]


def test_first_sigterm_lets_the_job_finish_then_the_worker_exits(erp: Db, stack: Stack) -> None:
    batch_id, worker = start_ping(erp, stack, 3)
    worker.signal(signal.SIGTERM)
    assert worker.popen.wait(30) == 0
    job = erp.job(batch_id)
    assert job["batch_completed"] is not None and job["batch_exitstatus"] == ""
    assert [a["state"] for a in erp.attempts(batch_id)] == ["succeeded"]


@pytest.mark.slow
def test_second_sigterm_stops_at_once_and_the_job_is_still_accounted_for(
    erp: Db, stack: Stack, reliability: Reliability
) -> None:
    batch_id, worker = start_ping(erp, stack, 30, name="worker1")
    worker.signal(signal.SIGTERM)
    wait_for(
        lambda: "a second SIGTERM stops at once" in worker.log(),
        10,
        "the warm shutdown",
        worker.log,
    )
    stopped = time.monotonic()
    worker.signal(signal.SIGTERM)
    worker.popen.wait(15)
    assert time.monotonic() - stopped < 10, "the second SIGTERM did not stop the worker at once"
    stack.worker(name="worker2")
    job = erp.wait_done(batch_id, timeout=90)
    states = [a["state"] for a in erp.attempts(batch_id)]
    assert states[0] == "interrupted" and states[-1] == "succeeded", states
    assert job["batch_exitstatus"] == ""
    reliability.record(
        "SIGTERM twice mid-job (Ping 30 s)",
        "second SIGTERM: cold shutdown; job interrupted, run again",
        stream_outcome(erp, [batch_id]),
        time.monotonic() - stopped,
    )


def test_the_guard_refuses_a_second_run_while_the_first_still_runs(erp: Db, stack: Stack) -> None:
    """Break the bookkeeping on purpose: mark a running job interrupted and due again while
    its worker still runs it. A second worker gets the new dispatch; the job's advisory-lock
    guard, held by the first run's session, refuses it."""
    batch_id = erp.submit("Ping", params=[("seconds", "8", "int")])
    slow_beat = {"XTBATCH_HEARTBEAT_SECONDS": "30", "XTBATCH_STALE_SECONDS": "120"}
    first = stack.worker(name="worker1", env=slow_beat)
    stack.bridge(env=slow_beat)
    attempt = wait_for(lambda: running_attempt(erp, batch_id), 20, "the job to start")
    second = stack.worker(name="worker2", env=slow_beat, args=("--hostname", "second@%h"))
    first.signal(signal.SIGSTOP)  # the second worker must take the new dispatch
    try:
        erp.run(
            "SELECT xtbatch_mgr.interrupt(%s, 'test: broken on purpose', true)",
            (attempt["attempt_id"],),
        )
        wait_for(lambda: "refused" in second.log(), 20, "the second run to be refused", second.log)
    finally:
        first.signal(signal.SIGCONT)
    logs = first.log() + second.log()
    assert logs.count(f"batch job {batch_id} started") == 1
    assert f"batch job {batch_id} started" not in second.log()
    job = erp.wait_done(batch_id, timeout=30)
    assert "is still running in another session" in job["batch_exitstatus"]
