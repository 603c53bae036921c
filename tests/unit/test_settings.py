"""Settings parsing (xtbatch/settings.py): defaults, the environment, overrides and flags,
and one error that lists every invalid value in the words of where it came from."""

from __future__ import annotations

import pytest

from xtbatch.errors import ConfigurationError
from xtbatch.settings import VARIABLES, database_identity, default_queue, load, redact_url


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No XTBATCH_* variable of the caller's reaches these tests."""
    for var in VARIABLES:
        monkeypatch.delenv(var.env, raising=False)


def test_defaults_without_environment() -> None:
    settings = load()
    assert settings.database_url == "postgresql://postgres@127.0.0.1:5432/postgres"
    assert settings.task_events is False
    assert settings.metrics_port == 0
    assert settings.log_format == "auto"
    assert settings.visibility_timeout == 43200
    assert settings.queue_name == default_queue(settings.database_url)


def test_environment_then_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XTBATCH_STALE_SECONDS", " 7.5 ")
    monkeypatch.setenv("XTBATCH_LOG_LEVEL", "Debug")
    monkeypatch.setenv("XTBATCH_TASK_EVENTS", "ON")
    settings = load({"stale_seconds": "9", "queue": "mine"})
    assert settings.stale_seconds == 9.0  # the override wins
    assert settings.log_level == "debug"
    assert settings.task_events is True
    assert settings.queue_name == "mine"


def test_every_invalid_value_is_listed_in_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XTBATCH_HEARTBEAT_SECONDS", "0")
    monkeypatch.setenv("XTBATCH_METRICS_PORT", "70000")
    monkeypatch.setenv("XTBATCH_LOG_FORMAT", "xml")
    with pytest.raises(ConfigurationError) as raised:
        load({"broker_url": "http://broker"}, flags={"broker_url": "--broker-url"})
    message = raised.value.message
    assert message.startswith("Invalid configuration:\n  ")
    assert "XTBATCH_HEARTBEAT_SECONDS=0: must be a number of seconds greater than 0" in message
    assert "XTBATCH_METRICS_PORT=70000: must be a port number from 0 to 65535" in message
    assert "XTBATCH_LOG_FORMAT=xml: must be one of auto, text, json" in message
    assert "--broker-url 'http://broker': must be a URL starting with one of redis://" in message
    assert len(message.splitlines()) == 5


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"database_url": ""}, "must name the ERP database"),
        ({"database_url": "mysql://db/erp"}, "must be a postgresql:// URL or a libpq key=value"),
        ({"keepalive_seconds": "inf"}, "must be a number of seconds greater than 0"),
        ({"keepalive_seconds": "soon"}, "must be a number of seconds greater than 0"),
        ({"visibility_timeout": "1.5"}, "must be a whole number of seconds"),
        ({"smtp_url": "mail.example.com"}, "must be a URL starting with one of smtp://"),
        ({"task_events": "yes"}, "must be one of on, off"),
    ],
)
def test_a_bad_value_names_its_setting(overrides: dict[str, str], says: str) -> None:
    [(field, value)] = overrides.items()
    env = next(var.env for var in VARIABLES if var.field == field)
    with pytest.raises(ConfigurationError) as raised:
        load(overrides)
    assert f"{env}={value}: {says}" in raised.value.message


def test_a_password_never_reaches_the_error_or_the_repr() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load({"broker_url": "http://u:s3cret@broker"})
    assert "s3cret" not in raised.value.message
    assert "u:****@broker" in raised.value.message
    settings = load({"database_url": "postgresql://erp:s3cret@db/erp", "smtp_url": ""})
    assert "s3cret" not in repr(settings)
    assert redact_url("host=db password=s3cret dbname=erp") == "host=db password=**** dbname=erp"


def test_replace_parses_like_load() -> None:
    settings = load().replace(stale_seconds=3, task_events="on")
    assert settings.stale_seconds == 3.0 and settings.task_events is True
    with pytest.raises(ConfigurationError, match="XTBATCH_STALE_SECONDS=-1"):
        settings.replace(stale_seconds=-1)


def test_the_queue_is_distinct_for_every_server_and_database() -> None:
    a = default_queue("postgresql://u@db1:5432/erp")
    assert a.startswith("xtbatch.erp.")
    assert a == default_queue("host=db1 port=5432 dbname=erp user=other")
    assert a != default_queue("postgresql://u@db2:5432/erp")
    assert a != default_queue("postgresql://u@db1:5433/erp")
    assert database_identity("user=erp") == ("localhost", "5432", "erp")


def test_replace_takes_typed_values_as_well_as_their_text() -> None:
    settings = load().replace(task_events=True, maintenance_at=None)
    assert settings.task_events is True
    assert settings.maintenance_at is None
    assert settings.replace(task_events=False).task_events is False
