"""Legacy D/W/M recurrence: the next run is the schedule plus whole intervals, in the
future, as a copy of the job and its parameters."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.harness import Db


def complete_with_recurrence(erp: Db, interval: str, scheduled: str) -> dict:  # type: ignore[type-arg]
    batch_id = erp.submit(
        "Ping",
        scheduled=scheduled,
        batch_reschedinterval=interval,
        params=[("seconds", "1", "int")],
    )
    task_id = f"00000000-0000-0000-0000-{batch_id:012d}"
    erp.run("SELECT xtbatch_mgr.dispatch(%s, %s, 'test')", (batch_id, task_id))
    erp.run("SELECT xtbatch_mgr.claim(%s, 'test', 1)", (task_id,))
    assert erp.one("SELECT xtbatch_mgr.complete(%s, '') AS r", (task_id,)) == {"r": "completed"}
    copy = erp.one("SELECT * FROM xtbatch.batch WHERE batch_id > %s", (batch_id,))
    assert copy is not None, "no next run was queued"
    params = erp.all(
        "SELECT batchparam_name, batchparam_value FROM xtbatch.batchparam "
        "WHERE batchparam_batch_id = %s",
        (copy["batch_id"],),
    )
    assert params == [{"batchparam_name": "seconds", "batchparam_value": "1"}]
    return copy


@pytest.mark.parametrize(
    ("interval", "step"), [("D", dt.timedelta(days=1)), ("W", dt.timedelta(days=7))]
)
def test_daily_and_weekly_jobs_come_back_whole_intervals_later(
    erp: Db, interval: str, step: dt.timedelta
) -> None:
    now = erp.one("SELECT localtimestamp AS t")["t"]  # type: ignore[index]
    scheduled = now - dt.timedelta(days=30, hours=3)
    copy = complete_with_recurrence(erp, interval, str(scheduled))
    gap = copy["batch_scheduled"] - scheduled
    assert gap % step == dt.timedelta(0)
    assert now < copy["batch_scheduled"] <= now + step
    assert copy["batch_started"] is None and copy["batch_reschedinterval"] == interval


def test_monthly_job_keeps_its_day_and_comes_back_in_the_future(erp: Db) -> None:
    copy = complete_with_recurrence(erp, "M", "2001-01-15 06:30:00")
    now = erp.one("SELECT localtimestamp AS t")["t"]  # type: ignore[index]
    assert copy["batch_scheduled"].day == 15 and copy["batch_scheduled"].hour == 6
    assert now < copy["batch_scheduled"] <= now + dt.timedelta(days=31)


def test_a_job_scheduled_in_year_one_does_not_loop_for_every_day(erp: Db) -> None:
    copy = complete_with_recurrence(erp, "D", "0001-01-01 00:00:00")
    assert copy["batch_scheduled"] > erp.one("SELECT localtimestamp AS t")["t"]  # type: ignore[index]
