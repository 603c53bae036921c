"""Flower watching a real bridge and worker: each task shows its batch id, kind and submitter,
never a password, and its API answers only with the credentials."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.harness import Db, Stack, wait_for
from tests.private_services import PrivateRedis, free_port

DB_PASSWORD = "Db-fl0wer-s3cret-5521"
BROKER_PASSWORD = "Redis-fl0wer-s3cret-8834"
CREDENTIALS = "ops:fl0wer-login"


@dataclass
class Flower:
    base: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, auth: str | None = CREDENTIALS) -> tuple[int, str]:
        """Status and body of GET ``path`` (status 0: nothing listens yet)."""
        request = urllib.request.Request(self.base + path)
        if auth:
            token = base64.b64encode(auth.encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode(errors="replace")
        except OSError:
            return 0, ""

    def json(self, path: str) -> Any:
        code, body = self.get(path)
        assert code == 200, f"GET {path}: {code} {body[:300]}"
        return json.loads(body)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


def with_password(url: str, password: str) -> str:
    info = {k: str(v) for k, v in conninfo_to_dict(url).items() if v is not None}
    info["password"] = password  # trust authentication ignores it; nothing may show it
    return make_conninfo("", **info)


@pytest.fixture
def locked_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path / "redis", password=BROKER_PASSWORD)
    yield server
    server.stop()


@pytest.fixture
def secret_env(stack: Stack, erp: Db, locked_redis: PrivateRedis) -> dict[str, str]:
    """The stack's environment with a password in the database and the broker URL."""
    stack.env.update(
        XTBATCH_DATABASE_URL=with_password(erp.url, DB_PASSWORD),
        XTBATCH_BROKER_URL=locked_redis.url,
        XTBATCH_SMTP_URL="",
        XTBATCH_TASK_EVENTS="on",  # where Flower watches, its workers send task events
    )
    return stack.env


@pytest.fixture
def flower(secret_env: dict[str, str], tmp_path: Path) -> Iterator[Flower]:
    """Flower as compose runs it, on the stack's broker and settings, with basic auth."""
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    if celery is None:
        pytest.skip("the celery command is not installed next to this Python")
    probe = subprocess.run(
        [celery, "flower", "--help"], env=secret_env, capture_output=True, timeout=60
    )
    if probe.returncode != 0:
        pytest.skip("the celery flower command is unavailable (is flower installed?)")
    port = free_port()
    log_path = tmp_path / "flower.log"
    with log_path.open("wb") as out:
        proc = subprocess.Popen(
            [celery, "--app", "xtbatch.celeryapp:app", "flower", "--address=127.0.0.1",
             f"--port={port}", f"--basic_auth={CREDENTIALS}"],
            env=secret_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Flower(base=f"http://127.0.0.1:{port}", proc=proc, log_path=log_path)
    try:
        wait_for(
            lambda: server.get("/healthcheck")[0] == 200 or proc.poll() is not None,
            30,
            "Flower to listen",
            server.log,
        )
        assert proc.poll() is None, server.log()
        yield server
    finally:
        server.stop()


def assert_no_password(text: str, where: str) -> None:
    for secret in (DB_PASSWORD, BROKER_PASSWORD):
        assert secret not in text, f"{where} shows a password"


def test_flower_shows_batch_id_kind_and_submitter_of_each_job_and_no_password(
    erp: Db, stack: Stack, flower: Flower
) -> None:
    worker = stack.worker()
    # Events are not stored: wait until Flower hears the worker, then run the jobs.
    wait_for(
        lambda: any(flower.json("/api/workers?status=1").values()),
        20,
        "Flower to receive the worker's events",
        lambda: (flower.json("/api/workers?status=1"), flower.log(), worker.log()),
    )
    ping = erp.submit("Ping", user="jsmith")
    unknown = erp.submit("NoSuchKind", user="mbrown")
    stack.bridge()
    for batch_id in (ping, unknown):
        erp.wait_done(batch_id)
    expected = {str(a["task_id"]): (a["batch_id"], a["batch_action"]) for a in erp.attempts()}
    assert sorted(expected.values()) == [(ping, "Ping"), (unknown, "NoSuchKind")]

    def finished_tasks() -> dict[str, Any]:
        tasks = flower.json("/api/tasks")
        done = {
            tid: t
            for tid, t in tasks.items()
            if tid in expected and t.get("kwargs") and t.get("state") in ("SUCCESS", "FAILURE")
        }
        return tasks if len(done) == len(expected) else {}

    tasks = wait_for(finished_tasks, 20, "Flower to show both jobs finished",
                     lambda: flower.get("/api/tasks"))  # fmt: skip
    by_id = {ping: ("xtbatch.job.Ping", "Ping", "jsmith"),
             unknown: ("xtbatch.job.Unknown", "NoSuchKind", "mbrown")}  # fmt: skip
    for task_id, (batch_id, _) in expected.items():
        name, kind, user = by_id[batch_id]
        task = tasks[task_id]
        assert task["name"] == name
        assert f"'batch_id': {batch_id}" in task["kwargs"], task
        assert f"'kind': '{kind}'" in task["kwargs"], task
        assert f"'user': '{user}'" in task["kwargs"], task
    _, body = flower.get("/api/tasks")
    assert_no_password(body, "Flower's task list")
    for task_id in expected:
        code, body = flower.get(f"/api/task/info/{task_id}")
        assert code == 200, body
        assert_no_password(body, "Flower's task info")


def test_flower_refuses_its_api_without_credentials(flower: Flower) -> None:
    assert flower.get("/api/tasks", auth=None)[0] == 401
    assert flower.get("/api/workers", auth=None)[0] == 401
    assert flower.get("/api/tasks", auth="ops:wrong")[0] == 401
    assert flower.get("/api/tasks")[0] == 200


def test_flower_worker_details_show_no_password(stack: Stack, flower: Flower) -> None:
    stack.worker()

    def details() -> str:
        code, body = flower.get("/api/workers?refresh=1")
        return body if code == 200 and '"conf"' in body else ""

    body = wait_for(details, 20, "Flower to inspect the worker's configuration",
                    lambda: flower.get("/api/workers?refresh=1"))  # fmt: skip
    assert_no_password(body, "Flower's worker details")
