"""compose.yaml: valid by the compose specification, and every xtbatch command and XTBATCH_*
variable it uses exists. No Docker engine is needed; ``docker compose config`` runs where the
compose plugin is installed."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML is needed to read compose.yaml")

from xtbatch.settings import VARIABLES  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
ENV_EXAMPLE = ROOT / ".env.example"
XTBATCH_IMAGE = "xtbatch:local"
LONG_RUNNING = ("postgres", "redis", "rabbitmq", "bridge", "worker", "beat", "flower", "mailpit")


@functools.cache
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def services() -> dict[str, dict[str, Any]]:
    return dict(compose()["services"])


def xtbatch_services() -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services().items() if s.get("image") == XTBATCH_IMAGE}


def compose_schema() -> dict[str, Any]:
    pytest.importorskip("jsonschema", reason="jsonschema validates against the compose spec")
    pytest.importorskip(
        "check_jsonschema", reason="check-jsonschema ships the compose specification's schema"
    )
    schema = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    return dict(json.loads(schema.read_text()))


def test_compose_file_matches_the_compose_specification() -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(compose_schema())
    problems = [
        f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose())
    ]
    assert problems == []


def test_the_compose_schema_rejects_a_misspelt_key() -> None:
    import jsonschema

    broken = {"services": {"bridge": {"image": "x", "restrat": "always"}}}
    assert list(jsonschema.Draft202012Validator(compose_schema()).iter_errors(broken))


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    plugin = docker and subprocess.run(
        [docker, "compose", "version"], capture_output=True, check=False
    )
    if not plugin or plugin.returncode != 0:
        pytest.skip("the docker compose plugin (v2) is not installed")
    done = subprocess.run(
        [docker, "compose", "--env-file", str(ENV_EXAMPLE), "-f", str(COMPOSE), "config", "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def used_xtbatch_commands() -> set[str]:
    """Subcommands run by the xtbatch image's services and healthchecks."""
    used = set()
    for service in xtbatch_services().values():
        if "entrypoint" not in service:
            used.add(service["command"][0])
        test = service.get("healthcheck", {}).get("test", [])
        if test[:2] == ["CMD", "xtbatch"]:
            used.add(test[2])
    return used


def test_compose_runs_every_xtbatch_process() -> None:
    assert {"install", "bridge", "worker", "beat"} <= used_xtbatch_commands()


@pytest.mark.parametrize("command", sorted(used_xtbatch_commands()))
def test_every_xtbatch_command_compose_uses_exists(command: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "xtbatch", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_every_xtbatch_variable_compose_and_the_env_example_use_exists() -> None:
    known = {v.env for v in VARIABLES}
    text = COMPOSE.read_text() + ENV_EXAMPLE.read_text()
    used = set(re.findall(r"\bXTBATCH_[A-Z0-9_]+\b", text))
    assert used, "compose.yaml sets no XTBATCH_* variable"
    assert used - known == set()


def test_the_env_example_sets_every_variable_compose_requires() -> None:
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    example = set(re.findall(r"^(\w+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert {"POSTGRES_PASSWORD", "FLOWER_BASIC_AUTH"} <= required
    assert required - example == set()


def test_flower_requires_basic_auth_from_the_environment() -> None:
    flower = services()["flower"]
    assert flower["environment"]["FLOWER_BASIC_AUTH"].startswith("${FLOWER_BASIC_AUTH:?")
    assert "FLOWER_UNAUTHENTICATED_API" not in COMPOSE.read_text()
    assert flower["entrypoint"][:3] == ["celery", "--app", "xtbatch.celeryapp:app"]


def test_every_published_port_is_bound_to_loopback() -> None:
    published = [(name, str(port)) for name, s in services().items() for port in s.get("ports", [])]
    assert ("flower", "127.0.0.1:5555:5555") in published
    assert [p for p in published if not p[1].startswith("127.0.0.1:")] == []


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_restart_and_report_health(name: str) -> None:
    service = services()[name]
    assert service["restart"] == "unless-stopped"
    assert service["healthcheck"]["test"]


def test_install_runs_once_before_bridge_worker_and_beat() -> None:
    assert services()["install"]["restart"] == "no"
    for name in ("bridge", "worker", "beat"):
        condition = services()[name]["depends_on"]["install"]["condition"]
        assert condition == "service_completed_successfully"


def test_rabbitmq_profile_swaps_the_broker_by_url_alone() -> None:
    assert services()["rabbitmq"]["profiles"] == ["rabbitmq"]
    urls = {s["environment"]["XTBATCH_BROKER_URL"] for s in xtbatch_services().values()}
    assert urls == {"${XTBATCH_BROKER_URL:-redis://redis:6379/0}"}
    for name in ("bridge", "worker", "flower"):
        rabbit = services()[name]["depends_on"]["rabbitmq"]
        assert rabbit == {"condition": "service_healthy", "required": False}
    assert "XTBATCH_BROKER_URL=amqp://" in ENV_EXAMPLE.read_text()


def test_the_worker_gets_time_to_finish_its_job_on_stop() -> None:
    assert services()["worker"]["stop_grace_period"] == "10m"


def test_the_image_installs_every_package() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    for package in ("xtbatch", "bridge", "tasks", "beat"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert "USER xtbatch" in dockerfile


def test_the_test_override_swaps_only_the_stock_images_and_all_of_them() -> None:
    override = yaml.safe_load((ROOT / "compose.test.yaml").read_text())
    assert set(override) == {"services"}
    stock = {n for n, s in services().items() if s.get("image") != XTBATCH_IMAGE}
    assert set(override["services"]) == stock
    for name, service in override["services"].items():
        assert list(service) == ["image"], name
        assert service["image"].startswith("localhost/"), name  # never pulled


def test_the_build_script_builds_every_image_the_test_override_names() -> None:
    script = (ROOT / "docker" / "test" / "build-images.sh").read_text()
    override = yaml.safe_load((ROOT / "compose.test.yaml").read_text())
    for service in override["services"].values():
        assert f"build {service['image']} " in script, service["image"]
    # docker/Dockerfile's base, tagged locally so the Dockerfile builds unchanged.
    base = re.search(r"^FROM (\S+)", (ROOT / "docker" / "Dockerfile").read_text(), re.M)
    assert base is not None and f"build localhost/{base.group(1)} " in script


def test_every_file_compose_mounts_exists() -> None:
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).is_file(), (name, volume)
