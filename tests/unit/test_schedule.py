"""Beat's plan: times from its settings, slots, catch-up, purge days; the in-process
scheduler (no services needed)."""

from __future__ import annotations

import datetime as dt

import pytest

from beat.schedule import (
    DEFAULT_PURGE_DAYS,
    MAINTENANCE,
    Periodic,
    load_plan,
    purge_days,
)
from beat.service import InProcessScheduler
from xtbatch.celeryapp import create_app
from xtbatch.errors import ConfigurationError
from xtbatch.settings import load, parse_time_of_day

NIGHT = Periodic(name=MAINTENANCE, at=dt.time(2, 0))


def test_plan_defaults_to_purge_at_0130_and_maintenance_at_0200() -> None:
    plan = load_plan(load({}))
    assert plan.purge is not None and plan.purge.at == dt.time(1, 30)
    assert plan.maintenance is not None and plan.maintenance.at == dt.time(2, 0)


def test_plan_turns_an_action_off() -> None:
    plan = load_plan(load({"maintenance_at": "off", "purge_at": "23:05"}))
    assert plan.maintenance is None
    assert [p.name for p in plan.actions] == ["PurgeHistory"]


def test_plan_lists_every_invalid_time_in_one_error() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({"maintenance_at": "2am", "purge_at": "24:00"})
    assert "XTBATCH_MAINTENANCE_AT=2am" in raised.value.message
    assert "XTBATCH_PURGE_AT=24:00" in raised.value.message


@pytest.mark.parametrize("text", ["7:5", "07:60", "-1:00", "12:00:00", "noon"])
def test_time_of_day_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time_of_day(text)


def test_latest_slot_is_today_after_the_time_and_yesterday_before() -> None:
    assert NIGHT.latest_slot(dt.datetime(2026, 3, 5, 2, 0)) == dt.datetime(2026, 3, 5, 2, 0)
    assert NIGHT.latest_slot(dt.datetime(2026, 3, 5, 1, 59)) == dt.datetime(2026, 3, 4, 2, 0)


def test_a_slot_missed_by_less_than_two_hours_is_caught_up() -> None:
    assert NIGHT.due_slot(dt.datetime(2026, 3, 5, 3, 59)) == dt.datetime(2026, 3, 5, 2, 0)


def test_a_slot_missed_by_more_than_two_hours_waits_for_the_next_night() -> None:
    assert NIGHT.due_slot(dt.datetime(2026, 3, 5, 4, 1)) is None


@pytest.mark.parametrize(
    ("metric", "days"),
    [
        (None, DEFAULT_PURGE_DAYS),
        ("", DEFAULT_PURGE_DAYS),
        ("abc", DEFAULT_PURGE_DAYS),
        ("7", 7),
        (" 45 ", 45),
        ("0", 0),
        ("-3", 0),
    ],
)
def test_purge_days_from_the_metric(metric: str | None, days: int) -> None:
    assert purge_days(metric) == days


def test_scheduler_runs_due_entries_in_process_without_a_broker() -> None:
    app = create_app(load({"broker_url": "redis://127.0.0.1:1/0"}))  # nothing listens there
    calls: list[str] = []
    scheduler_cls = type("S", (InProcessScheduler,), {"actions": {"t": lambda: calls.append("t")}})
    app.conf.beat_schedule = {"e": {"task": "t", "schedule": dt.timedelta(seconds=0.01)}}
    scheduler = scheduler_cls(app=app)
    deadline = dt.datetime.now() + dt.timedelta(seconds=5)
    while not calls and dt.datetime.now() < deadline:
        scheduler.tick()
    assert calls == ["t"]
