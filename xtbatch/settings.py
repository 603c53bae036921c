"""Settings: one frozen object built from ``XTBATCH_*`` environment variables.

Command-line flags override the environment. Every variable, its default and its meaning is
listed in :data:`VARIABLES` (and in the README's configuration table, which is checked against
it by a test). A bad value fails at start with one error that lists every problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from xtbatch.errors import ConfigurationError

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True, kw_only=True)
class Variable:
    env: str
    field: str
    default: str
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable(
        env="XTBATCH_DATABASE_URL",
        field="database_url",
        default=DEFAULT_DATABASE_URL,
        help="The ERP database (libpq URL or key=value string). One xtbatch per database.",
    ),
    Variable(
        env="XTBATCH_BROKER_URL",
        field="broker_url",
        default=DEFAULT_BROKER_URL,
        help="Celery broker: redis://…, rediss://…, redis+socket://… or amqp://….",
    ),
    Variable(
        env="XTBATCH_SMTP_URL",
        field="smtp_url",
        default="",
        help="Outgoing mail: smtp://[user:password@]host[:port], smtps://… (TLS) or "
        "smtp+starttls://…. Empty: no email, submitters get a system message instead.",
    ),
    Variable(
        env="XTBATCH_MAIL_FROM",
        field="mail_from",
        default="",
        help="Sender when the job names none and the metric DefaultBatchFromEmailAddress "
        "is empty (default: xtbatch@<this host>).",
    ),
    Variable(
        env="XTBATCH_QUEUE",
        field="queue",
        default="",
        help="Celery queue for this database (default: xtbatch.<database>.<hash of "
        "host, port and database>, so two databases never share a queue).",
    ),
    Variable(
        env="XTBATCH_HEARTBEAT_SECONDS",
        field="heartbeat_seconds",
        default="5",
        help="How often a running job's heartbeat is written.",
    ),
    Variable(
        env="XTBATCH_STALE_SECONDS",
        field="stale_seconds",
        default="15",
        help="A running job whose heartbeat is older than this (default: 3 missed "
        "heartbeats) is taken as interrupted, once its worker's database session is gone "
        "too.",
    ),
    Variable(
        env="XTBATCH_WORKER_HEARTBEAT_SECONDS",
        field="worker_heartbeat_seconds",
        default="30",
        help="How often an idle worker records that it is alive.",
    ),
    Variable(
        env="XTBATCH_REDISPATCH_SECONDS",
        field="redispatch_seconds",
        default="15",
        help="A dispatched job no live worker has claimed after this long is sent again "
        "(a broker restart may have lost the message; a second copy is harmless).",
    ),
    Variable(
        env="XTBATCH_KEEPALIVE_SECONDS",
        field="keepalive_seconds",
        default="300",
        help="Idle bridge: longest sleep before it checks the database anyway "
        "(the fallback if a NOTIFY was missed).",
    ),
    Variable(
        env="XTBATCH_VISIBILITY_TIMEOUT",
        field="visibility_timeout",
        default="43200",
        help="Redis only: seconds before an unacknowledged message is delivered again. "
        "Must exceed the longest job time limit.",
    ),
    Variable(
        env="XTBATCH_TASK_EVENTS",
        field="task_events",
        default="off",
        help="Worker task events, for Flower: set on where Flower watches (the compose stack "
        "does); off saves about 1 ms and a broker message per job state (Flower then shows "
        "workers but not tasks).",
    ),
    Variable(
        env="XTBATCH_METRICS_PORT",
        field="metrics_port",
        default="0",
        help="Port for the bridge's Prometheus /metrics (0: off).",
    ),
    Variable(
        env="XTBATCH_METRICS_ADDRESS",
        field="metrics_address",
        default="127.0.0.1",
        help="Address the /metrics endpoint listens on.",
    ),
    Variable(
        env="XTBATCH_REPORT_DIR",
        field="report_dir",
        default="",
        help="Folder for the PDFs RunReport writes (default: the system temp folder).",
    ),
    Variable(
        env="XTBATCH_LOG_FORMAT",
        field="log_format",
        default="auto",
        help="Log format: text, json, or auto (text on a terminal, JSON otherwise).",
    ),
    Variable(
        env="XTBATCH_LOG_LEVEL",
        field="log_level",
        default="INFO",
        help="Log level: DEBUG, INFO, WARNING or ERROR.",
    ),
    Variable(
        env="XTBATCH_MAINTENANCE_AT",
        field="maintenance_at",
        default="02:00",
        help="Beat: local time (HH:MM, the beat host's TZ) of the nightly ServerMaintenance "
        "job; 'off' disables it.",
    ),
    Variable(
        env="XTBATCH_PURGE_AT",
        field="purge_at",
        default="01:30",
        help="Beat: local time (HH:MM) of the nightly purge of completed jobs older than the "
        "metric BatchManagerPurgeDays (default 30), old attempts and dead workers; 'off' "
        "disables it.",
    ),
)


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str
    broker_url: str
    smtp_url: str
    mail_from: str
    queue: str
    heartbeat_seconds: float
    stale_seconds: float
    worker_heartbeat_seconds: float
    redispatch_seconds: float
    keepalive_seconds: float
    visibility_timeout: int
    task_events: bool
    metrics_port: int
    metrics_address: str
    report_dir: str
    log_format: str
    log_level: str
    maintenance_at: dt.time | None  # None: off
    purge_at: dt.time | None

    @property
    def queue_name(self) -> str:
        return self.queue or default_queue(self.database_url)

    @property
    def sender(self) -> str:
        return self.mail_from or f"xtbatch@{socket.getfqdn()}"

    def __repr__(self) -> str:
        """Without passwords: settings may end up in a log or a debugging page."""
        shown = self.as_strings()
        for name in ("database_url", "broker_url", "smtp_url"):
            shown[name] = redact_url(shown[name])
        return "Settings(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def replace(self, **changes: Any) -> Settings:
        """These settings with ``changes`` (typed values or their text), checked as load does."""
        return load({**self.as_strings(), **{k: _as_text(v) for k, v in changes.items()}})

    def as_strings(self) -> dict[str, str]:
        return {f.name: _as_text(getattr(self, f.name)) for f in dataclasses.fields(self)}


def _as_text(value: Any) -> str:
    """A setting's value in the form its variable takes (True -> 'on', a time -> 'HH:MM')."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, dt.time):
        return f"{value:%H:%M}"
    return "off" if value is None else str(value)


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError as exc:
        raise ValueError("must be a number of seconds greater than 0, such as 5") from exc
    if not number > 0 or number == float("inf"):
        raise ValueError("must be a number of seconds greater than 0, such as 5")
    return number


def _whole_positive(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise ValueError("must be a whole number of seconds greater than 0, such as 43200")
    return int(value)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise ValueError("must be a port number from 0 to 65535 (0: off)")
    return int(value)


def _url(schemes: tuple[str, ...], allow_empty: bool = False) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not value and allow_empty:
            return value
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme not in schemes:
            raise ValueError(
                f"must be a URL starting with one of {', '.join(s + '://' for s in schemes)}"
            )
        return value

    return check


def _choice(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.lower() not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value.lower()

    return check


_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


def parse_time_of_day(text: str) -> dt.time | None:
    """``HH:MM`` (24 h) as a time, or None for 'off'.

    Raises:
        ValueError: neither.
    """
    value = text.strip().lower()
    if value in ("off", "none", "never", ""):
        return None
    match = _HHMM.fullmatch(value)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError("must be a 24-hour time HH:MM (e.g. 02:00) or 'off'")
    return dt.time(int(match[1]), int(match[2]))


def _database(value: str) -> str:
    if not value:
        raise ValueError(
            "must name the ERP database, such as postgresql://user@host:5432/erp "
            "(empty is refused: it would silently mean the libpq defaults)"
        )
    if "://" in value and not value.startswith(("postgresql://", "postgres://")):
        raise ValueError("must be a postgresql:// URL or a libpq key=value string")
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "database_url": _database,
    "broker_url": _url(("redis", "rediss", "redis+socket", "amqp", "amqps", "pyamqp", "memory")),
    "smtp_url": _url(("smtp", "smtps", "smtp+starttls"), allow_empty=True),
    "heartbeat_seconds": _positive,
    "stale_seconds": _positive,
    "worker_heartbeat_seconds": _positive,
    "redispatch_seconds": _positive,
    "keepalive_seconds": _positive,
    "visibility_timeout": _whole_positive,
    "metrics_port": _port,
    "task_events": lambda v: _choice("on", "off")(v) == "on",
    "log_format": _choice("auto", "text", "json"),
    "log_level": _choice("debug", "info", "warning", "error"),
    "maintenance_at": parse_time_of_day,
    "purge_at": parse_time_of_day,
}


def load(
    overrides: Mapping[str, str | None] | None = None, flags: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from the environment, then ``overrides`` (field name → string).

    ``flags`` names the command-line flag each override came from (field name → flag), so
    that a problem is reported as the flag the user typed, not the environment variable.

    Raises:
        ConfigurationError: listing every invalid value.
    """
    overrides = overrides or {}
    flags = flags or {}
    values: dict[str, Any] = {}
    problems: list[str] = []
    for var in VARIABLES:
        raw = overrides.get(var.field)
        source = flags.get(var.field, var.env)
        if raw is None:
            raw, source = os.environ.get(var.env, var.default), var.env
        parser = _PARSERS.get(var.field, str)
        try:
            values[var.field] = parser(raw.strip())
        except ValueError as exc:
            shown = (
                f"{source} {redact_url(raw)!r}"
                if source.startswith("--")
                else f"{source}={redact_url(raw)}"
            )
            problems.append(f"{shown}: {exc}")
    if problems:
        raise ConfigurationError("Invalid configuration:\n  " + "\n  ".join(problems))
    return Settings(**values)


def database_hint(settings: Settings) -> str:
    """Which setting chooses the database, when none was given (the default is in use)."""
    if settings.database_url != DEFAULT_DATABASE_URL:
        return ""
    return (
        " That is the default because XTBATCH_DATABASE_URL is not set: set it (or pass "
        "--database-url) to your ERP database."
    )


def default_queue(database_url: str) -> str:
    """The queue name for a database: readable, and distinct for every host/port/database."""
    host, port, dbname = database_identity(database_url)
    digest = hashlib.sha1(f"{host}:{port}/{dbname}".encode()).hexdigest()[:8]
    return f"xtbatch.{dbname}.{digest}"


def database_identity(database_url: str) -> tuple[str, str, str]:
    """(host, port, database name) of a libpq connection string."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(database_url)
    return (
        str(info.get("host") or "localhost"),
        str(info.get("port") or "5432"),
        str(info.get("dbname") or info.get("user") or "postgres"),
    )


def redact_url(url: str) -> str:
    """The URL without its password, for logs and messages."""
    if "://" not in url:
        return " ".join(
            "password=****" if part.lower().startswith("password=") else part
            for part in url.split()
        )
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:****@{netloc[-1]}"))
