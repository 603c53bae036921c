"""A kind's logger keeps the fields of each call and adds the job's (issue 14, defect 1)."""

from __future__ import annotations

import logging

import pytest

from tasks.context import JobContext, kind_log


def a_kind(ctx: JobContext) -> str | None:
    return None


def test_a_call_keeps_its_extra_and_gets_the_jobs_fields(caplog: pytest.LogCaptureFixture) -> None:
    log = kind_log(a_kind, batch_id=7, kind="Ping")
    with caplog.at_level(logging.INFO, logger=__name__):
        log.info("done %d", 3, extra={"action": "kind.done", "items": 3})
        log.info("no extra")
    first, second = caplog.records
    assert first.name == __name__  # the module of the kind's function
    assert (first.action, first.items, first.batch_id, first.kind) == ("kind.done", 3, 7, "Ping")  # type: ignore[attr-defined]
    assert (second.batch_id, second.kind) == (7, "Ping")  # type: ignore[attr-defined]
    assert not hasattr(second, "action")


def test_a_calls_own_field_wins_over_the_jobs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=__name__):
        kind_log(a_kind, batch_id=7, kind="Ping").info("x", extra={"kind": "Other"})
    assert caplog.records[0].kind == "Other"  # type: ignore[attr-defined]
