"""Parameters are checked against the kind's one declaration: by ``xtbatch submit`` before
anything is inserted, and by the worker before the kind runs (rows the ERP inserts itself).
Jobs the submit command accepts still run."""

from __future__ import annotations

import subprocess
import sys

from tests.harness import Db, Stack


def _submit(stack: Stack, *args: str) -> int:
    result = subprocess.run(
        [sys.executable, "-m", "xtbatch", "submit", *args],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.split()[3])


def test_submitted_jobs_run_and_rows_missing_a_declared_parameter_fail(
    xtuple_messages: Db, stack: Stack
) -> None:
    erp = xtuple_messages
    quick = _submit(stack, "Ping", "--param", "seconds=0.2")
    typed = _submit(stack, "Ping", "--param", "seconds=1:int")
    series = _submit(stack, "PostGLSeries", "--param", "glseries_sequence=7")
    bypassed = erp.submit("PostGLSeries")  # the ERP inserts rows without asking xtbatch
    stack.worker()
    stack.bridge()
    erp.wait_all_done()

    assert erp.job(quick)["batch_exitstatus"] == ""
    assert erp.job(typed)["batch_exitstatus"] == ""
    # The declared parameter passed; the job then needs xTuple's G/L functions.
    assert erp.job(series)["batch_exitstatus"].startswith(
        "PostGLSeries cannot run: this database lacks these functions"
    )
    assert erp.job(bypassed)["batch_exitstatus"] == (
        "Parameter 'glseries_sequence' is missing: expected a whole number "
        "(the sequence number of a G/L series)."
    )
