"""A message delivered twice, or a stale message, never runs a job a second time."""

from __future__ import annotations

import uuid

from tests.harness import Db, Stack, wait_for
from xtbatch import settings as settings_module
from xtbatch.celeryapp import create_app


def test_the_same_job_delivered_twice_runs_once(xtuple_messages: Db, stack: Stack) -> None:
    erp = xtuple_messages
    batch_id = erp.submit("Ping", params=[("seconds", "1", "int")])
    worker = stack.worker()
    task_id = str(uuid.uuid4())
    erp.run("SELECT xtbatch_mgr.dispatch(%s, %s, 'test')", (batch_id, task_id))
    app = create_app(
        settings_module.load(
            {
                "database_url": erp.url,
                "broker_url": stack.env["XTBATCH_BROKER_URL"],
                "queue": stack.env["XTBATCH_QUEUE"],
            }
        )
    )
    for _ in range(2):
        app.send_task(
            "xtbatch.job.Ping",
            kwargs={"batch_id": batch_id, "kind": "Ping"},
            task_id=task_id,
            queue=stack.env["XTBATCH_QUEUE"],
            link_error=app.signature("xtbatch.job_failed"),
        )
    job = erp.wait_done(batch_id)
    assert job["batch_exitstatus"] == ""
    wait_for(lambda: "not run" in worker.log(), 10, "the second delivery to be refused", worker.log)
    assert worker.log().count(f"batch job {batch_id} started") == 1
    assert "already running" in worker.log() or "already succeeded" in worker.log()
    assert [a["state"] for a in erp.attempts(batch_id)] == ["succeeded"]


def test_a_message_that_is_not_the_current_dispatch_does_nothing(erp: Db, stack: Stack) -> None:
    batch_id = erp.submit("Ping")
    worker = stack.worker()
    app = create_app(
        settings_module.load(
            {
                "database_url": erp.url,
                "broker_url": stack.env["XTBATCH_BROKER_URL"],
                "queue": stack.env["XTBATCH_QUEUE"],
            }
        )
    )
    app.send_task(
        "xtbatch.job.Ping",
        kwargs={"batch_id": batch_id, "kind": "Ping"},
        task_id=str(uuid.uuid4()),
        queue=stack.env["XTBATCH_QUEUE"],
    )
    wait_for(lambda: "not run" in worker.log(), 15, "the stray message to be refused", worker.log)
    assert erp.job(batch_id)["batch_started"] is None
