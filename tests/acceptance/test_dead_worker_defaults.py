"""Dead-worker detection with the DEFAULT settings (issue 13, item 8): a killed worker is
noticed within three missed heartbeats, and a healthy long job on a busy machine is never
taken for dead, because the bridge first checks that the job's session is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Reliability
from tests.harness import Db, Stack, running_attempt, sigkill_mid_job, stream_outcome, wait_for
from xtbatch.settings import VARIABLES

# The timing settings the other tests shorten; here they keep their defaults.
TIMING = (
    "XTBATCH_STALE_SECONDS",
    "XTBATCH_HEARTBEAT_SECONDS",
    "XTBATCH_WORKER_HEARTBEAT_SECONDS",
    "XTBATCH_REDISPATCH_SECONDS",
)


def default(env: str) -> float:
    return float(next(v.default for v in VARIABLES if v.env == env))


@pytest.fixture
def default_stack(stack_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    """Like ``stack``, with the production defaults for heartbeats and staleness."""
    s = Stack(env={k: v for k, v in stack_env.items() if k not in TIMING}, folder=tmp_path)
    yield s
    s.stop_all()  # and forgets the Redis keys of every queue it used


@pytest.fixture
def busy_machine() -> Iterator[list[int]]:
    """Two CPU-bound processes for the length of the test, ended by their PIDs."""
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True)
        for _ in range(2)
    ]
    yield [p.pid for p in burners]
    for p in burners:
        os.kill(p.pid, signal.SIGKILL)
        p.wait(10)


def test_the_default_detection_is_at_most_three_missed_heartbeats() -> None:
    assert default("XTBATCH_STALE_SECONDS") <= 3 * default("XTBATCH_HEARTBEAT_SECONDS")


@pytest.mark.slow
def test_a_killed_worker_is_noticed_within_three_heartbeats_by_default(
    xtuple_messages: Db, default_stack: Stack, reliability: Reliability
) -> None:
    erp = xtuple_messages
    batch_id, recovery, _ = sigkill_mid_job(erp, default_stack, 60, timeout=60, start_timeout=30)
    print(f"\nkill to re-dispatch with the defaults: {recovery:.1f} s")
    stale = default("XTBATCH_STALE_SECONDS")
    assert recovery < stale + 5, f"noticed after {recovery:.1f} s"
    reliability.record(
        "SIGKILL the worker mid-job, default settings (Ping 60 s)",
        f"worker's process group killed; heartbeat stale after {stale:.0f} s and the job's "
        "session gone; Ping is safe to repeat",
        stream_outcome(erp, [batch_id]),
        recovery,
    )


@pytest.mark.slow
def test_a_healthy_long_job_on_a_busy_machine_is_never_taken_for_dead(
    xtuple_messages: Db, default_stack: Stack, busy_machine: list[int]
) -> None:
    erp = xtuple_messages
    ping = erp.submit("Ping", params=[("seconds", "60", "int")])
    maintenance = erp.submit("ServerMaintenance")
    worker = default_stack.worker()
    bridge = default_stack.bridge()
    oldest = 0.0  # the oldest heartbeat seen while a job ran

    def both_done() -> bool:
        nonlocal oldest
        row = erp.one(
            "SELECT max(EXTRACT(EPOCH FROM clock_timestamp() - heartbeat_at))::float8 AS age "
            "FROM xtbatch_mgr.attempt WHERE state = 'running'"
        )
        oldest = max(oldest, (row or {}).get("age") or 0.0)
        return all(erp.job(b)["batch_completed"] for b in (ping, maintenance))

    wait_for(both_done, 200, "both jobs to complete", lambda: erp.attempts())
    print(f"\noldest heartbeat seen on the busy machine: {oldest:.1f} s")
    assert all(os.waitpid(pid, os.WNOHANG) == (0, 0) for pid in busy_machine), "burners ran"
    for batch_id in (ping, maintenance):
        assert erp.job(batch_id)["batch_exitstatus"] == "", erp.job(batch_id)
        assert [a["state"] for a in erp.attempts(batch_id)] == ["succeeded"]
    assert "interrupted" not in bridge.log() + worker.log()


def test_a_frozen_worker_whose_session_lives_is_not_taken_for_dead(
    xtuple_messages: Db, stack: Stack
) -> None:
    """SIGSTOP the pool child running the job for longer than the stale limit (6 s in the
    tests): no heartbeat, but its database session, and the job's guard lock, live on. The
    bridge waits instead of running the job a second time; after SIGCONT the job ends once."""
    erp = xtuple_messages
    batch_id = erp.submit("Ping", params=[("seconds", "4", "int")])
    worker = stack.worker()
    bridge = stack.bridge()
    attempt = wait_for(lambda: running_attempt(erp, batch_id), 20, "the job to start")
    child = int(attempt["worker_pid"])
    assert child != worker.pid
    os.kill(child, signal.SIGSTOP)
    try:
        wait_for(
            lambda: "still connected" in bridge.log(),
            20,
            "the bridge to notice the silence and see the session alive",
            bridge.log,
        )
        assert running_attempt(erp, batch_id), erp.attempts(batch_id)
        stalled = erp.one(
            "SELECT EXTRACT(EPOCH FROM clock_timestamp() - heartbeat_at)::float8 AS age "
            "FROM xtbatch_mgr.attempt WHERE attempt_id = %s",
            (attempt["attempt_id"],),
        )
        assert stalled is not None and stalled["age"] > 6
    finally:
        os.kill(child, signal.SIGCONT)
    job = erp.wait_done(batch_id, timeout=30)
    assert job["batch_exitstatus"] == ""
    assert [a["state"] for a in erp.attempts(batch_id)] == ["succeeded"]
    assert worker.log().count(f"batch job {batch_id} started") == 1


def test_the_readme_shows_the_default_detection() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    stale = next(v.default for v in VARIABLES if v.env == "XTBATCH_STALE_SECONDS")
    assert f"| `XTBATCH_STALE_SECONDS` | `{stale}` |" in readme
