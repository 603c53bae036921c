"""Two ERP databases on one broker: each bridge and worker use the queue derived from their
own database, and no job crosses to the other database's worker."""

from __future__ import annotations

import functools
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Databases
from tests.harness import Db, Proc, Stack, submit_pings, wait_for
from xtbatch.settings import default_queue

JOBS = 10


@pytest.fixture
def second_erp(databases: Databases, template_db: str) -> Iterator[Db]:
    """Another installed database on the same server, cloned from the same template."""
    with databases.scratch("erp", template=template_db) as name:
        yield Db(databases.url(name))


@pytest.fixture
def second_stack(stack: Stack, second_erp: Db, tmp_path: Path) -> Iterator[Stack]:
    """Processes for the second database: same broker, same settings but the database."""
    folder = tmp_path / "b"
    folder.mkdir()
    s = Stack(env={**stack.env, "XTBATCH_DATABASE_URL": second_erp.url}, folder=folder)
    yield s
    s.stop_all()


def ready(proc: Proc) -> bool:
    return "ready." in proc.log() or proc.popen.poll() is not None


def test_two_databases_on_one_broker_each_run_only_their_own_jobs(
    erp: Db, stack: Stack, second_erp: Db, second_stack: Stack
) -> None:
    stack.env.pop("XTBATCH_QUEUE")  # both derive their queue from their database
    second_stack.env.pop("XTBATCH_QUEUE")
    assert stack.env["XTBATCH_BROKER_URL"] == second_stack.env["XTBATCH_BROKER_URL"]
    queues = {db.url: default_queue(db.url) for db in (erp, second_erp)}
    assert queues[erp.url] != queues[second_erp.url]

    ids = {erp.url: submit_pings(erp, JOBS), second_erp.url: submit_pings(second_erp, JOBS)}
    workers = {erp.url: stack.start("worker"), second_erp.url: second_stack.start("worker")}
    for proc in workers.values():
        wait_for(functools.partial(ready, proc), 60, "the worker to be ready", proc.log)
        assert proc.popen.poll() is None, proc.log()
    stack.bridge()
    second_stack.bridge()
    for db in (erp, second_erp):
        rows = db.wait_all_done(timeout=30)
        assert [r["batch_id"] for r in rows] == ids[db.url]

    host = socket.gethostname()
    for db in (erp, second_erp):
        own = f"{host}:{workers[db.url].pid}"
        attempts = db.attempts()
        assert len(attempts) == JOBS
        assert {a["state"] for a in attempts} == {"succeeded"}
        assert {a["worker"] for a in attempts} == {own}, "a job ran on the other worker"
        registered = db.all("SELECT worker, queue FROM xtbatch_mgr.worker")
        assert registered == [{"worker": own, "queue": queues[db.url]}]
        assert queues[db.url] in workers[db.url].log()
