"""A standby bridge leaves no ghost: stopped, its database session ends; killed, its session
can never take the lead without a live process behind it (issue 13, item 3)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from tests.harness import Db, Proc, Stack, wait_for
from xtbatch.cli.commands.doctor import check_bridge
from xtbatch.settings import load

LEADER_LOCK_KEY = 0x78746200  # bridge.leader.LEADER_LOCK_KEY


def backends(erp: Db, bridge: Proc) -> list[dict[str, Any]]:
    """The leadership sessions of one bridge process (its application_name ends in :pid)."""
    return erp.all(
        "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name LIKE 'xtbatch-bridge %%' "
        "AND application_name LIKE %s",
        (f"%:{bridge.pid}",),
    )


def lock_holder(erp: Db) -> str | None:
    """The application_name of the session that holds the leader lock."""
    row = erp.one(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objid = %s::bigint::oid "
        "AND l.objsubid = 1 AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database())",
        (LEADER_LOCK_KEY,),
    )
    return None if row is None else str(row["application_name"])


def doctor_bridge_line(stack: Stack) -> str:
    """The bridge line of a real `xtbatch doctor` run (other checks may fail: no worker)."""
    done = subprocess.run(
        [sys.executable, "-m", "xtbatch", "doctor", "--no-ping", "--timeout", "10"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [
        line
        for line in done.stdout.splitlines()
        if len(line.split()) >= 2 and line.split()[1] == "bridge"
    ]
    assert lines, done.stdout + done.stderr
    return lines[0]


def start_standby(erp: Db, stack: Stack, name: str) -> Proc:
    standby = stack.bridge(name=name)
    wait_for(lambda: "standing by" in standby.log(), 20, "the standby", standby.log)
    assert backends(erp, standby), "the standby has a session while it stands by"
    return standby


def stop_standby(erp: Db, stack: Stack, leader: Proc, standby: Proc, signum: int) -> None:
    standby.signal(signum)
    assert standby.popen.wait(10) == 0, standby.log()
    standby.stopped = True
    assert "bridge stopped" in standby.log()
    wait_for(
        lambda: not backends(erp, standby),
        5,
        "the stopped standby's session to end",
        lambda: backends(erp, standby),
    )
    line = doctor_bridge_line(stack)
    assert "standby" not in line and f":{leader.pid}" in line, line


def test_a_stopped_standby_ends_its_session_and_doctor_stops_counting_it(
    erp: Db, stack: Stack
) -> None:
    leader = stack.bridge(name="leader")
    wait_for(lambda: "leading" in leader.log(), 20, "the leader", leader.log)
    standby = start_standby(erp, stack, "standby-term")
    assert doctor_bridge_line(stack).endswith(", 1 standby")
    stop_standby(erp, stack, leader, standby, signal.SIGTERM)
    standby = start_standby(erp, stack, "standby-int")
    stop_standby(erp, stack, leader, standby, signal.SIGINT)  # Ctrl-C
    assert leader.popen.poll() is None
    holder = lock_holder(erp)
    assert holder is not None and holder.endswith(f":{leader.pid}")


def test_a_killed_standby_never_takes_the_lead_and_a_live_one_does_at_once(
    erp: Db, stack: Stack
) -> None:
    leader = stack.bridge(name="leader")
    wait_for(lambda: "leading" in leader.log(), 20, "the leader", leader.log)
    ghost = stack.bridge(name="ghost")
    wait_for(lambda: "standing by" in ghost.log(), 20, "the first standby", ghost.log)
    ghost.kill_group()  # SIGKILL: no chance to close anything
    live = stack.bridge(name="live")
    wait_for(lambda: "standing by" in live.log(), 20, "the second standby", live.log)
    wait_for(
        lambda: not backends(erp, ghost),
        5,
        "the killed standby's session to end",
        lambda: backends(erp, ghost),
    )
    leader.signal(signal.SIGKILL)
    killed = time.monotonic()
    wait_for(
        lambda: (holder := lock_holder(erp)) is not None and holder.endswith(f":{live.pid}"),
        5,
        "the live standby to hold the leader lock",
        lambda: (lock_holder(erp), backends(erp, ghost)),
    )
    took_over = time.monotonic() - killed
    wait_for(lambda: "leading" in live.log(), 5, "the live standby to lead", live.log)
    print(f"\ntakeover after the leader's SIGKILL: {took_over:.3f} s")
    assert took_over < 1.0
    settings = load({"database_url": erp.url})
    with erp.connect() as conn:
        check = check_bridge(conn, settings)  # type: ignore[arg-type]
    assert check.status == "OK" and f":{live.pid}" in check.detail
    assert "standby" not in check.detail
