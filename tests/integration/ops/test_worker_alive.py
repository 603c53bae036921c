"""When a worker counts as alive is defined once, ``xtbatch.workers.alive_within`` (issue 14):
the bridge (whether to send a job again) and ``xtbatch doctor`` (its worker check) agree on
either side of the threshold. Before, the bridge allowed 65 s and the doctor 90 s."""

from __future__ import annotations

import pytest

from bridge.dispatcher import Dispatcher
from tests.integration.ops.conftest import OpsDb
from xtbatch import db
from xtbatch.celeryapp import create_app
from xtbatch.cli.commands import doctor
from xtbatch.settings import load
from xtbatch.workers import alive_within

QUEUE = "xtbatch.test.alive"


@pytest.mark.parametrize(("age", "alive"), [(55, True), (75, False)])
def test_the_bridge_and_the_doctor_agree_whether_a_worker_is_alive(
    ops_db: OpsDb, age: int, alive: bool
) -> None:
    settings = load({"database_url": ops_db.url, "queue": QUEUE, "worker_heartbeat_seconds": "30"})
    assert alive_within(settings) == 65  # two missed 30 s heartbeats and 5 s of slack
    with db.connect(settings, "test") as conn:
        conn.execute(
            "INSERT INTO xtbatch_mgr.worker (worker, queue, hostname, pid, heartbeat_at) "
            "VALUES ('celery@host1', %(queue)s, 'host1', 4242, "
            "        clock_timestamp() - make_interval(secs => %(age)s))",
            {"queue": QUEUE, "age": age},
        )
        # Only the settings and the connection matter to the question (the app sends nothing).
        app = create_app(settings)
        bridge = Dispatcher(settings, app=app, conn=conn, metrics=None)  # type: ignore[arg-type]
        check = doctor.check_worker(conn, settings)
        assert bridge._worker_alive() is alive
    assert check.status == ("OK" if alive else "FAIL"), check.line()
    if not alive:
        assert f"no worker has reported on queue '{QUEUE}' in the last 65 s" in check.detail
