"""The submitter's notice is bookkeeping of its own: a job that succeeded keeps an empty exit
status (in xTuple, a non-empty one means the job failed) even when nobody could be told; the
failed notice shows in the attempt, `xtbatch show`, the worker's log and /metrics."""

from __future__ import annotations

import subprocess
import sys

from tests.harness import Db, Proc, Stack, metric, scrape, wait_for
from tests.private_services import free_port

FAILED_NOTICES = "xtbatch_notices_failed_total"


def show(stack: Stack, batch_id: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "xtbatch", "show", str(batch_id)],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def failed_notices(port: int, kind: str, expected: float, bridge: Proc) -> str:
    """Wait for /metrics to count ``expected`` failed notices of ``kind``; return the page."""
    labels = f'{{kind="{kind}"}}'
    return wait_for(
        lambda: (t := scrape(port)) and metric(t, FAILED_NOTICES, labels) == expected and t,
        10,
        f"/metrics to count {expected:g} failed notice(s) of {kind}",
        lambda: scrape(port) or bridge.log(),
    )


def notice_error_line(log: str, batch_id: int) -> str:
    """The worker's ERROR line about this job's notice."""
    for line in log.splitlines():
        if " ERROR " in line and f"batch job {batch_id} " in line and "not be told" in line:
            return line
    raise AssertionError(f"no ERROR line about batch job {batch_id}'s notice in:\n{log}")


def test_a_successful_ping_nobody_can_be_told_of_ends_done_with_an_empty_exit_status(
    erp: Db, stack: Stack
) -> None:
    # This database has no xTuple system messages and no SMTP server is configured.
    port = free_port()
    batch_id = erp.submit("Ping", user="jsmith")
    worker = stack.worker()
    bridge = stack.bridge(env={"XTBATCH_METRICS_PORT": str(port)})
    job = erp.wait_done(batch_id)
    assert job["batch_exitstatus"] == "", "a job that succeeded has an empty exit status"
    (attempt,) = erp.attempts(batch_id)
    assert attempt["state"] == "succeeded"
    assert attempt["notice_failed"] is True
    assert "no postMessage function" in attempt["notice"]
    text = failed_notices(port, "Ping", 1, bridge)
    assert metric(text, "xtbatch_jobs_ended_total", '{kind="Ping",outcome="succeeded"}') == 1
    line = notice_error_line(worker.log(), batch_id)
    assert "jsmith" in line and "XTBATCH_SMTP_URL" in line
    shown = show(stack, batch_id)
    assert shown.startswith(f"Batch job {batch_id} · Ping · Done\n"), shown
    assert "Succeeded (empty exit status)" in shown
    assert "Notice: FAILED" in shown and "no postMessage function" in shown


def test_a_successful_ping_whose_mail_server_is_unreachable_keeps_an_empty_exit_status(
    erp: Db, stack: Stack
) -> None:
    port = free_port()
    batch_id = erp.submit("Ping", user="jsmith", email="jsmith@example.com")
    worker = stack.worker(env={"XTBATCH_SMTP_URL": "smtp://127.0.0.1:1"})
    bridge = stack.bridge(env={"XTBATCH_METRICS_PORT": str(port)})
    job = erp.wait_done(batch_id)
    assert job["batch_exitstatus"] == ""
    (attempt,) = erp.attempts(batch_id)
    assert attempt["state"] == "succeeded" and attempt["notice_failed"] is True
    assert "Email to jsmith@example.com failed" in attempt["notice"]
    assert "127.0.0.1:1" in attempt["notice"]
    failed_notices(port, "Ping", 1, bridge)
    assert "jsmith@example.com" in notice_error_line(worker.log(), batch_id)
    shown = show(stack, batch_id)
    assert shown.startswith(f"Batch job {batch_id} · Ping · Done\n"), shown
    assert "Notice: FAILED" in shown and "Email to jsmith@example.com failed" in shown


def test_a_failed_job_whose_notice_failed_keeps_its_failure_first_and_gains_one_line(
    erp: Db, stack: Stack
) -> None:
    port = free_port()
    batch_id = erp.submit("Ping", user="jsmith", params=[("seconds", "soon", "int")])
    stack.worker()
    bridge = stack.bridge(env={"XTBATCH_METRICS_PORT": str(port)})
    lines = erp.wait_done(batch_id)["batch_exitstatus"].splitlines()
    assert lines[0].startswith("Parameter 'seconds' is malformed"), lines
    notice_lines = [n for n in lines if n.startswith("Could not notify the submitter: ")]
    assert notice_lines == [lines[-1]], "exactly one notice line, the last"
    assert "no postMessage function" in lines[-1]
    (attempt,) = erp.attempts(batch_id)
    assert attempt["state"] == "failed" and attempt["notice_failed"] is True
    failed_notices(port, "Ping", 1, bridge)
    shown = show(stack, batch_id)
    assert shown.startswith(f"Batch job {batch_id} · Ping · Done (failed)"), shown
    assert "Notice: FAILED" in shown


def test_a_notice_that_reached_the_submitter_is_recorded_and_not_counted(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    port = free_port()
    batch_id = erp.submit("Ping", user="jsmith")
    stack.worker()
    bridge = stack.bridge(env={"XTBATCH_METRICS_PORT": str(port)})
    assert erp.wait_done(batch_id)["batch_exitstatus"] == ""
    (attempt,) = erp.attempts(batch_id)
    assert attempt["notice_failed"] is False
    assert attempt["notice"] == "system message to jsmith"
    ok = '{kind="Ping",outcome="succeeded"}'
    text = wait_for(
        lambda: (t := scrape(port)) and metric(t, "xtbatch_jobs_ended_total", ok) == 1 and t,
        10,
        "/metrics to count the job",
        bridge.log,
    )
    assert metric(text, FAILED_NOTICES, '{kind="Ping"}') in (None, 0.0)
    assert "Notice: system message to jsmith" in show(stack, batch_id)


def test_a_system_message_that_fails_to_post_is_recorded_with_the_outcome_of_the_job(
    xtuple_messages: Db, stack: Stack
) -> None:
    """The message is posted in the outcome's transaction: when postMessage fails, both roll
    back, and the outcome is written again saying why nobody was told."""
    erp = xtuple_messages
    erp.run(
        "ALTER TABLE public.msguser ADD CONSTRAINT no_ghosts CHECK (msguser_username <> 'ghost')"
    )
    ok = erp.submit("Ping", user="ghost")
    failed = erp.submit("RefreshCrystalBall", user="ghost")
    worker = stack.worker()
    stack.bridge()
    assert erp.wait_done(ok)["batch_exitstatus"] == "", "the job succeeded: empty exit status"
    (attempt,) = erp.attempts(ok)
    assert attempt["state"] == "succeeded" and attempt["notice_failed"] is True
    assert attempt["notice"].startswith(
        "Could not notify the submitter: Posting a system message to ghost failed: "
    ), attempt["notice"]
    assert "no_ghosts" in attempt["notice"]
    assert "ghost" in notice_error_line(worker.log(), ok)

    lines = erp.wait_done(failed)["batch_exitstatus"].splitlines()
    assert lines[0].startswith("Unknown job kind 'RefreshCrystalBall'"), lines
    assert lines[-1].startswith("Could not notify the submitter: Posting a system message"), lines
    assert erp.all("SELECT 1 FROM public.msg") == [], "a failed post leaves no half message"
