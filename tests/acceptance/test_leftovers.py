"""A test run leaves nothing behind (issue 13): no Redis keys or unacknowledged messages of
its queues once its processes stop, and no empty folders in the temp directory."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import redis

from tests.harness import Db, Stack, wait_for
from xtbatch.settings import default_queue

ROOT = Path(__file__).resolve().parents[2]


def leftovers(broker_url: str, queue: str) -> list[str]:
    """Keys that name ``queue``, and unacknowledged messages routed to it."""
    client = redis.Redis.from_url(broker_url.replace("redis+socket://", "unix://"))
    try:
        found = [k.decode() for k in client.scan_iter(match=f"*{queue}*", count=1000)]
        for tag, payload in client.hscan_iter("unacked"):
            if queue.encode() in payload:
                found.append(f"unacked {tag.decode()}")
        return found
    finally:
        client.close()


@pytest.fixture
def redis_broker(stack_env: dict[str, str]) -> str:
    url = stack_env["XTBATCH_BROKER_URL"]
    if not url.startswith("redis"):
        pytest.skip("about what Redis keeps; this run's broker is not Redis")
    return url


@pytest.mark.redis_only
def test_a_stopped_stack_leaves_no_message_or_binding_in_redis(
    erp: Db, stack_env: dict[str, str], redis_broker: str, tmp_path: Path
) -> None:
    queue = stack_env["XTBATCH_QUEUE"]
    stack = Stack(env=dict(stack_env), folder=tmp_path)
    batch_id = erp.submit("Ping", params=[("seconds", "30", "int")])
    worker = stack.worker()
    stack.bridge()
    wait_for(
        lambda: any(a["state"] == "running" for a in erp.attempts(batch_id)),
        30,
        "the Ping to start",
        worker.log,
    )
    worker.kill_group()  # its message stays unacknowledged in Redis
    assert any(k.startswith("unacked") for k in leftovers(redis_broker, queue))

    stack.stop_all()

    assert leftovers(redis_broker, queue) == []


@pytest.mark.redis_only
def test_a_stack_on_the_queue_derived_from_its_database_forgets_it_too(
    erp: Db, stack_env: dict[str, str], redis_broker: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in stack_env.items() if k != "XTBATCH_QUEUE"}
    queue = default_queue(erp.url)
    stack = Stack(env=env, folder=tmp_path)
    batch_id = erp.submit("Ping")
    stack.worker()
    stack.bridge()
    erp.wait_done(batch_id)
    assert leftovers(redis_broker, queue) != []  # kombu's bindings at least

    stack.stop_all()

    assert leftovers(redis_broker, queue) == []


def test_a_test_session_leaves_no_folder_in_the_temp_directory(tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    env.pop("XTBATCH_TEST_EMBEDDED_STARTED", None)  # a session of its own, as make test runs
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/unit/test_readme.py",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert tempfile.gettempdir() != str(temp)
    assert [p.name for p in temp.iterdir() if p.name.startswith("xtbatch-")] == []
