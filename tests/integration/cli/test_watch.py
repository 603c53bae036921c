"""``xtbatch status --watch``: redraws on NOTIFY, ends cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable

from tests.integration.cli.conftest import Cli, Watcher, ago

READY = "watching for changes (Ctrl-C to stop)"
StartWatch = Callable[..., Watcher]


def test_watch_shows_a_new_job_and_exits_0_on_sigterm(cli: Cli, watcher: StartWatch) -> None:
    w = watcher("status", "--all", "--watch")
    ready = w.wait_for(READY)

    batch_id = cli.job("ServerMaintenance", user="alice")

    seen = w.wait_for(f"job {batch_id} insert", after=ready)
    assert "ServerMaintenance" in w.output[ready:seen]
    code, stderr = w.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert stderr == ""


def test_watch_exits_0_on_sigint(cli: Cli, watcher: StartWatch) -> None:
    w = watcher("status", "--watch")
    w.wait_for(READY)

    code, stderr = w.stop(signal.SIGINT)

    assert code == 0, stderr
    assert "Traceback" not in stderr


def test_watch_drops_a_cancelled_job(cli: Cli, watcher: StartWatch) -> None:
    kept = cli.job("Ping", scheduled=ago("2 hours"))
    gone = cli.job("RunReport", scheduled=ago("1 hour"))
    w = watcher("status", "--watch")
    ready = w.wait_for(READY)
    assert "RunReport" in w.output

    cli.run("cancel", str(gone))

    seen = w.wait_for(f"job {gone} delete", after=ready)
    snapshot = w.output[ready:seen]
    assert "RunReport" not in snapshot
    assert f"\n{kept:>2}  postgres  Ping" in snapshot
    w.stop(signal.SIGTERM)


def test_watch_shows_a_failure_when_the_attempt_ends(cli: Cli, watcher: StartWatch) -> None:
    batch_id = cli.job("Ping", scheduled=ago("1 hour"), started=ago("1 minute"))
    cli.sql(
        "INSERT INTO xtbatch_mgr.attempt (task_id, batch_id, state, worker, started_at)"
        " VALUES (gen_random_uuid(), %(id)s, 'running', 'celery@test', now())",
        {"id": batch_id},
    )
    w = watcher("status", "--completed", "--watch")
    ready = w.wait_for(READY)
    assert "In-Process" in w.output

    cli.sql(
        "UPDATE xtbatch.batch SET batch_completed = localtimestamp,"
        " batch_exitstatus = E'The ping failed.\\nDetail' WHERE batch_id = %(id)s",
        {"id": batch_id},
    )
    cli.sql(
        "UPDATE xtbatch_mgr.attempt SET state = 'failed', ended_at = now() WHERE batch_id = %(id)s",
        {"id": batch_id},
    )

    seen = w.wait_for(f"job {batch_id} failed", after=ready)
    snapshot = w.output[ready:seen]
    assert "Done" in snapshot and "The ping failed." in snapshot
    assert "1 job, 1 failed" in snapshot
    assert "Detail" not in snapshot
    w.stop(signal.SIGTERM)


def test_watch_shows_a_retried_job_again(cli: Cli, watcher: StartWatch) -> None:
    batch_id = cli.job("Ping", started=ago("1 hour"), completed=ago("1 hour"), exitstatus="x")
    w = watcher("status", "--watch")
    ready = w.wait_for(READY)
    assert "0 jobs" in w.output

    cli.run("retry", str(batch_id))

    seen = w.wait_for(f"job {batch_id} update", after=ready)
    assert "Scheduled" in w.output[ready:seen]
    w.stop(signal.SIGTERM)


def test_watch_json_prints_one_line_per_change(cli: Cli, watcher: StartWatch) -> None:
    w = watcher("status", "--watch", "--json")
    w.wait_for('"jobs": []')

    batch_id = cli.job("Ping")

    w.wait_for(f'"batch_id": {batch_id}')
    code, _ = w.stop(signal.SIGTERM)
    lines = [json.loads(line) for line in w.output.splitlines()]
    assert [len(doc["jobs"]) for doc in lines] == [0, 1]
    assert lines[1]["jobs"][0]["run_status"] == "Scheduled"
    assert code == 0


def test_watch_ends_with_one_line_when_the_database_goes(cli: Cli, watcher: StartWatch) -> None:
    w = watcher("status", "--watch")
    w.wait_for(READY)

    cli.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name LIKE 'xtbatch-cli-watch %%'"
    )

    assert w.proc.wait(timeout=10) == 2
    assert w.proc.stderr is not None
    stderr = w.proc.stderr.read().strip().splitlines()
    assert len(stderr) == 1, stderr
    assert stderr[0].startswith("xtbatch status: Lost the connection to database ")
