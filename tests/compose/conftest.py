"""The compose stack of the tests in this folder: brought up once (the first test builds the
images, minutes on a machine that has none) and taken down after the last, which is
test_compose_stopping.py's ``down``. Skips with the reason where podman cannot run;
XTBATCH_TEST_COMPOSE=required (CI, `make compose-test`) makes that a failure,
XTBATCH_TEST_COMPOSE=off skips it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.compose.helpers import PROJECT
from tests.compose.stack import (
    PUBLISHED_PORTS,
    ROOT,
    ComposeStack,
    Unavailable,
    build_images,
    exclusive,
    port_in_use,
    why_podman_cannot_run,
)

MODE = os.environ.get("XTBATCH_TEST_COMPOSE", "")


def unavailable(reason: str) -> None:
    if MODE == "required":
        pytest.fail(f"{reason} (XTBATCH_TEST_COMPOSE=required)")
    pytest.skip(reason)


def env_file(folder: Path, passwords: dict[str, str]) -> Path:
    """.env.example as an administrator edits it: the secrets set, the rest as shipped."""
    text = (ROOT / ".env.example").read_text()
    for name, value in passwords.items():
        text, count = re.subn(rf"^{name}=.*$", f"{name}={value}", text, flags=re.MULTILINE)
        assert count == 1, f".env.example has no {name}= line"
    path = folder / ".env"
    path.write_text(text)
    return path


@pytest.fixture(scope="package")
def passwords() -> dict[str, str]:
    return {
        "POSTGRES_PASSWORD": f"pg{secrets.token_hex(8)}",
        "FLOWER_BASIC_AUTH": f"ops:fl{secrets.token_hex(8)}",
        "RABBITMQ_PASSWORD": f"mq{secrets.token_hex(8)}",
    }


@pytest.fixture(scope="package")
def stack(
    tmp_path_factory: pytest.TempPathFactory, passwords: dict[str, str]
) -> Iterator[ComposeStack]:
    if MODE == "off":
        pytest.skip("XTBATCH_TEST_COMPOSE=off")
    reason = why_podman_cannot_run()
    if reason:
        unavailable(f"podman cannot run the compose stack here: {reason}")
    with exclusive():
        try:
            built = build_images()
        except Unavailable as exc:
            unavailable(str(exc))
        stack = ComposeStack(PROJECT, env_file(tmp_path_factory.mktemp("compose"), passwords))
        stack.timings["build"] = built
        stack.down()  # whatever an interrupted run left
        busy = [port for port in PUBLISHED_PORTS if port_in_use(port)]
        assert not busy, f"127.0.0.1 ports {busy} are taken: compose.yaml publishes them"
        try:
            stack.bring_up()
            yield stack
        finally:
            stack.down()
            print("\ncompose stack timings (s):", json.dumps(stack.timings, indent=1))
