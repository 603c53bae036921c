"""PostgreSQL restarted during a stream: bridge and worker reconnect with backoff, log the
outage once, and every job completes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import INSTALL, Databases, Reliability
from tests.harness import Db, Stack, done_count, stream_outcome, submit_pings, wait_for
from tests.private_services import PrivatePostgres
from xtbatch.cli.sample import sample_sql


@pytest.fixture
def private_erp(tmp_path: Path) -> Iterator[tuple[PrivatePostgres, Db]]:
    server = PrivatePostgres(tmp_path / "pg")
    on_server = Databases(server.server_url)  # dropped with the server
    name = on_server.create("erp", setup=[INSTALL, sample_sql("xtuple_messages.sql")])
    yield server, Db(on_server.url(name))
    server.destroy()


@pytest.mark.slow
def test_postgres_restart_during_a_stream_every_job_completes(
    private_erp: tuple[PrivatePostgres, Db], stack: Stack, reliability: Reliability
) -> None:
    server, erp = private_erp
    stack.env["XTBATCH_DATABASE_URL"] = erp.url
    ids = submit_pings(erp, 200, seconds=0.02)
    worker = stack.worker()
    bridge = stack.bridge()
    wait_for(lambda: done_count(erp, ids) >= 50, 60, "50 jobs to complete")
    began = time.monotonic()
    server.restart(down_for=3)
    wait_for(lambda: "reachable again" in bridge.log(), 60, "the bridge to reconnect", bridge.log)
    wait_for(
        lambda: done_count(erp, ids) == 200,
        180,
        "all 200 jobs",
        lambda: (done_count(erp, ids), erp.attempts()[-2:]),
    )
    recovery = time.monotonic() - began
    outcome = stream_outcome(erp, ids)
    assert outcome["lost"] == 0 and outcome["run_twice"] == 0, outcome
    assert bridge.log().count("lost the database or broker") == 1, "log the outage once"
    assert worker.log().count("worker heartbeat failed") <= 1
    reliability.record(
        "Restart PostgreSQL (immediate stop, 3 s down) during 200 jobs",
        "bridge reconnects with backoff; pool replaces broken connections",
        outcome,
        recovery,
    )
