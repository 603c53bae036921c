"""The run status (Scheduled / In-Process / Done) and whether a job failed are computed in one
place, ``xtbatch.jobs`` (issue 14): ``status``, ``show`` and the steering commands all say
what it says. Before, SQL and Python each computed them, and disagreed on a blank exit status.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.integration.cli.conftest import ROOT, Cli
from xtbatch.jobs import RunStatus, failed, run_status


def test_status_show_and_retry_report_the_run_status_jobs_computes(cli: Cli) -> None:
    # One of each; the last completed with an exit status of blanks only, which is not a
    # failure (a failure says something).
    inserted = cli.sql(
        "INSERT INTO xtbatch.batch (batch_action, batch_user, batch_scheduled, batch_started,"
        "                           batch_completed, batch_exitstatus)"
        " VALUES ('Ping', 'postgres', localtimestamp + interval '1 hour', NULL, NULL, NULL),"
        "        ('Ping', 'postgres', localtimestamp - interval '1 hour',"
        "         localtimestamp - interval '1 minute', NULL, NULL),"
        "        ('Ping', 'postgres', localtimestamp - interval '1 hour',"
        "         localtimestamp - interval '2 minutes',"
        "         localtimestamp - interval '1 minute', '  ')"
        " RETURNING batch_id"
    )
    scheduled, running, done = sorted(r["batch_id"] for r in inserted)
    expected = {}
    for batch_id in (scheduled, running, done):
        row = cli.row(batch_id)
        assert row is not None
        expected[batch_id] = (
            run_status(row["batch_started"], row["batch_completed"]),
            failed(row["batch_completed"], row["batch_exitstatus"]),
        )
    assert [status for status, _ in expected.values()] == list(RunStatus)

    listed = cli.run("status", "--completed", "--json")
    assert listed.returncode == 0, listed.stderr
    by_status = {r["batch_id"]: (r["run_status"], r["failed"]) for r in json.loads(listed.stdout)}
    assert by_status == expected
    for batch_id, want in expected.items():
        shown = cli.run("show", str(batch_id), "--json")
        assert shown.returncode == 0, shown.stderr
        job = json.loads(shown.stdout)["job"]
        assert (job["run_status"], job["failed"]) == want, batch_id

    refused = cli.run("retry", str(scheduled), str(running))
    assert refused.returncode == 2
    assert f"{scheduled} is Scheduled, {running} is In-Process." in refused.stderr


def test_no_sql_and_no_other_module_spells_a_run_status() -> None:
    sql = list((ROOT / "xtbatch").rglob("*.sql"))
    python = list((ROOT / "xtbatch").rglob("*.py")) + [
        p for package in ("bridge", "tasks", "beat") for p in (ROOT / package).rglob("*.py")
    ]
    # "Scheduled" is also the status table's column title.
    statuses = "|".join(re.escape(s) for s in (RunStatus.IN_PROCESS, RunStatus.DONE))
    spelled = {
        str(p.relative_to(ROOT))
        for p in sql + python
        if re.search(rf"""['"]({statuses})['"]""", p.read_text(encoding="utf-8"))
    }
    assert spelled == {str(Path("xtbatch", "jobs.py"))}
