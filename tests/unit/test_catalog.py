"""Every kind in the policy table has a registered task, and the callbacks exist."""

from __future__ import annotations

import tasks.catalog  # noqa: F401  (registers the tasks)
from xtbatch.celeryapp import app
from xtbatch.kinds import POLICIES


def test_every_kind_and_callback_is_a_registered_task() -> None:
    names = set(app.tasks)
    assert {p.task_name for p in POLICIES.values()} <= names
    assert "xtbatch.job_failed" in names
