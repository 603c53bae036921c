"""A fault inside a job kind's code is an internal error, not a parameter error: the exit
status says so and names the log reference, and the worker log has the traceback once."""

from __future__ import annotations

from tests.harness import Db, Stack


def test_value_error_inside_a_kind_is_an_internal_error_with_its_traceback(
    erp: Db, stack: Stack
) -> None:
    # The Email kind's address parsing raises ValueError for a display name holding a line
    # break: a fault in the code, not in the job's parameters (it has none).
    batch_id = erp.submit("Email", email='"Ann\nLee" <ann@example.com>', batch_subject="hi")
    worker = stack.worker(env={"XTBATCH_SMTP_URL": "smtp://127.0.0.1:9"})
    stack.bridge()
    job = erp.wait_done(batch_id)
    (attempt,) = erp.attempts(batch_id)
    task_id = str(attempt["task_id"])
    status = job["batch_exitstatus"]
    assert status.startswith("Internal error:"), status
    assert "parameters do not fit" not in status
    assert task_id in status, "the exit status names the log reference"
    log = worker.log()
    assert log.count("Traceback (most recent call last)") == 1, log
    assert "address parts cannot contain CR or LF" in log
    assert f"internal error in batch job {batch_id}" in log
    assert attempt["state"] == "failed"
