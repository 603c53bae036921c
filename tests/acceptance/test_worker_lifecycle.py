"""The worker's processes each use their own database sessions: a pool child killed mid-job
is recorded by the main process, and the child forked to replace it opens its own sessions
(worker_process_init) instead of sharing the main process's connection."""

from __future__ import annotations

import os
import signal
from typing import Any

from tests.harness import Db, Proc, Stack, running_attempt, wait_for


def kill_child_mid_job(erp: Db, worker: Proc, batch_id: int) -> dict[str, Any]:
    """SIGKILL the pool child running ``batch_id``; return its attempt once it is recorded."""
    attempt = wait_for(lambda: running_attempt(erp, batch_id), 30, "the job to start", worker.log)
    child = int(attempt["worker_pid"])
    assert child != worker.pid
    os.kill(child, signal.SIGKILL)

    def ended() -> dict[str, Any] | None:
        rows = [a for a in erp.attempts(batch_id) if a["attempt_id"] == attempt["attempt_id"]]
        return rows[0] if rows and rows[0]["state"] != "running" else None

    return wait_for(ended, 20, "the killed attempt to be recorded", worker.log)


def own_control_sessions(erp: Db, pid: int) -> list[dict[str, Any]]:
    """The control sessions opened by process ``pid`` (db.application_name)."""
    return erp.all(
        "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
        (f"xtbatch-worker %:{pid}",),
    )


def kill_and_rerun(erp: Db, worker: Proc, batch_id: int) -> set[int]:
    """Kill the child running ``batch_id``, check the rerun; return both children's pids."""
    killed = kill_child_mid_job(erp, worker, batch_id)
    # Recorded by the failure callback in the main process (its own session), not by the
    # bridge's stale-heartbeat check: the words are the callback's.
    assert killed["state"] == "interrupted", killed
    assert "ended unexpectedly" in killed["detail"], killed["detail"]
    rerun = wait_for(lambda: running_attempt(erp, batch_id), 30, "the rerun", worker.log)
    # The replacement child claimed the rerun on a session of its own, not on the one it
    # inherited from the main process (opened there by the failure callback).
    sessions = own_control_sessions(erp, int(rerun["worker_pid"]))
    assert len(sessions) == 1, sessions
    job = erp.wait_done(batch_id, timeout=40)
    assert job["batch_exitstatus"] == ""
    done = erp.attempts(batch_id)[-1]
    assert done["state"] == "succeeded"
    # The replacement child names the same worker (host:pid of the main process).
    assert done["worker"] == killed["worker"], (done, killed)
    assert killed["worker"].endswith(f":{worker.pid}"), killed["worker"]
    return {int(killed["worker_pid"]), int(done["worker_pid"])}


def test_a_killed_pool_child_is_recorded_by_the_main_process_and_replaced_twice(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    worker = stack.worker()
    stack.bridge()
    children: set[int] = set()
    for _ in range(2):
        batch_id = erp.submit("Ping", params=[("seconds", "3", "int")])
        children |= kill_and_rerun(erp, worker, batch_id)
    assert worker.pid not in children and len(children) >= 3, children
    assert "interruption not recorded" not in worker.log()
