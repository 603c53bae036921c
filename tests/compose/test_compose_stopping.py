"""compose.yaml end to end in podman, after test_compose_stack.py on the same stack: a worker
stopped and one killed mid-job (each job still ends once), then `down`."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.compose.helpers import PROJECT, attempts, job, submit_ping, wait_done, wait_running
from tests.compose.stack import PUBLISHED_PORTS, ComposeStack, poll, port_in_use

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


def test_stopping_the_worker_mid_job_lets_the_job_finish_first(stack: ComposeStack) -> None:
    batch_id = submit_ping(stack, seconds=6)
    wait_running(stack, batch_id)
    began = time.monotonic()
    stack.compose("stop", "worker", timeout=700)
    stopped_after = time.monotonic() - began
    state = stack.state("worker")
    assert not state["Running"] and state["ExitCode"] == 0, state
    done = job(stack, batch_id)
    assert done["batch_completed"] and done["batch_exitstatus"] in ("", None), done
    assert [a["state"] for a in attempts(stack, batch_id)] == ["succeeded"]
    assert stopped_after < 60, f"the worker took {stopped_after:.0f} s to stop"
    stack.up("worker")
    stack.wait_healthy("worker")


def test_a_worker_that_dies_mid_job_is_restarted_and_the_job_recovered(
    stack: ComposeStack,
) -> None:
    batch_id = submit_ping(stack, seconds=10)
    wait_running(stack, batch_id)
    before = stack.state("worker")
    # A crash, not a stop: the container's main process dies (SIGKILL, by its PID), its
    # running job with it; `restart: unless-stopped` brings the container back.
    os.kill(int(before["Pid"]), signal.SIGKILL)
    killed = time.monotonic()

    def restarted() -> bool:
        now = stack.state("worker")
        return bool(now.get("Running")) and now.get("Pid") != before["Pid"]

    poll(restarted, 30, "the worker container to restart", lambda: stack.state("worker"))
    done = wait_done(stack, batch_id, timeout=150)
    assert done["batch_exitstatus"] in ("", None), done
    first, *later = attempts(stack, batch_id)
    assert first["state"] == "interrupted", first
    assert "no heartbeat for" in (first["detail"] or ""), first
    assert [a["state"] for a in later] == ["succeeded"]
    stack.timings["recovery after the crash"] = time.monotonic() - killed


def test_down_leaves_nothing_running(stack: ComposeStack) -> None:
    stack.down()
    assert stack.containers() == []
    for kind in ("volume", "network"):
        names = stack.podman(kind, "ls", "--format", "{{.Name}}").stdout.split()
        assert [n for n in names if n.startswith(f"{PROJECT}_")] == [], kind
    assert [port for port in PUBLISHED_PORTS if port_in_use(port)] == []
