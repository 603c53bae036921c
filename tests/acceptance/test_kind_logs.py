"""A kind's log lines, as a real worker writes them in JSON: under the kind's own logger, with
the fields the kind gave (issue 14: the adapter used to replace them with the job's)."""

from __future__ import annotations

import json
from typing import Any

from tests.harness import Db, Stack


def json_lines(log: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_a_kind_logs_its_action_and_fields_under_its_own_module(erp: Db, stack: Stack) -> None:
    batch_id = erp.submit("ServerMaintenance")
    worker = stack.worker(env={"XTBATCH_LOG_FORMAT": "json"})
    stack.bridge()
    job = erp.wait_done(batch_id, timeout=60)
    assert job["batch_exitstatus"] == "", job["batch_exitstatus"]
    assert [a["state"] for a in erp.attempts(batch_id)] == ["succeeded"]
    lines = json_lines(worker.log())
    started = [e for e in lines if e.get("action") == "kind.maintenance_started"]
    assert len(started) == 1, [e for e in lines if e.get("batch_id") == batch_id]
    (entry,) = started
    assert entry["logger"] == "tasks.kinds.server_maintenance"
    assert entry["batch_id"] == batch_id and entry["kind"] == "ServerMaintenance"
    assert isinstance(entry["tables"], int) and entry["tables"] > 0
    progress = [e for e in lines if e.get("action") == "job.progress"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == entry["tables"]
    assert progress[-1]["logger"] == "tasks.kinds.server_maintenance"
