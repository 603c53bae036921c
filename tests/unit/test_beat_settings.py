"""Beat's nightly times are settings like any other: validated with the rest at start, shown
in the README table, and round-tripped through their text form."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from beat.schedule import load_plan
from xtbatch.errors import ConfigurationError
from xtbatch.settings import VARIABLES, load


def test_beat_times_are_settings_with_their_defaults() -> None:
    settings = load({})
    assert settings.maintenance_at == dt.time(2, 0)
    assert settings.purge_at == dt.time(1, 30)
    assert {"XTBATCH_MAINTENANCE_AT", "XTBATCH_PURGE_AT"} <= {v.env for v in VARIABLES}


def test_off_turns_a_time_off_and_survives_a_round_trip() -> None:
    settings = load({"maintenance_at": "off", "purge_at": "23:05"})
    assert settings.maintenance_at is None and settings.purge_at == dt.time(23, 5)
    assert settings.as_strings()["maintenance_at"] == "off"
    assert load(settings.as_strings()) == settings
    assert load_plan(settings).maintenance is None


def test_a_bad_beat_time_is_reported_with_the_other_bad_settings() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({"purge_at": "25:00", "heartbeat_seconds": "0"})
    assert "XTBATCH_PURGE_AT=25:00" in raised.value.message
    assert "XTBATCH_HEARTBEAT_SECONDS=0" in raised.value.message


def test_beat_with_a_bad_time_exits_2_naming_the_variable() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")}
    done = subprocess.run(
        [sys.executable, "-m", "xtbatch", "beat", "--once"],
        env={**env, "XTBATCH_MAINTENANCE_AT": "2am", "XTBATCH_LOG_FORMAT": "text"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "XTBATCH_MAINTENANCE_AT=2am" in done.stderr
    assert "HH:MM" in done.stderr
