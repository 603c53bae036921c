"""The desktop client's SQL against real bridge and worker processes, on a stand-in xTuple
database (tests/xtuple_db.py) with EnableBatchManager on, mail to a real SMTP server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Mailbox
from tests.harness import Stack
from tests.qt_client import QtSession
from tests.xtuple_db import *  # noqa: F403
from tests.xtuple_db import XtupleDb


@pytest.fixture
def erp(xtuple: XtupleDb) -> XtupleDb:
    """The test's xTuple database, with the batch manager switched on as the client needs."""
    xtuple.set_metric("EnableBatchManager", "t")
    return xtuple


@pytest.fixture
def running(
    services: dict[str, str], erp: XtupleDb, mailbox: Mailbox, tmp_path: Path
) -> Iterator[Stack]:
    """A worker and a bridge serving the test's database, mailing to ``mailbox``."""
    queue = f"xtbatch.test.xt.{uuid.uuid4().hex[:10]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")},
        "XTBATCH_DATABASE_URL": erp.url,
        "XTBATCH_BROKER_URL": services["broker_url"],
        "XTBATCH_QUEUE": queue,
        "XTBATCH_SMTP_URL": mailbox.url,
        "XTBATCH_REPORT_DIR": str(tmp_path / "reports"),
        "XTBATCH_LOG_FORMAT": "text",
        "XTBATCH_HEARTBEAT_SECONDS": "1",
        "XTBATCH_WORKER_HEARTBEAT_SECONDS": "2",
    }
    stack = Stack(env=env, folder=tmp_path)
    stack.worker()
    stack.bridge()
    yield stack
    stack.stop_all()  # forgets the queue's Redis keys too


@pytest.fixture
def client(erp: XtupleDb) -> Iterator[QtSession]:
    """The desktop client's session: the ordinary user, logged in with login(true)."""
    with erp.clerk.connect(erp) as conn:
        session = QtSession(conn)
        assert session.login() == 1
        yield session
