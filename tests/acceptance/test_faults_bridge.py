"""Bridge faults: the leader is killed during a stream of jobs; the standby takes over."""

from __future__ import annotations

import signal
import time

import pytest

from tests.conftest import Reliability
from tests.harness import Db, Stack, done_count, stream_outcome, submit_pings, wait_for


@pytest.mark.slow
def test_sigkill_of_the_leader_during_200_jobs_loses_none_and_runs_none_twice(
    erp: Db, stack: Stack, reliability: Reliability
) -> None:
    ids = submit_pings(erp, 200, seconds=0.02)
    stack.worker()
    leader = stack.bridge(name="leader")
    wait_for(lambda: "leading" in leader.log(), 20, "the leader", leader.log)
    standby = stack.bridge(name="standby")
    wait_for(lambda: "standing by" in standby.log(), 20, "the standby", standby.log)
    wait_for(lambda: done_count(erp, ids) >= 50, 60, "50 jobs to complete")
    leader.signal(signal.SIGKILL)
    killed = time.monotonic()
    wait_for(lambda: "leading" in standby.log(), 5, "the standby to take over", standby.log)
    took_over = time.monotonic() - killed
    wait_for(lambda: done_count(erp, ids) == 200, 120, "all 200 jobs", lambda: done_count(erp, ids))
    outcome = stream_outcome(erp, ids)
    assert outcome["lost"] == 0 and outcome["run_twice"] == 0, outcome
    attempts = erp.attempts()
    assert len(attempts) == 200, "a job was dispatched twice"
    assert {a["state"] for a in attempts} == {"succeeded"}
    assert took_over < 5
    reliability.record(
        "SIGKILL the leader bridge during 200 jobs",
        "standby takes the advisory lock when the leader's session ends",
        outcome,
        took_over,
    )
