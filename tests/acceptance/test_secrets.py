"""Database, broker and SMTP passwords appear in no log line, exit status or error message."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.conftest import Mailbox
from tests.harness import Db, Stack, wait_for
from tests.private_services import PrivateRedis

DB_PASSWORD = "Db-s3cret-7781"
REDIS_PASSWORD = "Redis-s3cret-4410"
SMTP_PASSWORD = "Smtp-s3cret-9902"
SECRETS = (DB_PASSWORD, REDIS_PASSWORD, SMTP_PASSWORD)


@pytest.fixture
def locked_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis", password=REDIS_PASSWORD)
    yield server
    server.stop()


def with_password(url: str, password: str) -> str:
    info = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    info["password"] = password  # trust authentication ignores it; our code must hide it
    return make_conninfo("", **info)


def assert_no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} shows a password"


def test_passwords_never_reach_logs_or_exit_statuses(
    xtuple_messages: Db, stack: Stack, locked_redis: PrivateRedis, mailbox: Mailbox
) -> None:
    erp = xtuple_messages
    stack.env.update(
        {
            "XTBATCH_DATABASE_URL": with_password(erp.url, DB_PASSWORD),
            "XTBATCH_BROKER_URL": locked_redis.url,
            # The catcher offers no AUTH: the login fails, and the failure must not show it.
            "XTBATCH_SMTP_URL": mailbox.url.replace("smtp://", f"smtp://ops:{SMTP_PASSWORD}@"),
            "XTBATCH_LOG_LEVEL": "DEBUG",
        }
    )
    ok = erp.submit("Ping", email="admin@example.com", user="jsmith")
    failing = erp.submit("Email", email="customer@example.com", user="jsmith")
    worker = stack.worker()
    bridge = stack.bridge()
    for batch_id in (ok, failing):
        erp.wait_done(batch_id)
    statuses = [r["batch_exitstatus"] or "" for r in erp.all("SELECT * FROM xtbatch.batch")]
    assert any("did not accept the email" in s for s in statuses), statuses
    messages = [r["msg_text"] for r in erp.all("SELECT msg_text FROM msg")]
    for text in [*statuses, *messages, worker.log(), bridge.log()]:
        assert_no_secret(text, "an exit status, a system message or a log")


def test_a_broker_that_refuses_us_is_reported_without_its_password(
    erp: Db, stack: Stack, locked_redis: PrivateRedis
) -> None:
    stack.env["XTBATCH_BROKER_URL"] = locked_redis.url.replace(
        REDIS_PASSWORD, "wrong-" + SMTP_PASSWORD
    )
    erp.submit("Ping")
    bridge = stack.bridge()
    wait_for(
        lambda: "lost the database or broker" in bridge.log(), 60, "the broker failure", bridge.log
    )
    assert_no_secret(bridge.log(), "the bridge log")


def test_cli_errors_do_not_show_the_database_password() -> None:
    env = {
        **os.environ,
        "XTBATCH_DATABASE_URL": f"postgresql://erp:{DB_PASSWORD}@127.0.0.1:1/erp",
        "XTBATCH_LOG_FORMAT": "text",
    }
    for command in (["install"], ["status"], ["submit", "Ping"]):
        result = subprocess.run(
            [sys.executable, "-m", "xtbatch", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode != 0
        assert_no_secret(result.stdout + result.stderr, f"xtbatch {command[0]}")
