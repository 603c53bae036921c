"""Broker faults: Redis or RabbitMQ restarted during a stream; a job longer than the
broker's redelivery window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RABBIT_URL, Reliability, _tcp
from tests.harness import Db, Stack, done_count, stream_outcome, submit_pings, wait_for
from tests.private_services import PrivateRedis, restart_rabbitmq


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis")
    yield server
    server.stop()


def rabbit_or_skip() -> str:
    if not _tcp(RABBIT_URL, 5672):
        pytest.skip(f"no RabbitMQ answers at {RABBIT_URL.split('@')[-1]} (CI has one)")
    return RABBIT_URL


def _stream_through_restart(erp: Db, stack: Stack, restart: object) -> tuple[dict, float]:  # type: ignore[type-arg]
    ids = submit_pings(erp, 200, seconds=0.02)
    stack.worker()
    stack.bridge()
    wait_for(lambda: done_count(erp, ids) >= 50, 60, "50 jobs to complete")
    before = done_count(erp, ids)
    began = time.monotonic()
    restart()  # type: ignore[operator]
    wait_for(
        lambda: done_count(erp, ids) > before + 5,
        90,
        "jobs to flow again",
        lambda: done_count(erp, ids),
    )
    recovery = time.monotonic() - began
    wait_for(
        lambda: done_count(erp, ids) == 200,
        180,
        "all 200 jobs",
        lambda: (done_count(erp, ids), erp.attempts()[-3:]),
    )
    return stream_outcome(erp, ids), recovery


@pytest.mark.slow
@pytest.mark.redis_only
def test_redis_restart_during_200_jobs_every_job_completes_exactly_once(
    erp: Db, stack: Stack, private_redis: PrivateRedis, reliability: Reliability
) -> None:
    stack.env["XTBATCH_BROKER_URL"] = private_redis.url
    outcome, recovery = _stream_through_restart(erp, stack, private_redis.restart)
    assert outcome["lost"] == 0 and outcome["run_twice"] == 0, outcome
    reliability.record(
        "Restart Redis (no persistence) during 200 jobs",
        "lost message re-sent by the bridge; workers reconnect",
        outcome,
        recovery,
    )


@pytest.mark.slow
@pytest.mark.rabbitmq
def test_rabbitmq_restart_during_200_jobs_every_job_completes_exactly_once(
    erp: Db, stack: Stack, reliability: Reliability
) -> None:
    stack.env["XTBATCH_BROKER_URL"] = rabbit_or_skip()
    outcome, recovery = _stream_through_restart(erp, stack, restart_rabbitmq)
    assert outcome["lost"] == 0 and outcome["run_twice"] == 0, outcome
    reliability.record(
        "Restart RabbitMQ (stop_app/start_app) during 200 jobs",
        "durable queue; workers and bridge reconnect",
        outcome,
        recovery,
    )


@pytest.mark.redis_only
def test_a_job_longer_than_the_redis_visibility_timeout_runs_once(
    xtuple_messages: Db, stack: Stack, private_redis: PrivateRedis, reliability: Reliability
) -> None:
    erp = xtuple_messages
    stack.env["XTBATCH_BROKER_URL"] = private_redis.url
    stack.env["XTBATCH_VISIBILITY_TIMEOUT"] = "3"  # far below the job: Redis will redeliver
    batch_id = erp.submit("Ping", params=[("seconds", "10", "int")])
    worker = stack.worker()
    stack.bridge()
    job = erp.wait_done(batch_id, timeout=40)
    assert job["batch_exitstatus"] == ""
    assert worker.log().count(f"batch job {batch_id} started") == 1
    assert [a["state"] for a in erp.attempts(batch_id)] == ["succeeded"]
    reliability.record(
        "Job (10 s) longer than Redis visibility_timeout (3 s)",
        "redelivered copy refused by the claim",
        {"submitted": 1, "completed": 1, "lost": 0, "run_twice": 0},
        None,
    )
