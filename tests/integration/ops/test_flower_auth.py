"""Flower as compose runs it: credentials from FLOWER_BASIC_AUTH, API and UI refused without
them, /healthcheck open for the container healthcheck."""

from __future__ import annotations

import base64
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.ops.conftest import BROKER_URL, base_env, wait_for


def status(url: str, auth: str | None = None) -> int:
    request = urllib.request.Request(url)
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


@pytest.fixture
def flower(tmp_path: Path) -> Iterator[str]:
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    if celery is None:
        pytest.skip("the celery command is not installed next to this Python")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = base_env(XTBATCH_BROKER_URL=BROKER_URL, FLOWER_BASIC_AUTH="admin:s3cret")
    log = tmp_path / "flower.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [celery, "--app", "xtbatch.celeryapp:app", "flower",
             "--address=127.0.0.1", f"--port={port}"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: status(f"{base}/healthcheck") == 200, 30, "Flower to listen",
                 show=log.read_text)  # fmt: skip
        yield base
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_flower_refuses_its_api_and_ui_without_credentials(flower: str) -> None:
    assert status(f"{flower}/api/workers") == 401
    assert status(f"{flower}/") == 401
    assert status(f"{flower}/api/workers", auth="admin:wrong") == 401


def test_flower_serves_its_api_with_the_credentials(flower: str) -> None:
    assert status(f"{flower}/api/workers", auth="admin:s3cret") == 200
