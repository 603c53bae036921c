"""The ERP acts while a job is in flight; each case ends in a defined, documented state."""

from __future__ import annotations

from tests.harness import Db, Stack, running_attempt, start_ping, wait_for


def test_cancel_of_a_pending_job_means_it_never_runs(xtuple_messages: Db, stack: Stack) -> None:
    erp = xtuple_messages
    later = erp.submit(
        "Ping", scheduled=str(erp.one("SELECT localtimestamp + interval '2 seconds' AS t")["t"])
    )  # type: ignore[index]
    stack.worker()
    stack.bridge()
    erp.run("SELECT xtbatch.cancelBatchItem(%s)", (later,))
    marker = erp.submit(
        "Ping", scheduled=str(erp.one("SELECT localtimestamp + interval '3 seconds' AS t")["t"])
    )  # type: ignore[index]
    erp.wait_done(marker)
    assert erp.attempts(later) == []


def test_cancel_of_a_dispatched_job_before_a_worker_takes_it(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    batch_id = erp.submit("Ping")
    bridge = stack.bridge()  # no worker yet: the job stays dispatched
    wait_for(lambda: erp.attempts(batch_id), 20, "the dispatch", bridge.log)
    erp.run("SELECT xtbatch.cancelBatchItem(%s)", (batch_id,))
    wait_for(
        lambda: erp.attempts(batch_id)[0]["state"] == "cancelled",
        10,
        "the bridge to drop the dispatch",
        lambda: erp.attempts(batch_id),
    )
    worker = stack.worker()
    after = erp.submit("Ping")  # the queue is not blocked by the cancelled job
    erp.wait_done(after)
    assert f"batch job {batch_id} started" not in worker.log()


def test_cancel_of_a_running_job_stops_it_and_nothing_crashes(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    batch_id, worker = start_ping(erp, stack, 60)
    erp.run("SELECT xtbatch.cancelBatchItem(%s)", (batch_id,))
    wait_for(lambda: running_attempt(erp, batch_id) is None, 10, "the job to stop", worker.log)
    (attempt,) = erp.attempts(batch_id)
    assert attempt["state"] == "failed"
    assert "row gone while the job ran" in attempt["detail"]
    assert "cancelled while it ran" in attempt["detail"]
    after = erp.submit("Ping")
    erp.wait_done(after)
    assert worker.popen.poll() is None, "the worker must survive"


def test_reschedule_of_a_running_job_keeps_the_new_schedule(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    batch_id, _ = start_ping(erp, stack, 2)
    erp.run(
        "SELECT xtbatch.rescheduleBatchItem(%s, localtimestamp + interval '1 hour')", (batch_id,)
    )
    wait_for(lambda: running_attempt(erp, batch_id) is None, 20, "the first run to end")
    job = erp.job(batch_id)
    assert job["batch_started"] is None and job["batch_completed"] is None
    (attempt,) = erp.attempts(batch_id)
    assert attempt["state"] == "succeeded"
    assert attempt["detail"].startswith("row rescheduled while the job ran")


def test_params_deleted_before_the_run_use_the_kinds_defaults(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    batch_id = erp.submit("Ping", params=[("seconds", "30", "int")])
    erp.run("DELETE FROM xtbatch.batchparam WHERE batchparam_batch_id = %s", (batch_id,))
    stack.worker()
    stack.bridge()
    job = erp.wait_done(batch_id)
    assert job["batch_exitstatus"] == ""
    assert (job["batch_completed"] - job["batch_started"]).total_seconds() < 10
