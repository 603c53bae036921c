"""The bridge's Prometheus /metrics: leader, due jobs, jobs by kind and outcome, timings."""

from __future__ import annotations

from tests.harness import Db, Stack, metric, scrape, wait_for
from tests.private_services import free_port


def test_metrics_count_jobs_by_kind_and_outcome(xtuple_messages: Db, stack: Stack) -> None:
    erp = xtuple_messages
    port = free_port()
    later = erp.submit("Ping", scheduled="2999-01-01 00:00:00")
    ids = [erp.submit("Ping"), erp.submit("Ping"), erp.submit("NoSuchKind")]
    stack.worker()
    stack.bridge(env={"XTBATCH_METRICS_PORT": str(port)})
    for batch_id in ids:
        erp.wait_done(batch_id)
    ok = '{kind="Ping",outcome="succeeded"}'
    unknown = '{kind="Unknown",outcome="failed"}'

    def counted() -> str | None:
        # The bridge counts each end when its NOTIFY arrives, after the row is complete.
        t = scrape(port)
        ended = t and (
            metric(t, "xtbatch_jobs_ended_total", ok),
            metric(t, "xtbatch_jobs_ended_total", unknown),
        )
        return t if ended == (2, 1) else None

    text = wait_for(counted, 10, "the metrics to count the jobs", lambda: scrape(port))
    assert metric(text, "xtbatch_bridge_leader") == 1
    assert metric(text, "xtbatch_jobs_ended_total", unknown) == 1
    assert metric(text, "xtbatch_jobs_dispatched_total", '{kind="Ping"}') == 2
    assert metric(text, "xtbatch_job_duration_seconds_count", '{kind="Ping"}') == 2
    assert metric(text, "xtbatch_dispatch_delay_seconds_count") == 3
    assert metric(text, "xtbatch_due_jobs") == 0, "the far-future job is not due"
    assert metric(text, "xtbatch_database_up") == 1
    assert erp.job(later)["batch_started"] is None


def test_due_jobs_and_their_age_show_while_no_worker_runs(erp: Db, stack: Stack) -> None:
    port = free_port()
    erp.submit("Ping", scheduled="2000-01-01 00:00:00")
    erp.submit("Ping")
    bridge = stack.bridge(env={"XTBATCH_METRICS_PORT": str(port)})
    text = wait_for(lambda: scrape(port), 20, "the metrics endpoint", bridge.log)
    # Both are due and not started (the first is dispatched, waiting for a worker).
    assert metric(text, "xtbatch_due_jobs") == 2
    age = metric(text, "xtbatch_oldest_due_job_age_seconds")
    assert age is not None and age > 20 * 365 * 86400, "due since 2000"
