"""compose.yaml run by podman-compose, with the stand-in images of compose.test.yaml: build,
bring up in compose's dependency order, wait on each service's own healthcheck, run commands
in its containers, tear down.

podman 4.3 (Debian 12) neither waits on ``depends_on: condition: service_healthy`` nor runs
healthchecks by itself (no systemd), and it cannot start a container whose dependencies are
already running when they have dependencies of their own ("not found in input list"). So the
stack comes up as an administrator brings it up there: ``up --no-deps`` one stage at a time,
each stage once the previous one reports healthy by its own healthcheck
(``podman healthcheck run``), the one-shot ``install`` in between.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from tests.harness import wait_for

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILES = (ROOT / "compose.yaml", ROOT / "compose.test.yaml")
CONTAINERS_CONF = ROOT / "docker" / "test" / "containers.conf"
BUILD_IMAGES = ROOT / "docker" / "test" / "build-images.sh"
LOCK = Path(tempfile.gettempdir()) / "xtbatch-compose-test.lock"

# compose.yaml's order: what nothing depends on, the one-shot install, then the rest.
STAGES = (("postgres", "redis", "rabbitmq", "mailpit"), ("install",))
PUBLISHED_PORTS = (5555, 8025, 15672)

T = TypeVar("T")


class Unavailable(Exception):
    """Podman cannot run the stack on this machine (the message says why)."""


def poll(
    condition: Callable[[], T | None],
    timeout: float,
    what: str,
    show: Callable[[], Any] | None = None,
    every: float = 0.5,
) -> T:
    """``tests.harness.wait_for`` every ``every`` s (each call here runs a podman command)."""
    return wait_for(condition, timeout, what, show, every)  # type: ignore[arg-type]


def seconds(duration: str | None, default: float) -> float:
    """A compose duration ("1m30s", "10s", "500ms") in seconds."""
    if not duration:
        return default
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", str(duration))
    return sum(float(number) * units[unit] for number, unit in parts)


def podman_env() -> dict[str, str]:
    """This environment with CONTAINERS_CONF pointing at the repository's containers.conf
    (runtime runc, ulimits within the host's hard limits); the host's config is untouched."""
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman_compose_command() -> str | None:
    return shutil.which("podman-compose", path=str(Path(sys.executable).parent)) or shutil.which(
        "podman-compose"
    )


def run_tool(
    argv: list[str], timeout: float, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run podman, podman-compose or the image build in podman's environment, to the end (a
    non-zero exit raises nothing); the output captured as text."""
    return subprocess.run(
        argv, env=podman_env(), input=stdin, capture_output=True, text=True, timeout=timeout
    )


def why_podman_cannot_run() -> str | None:
    """None when podman can run the stack here, else the reason."""
    for tool, package in (("podman", "podman runc"), ("debootstrap", "debootstrap")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package})"
    if podman_compose_command() is None:
        return "podman-compose is not installed (pip install podman-compose)"
    if os.geteuid() != 0:
        return "the stand-in images are built as root (debootstrap, rootful podman)"
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    wanted = 20000  # containers.conf's nofile
    if hard != resource.RLIM_INFINITY and hard < wanted:
        return f"the open-files hard limit is {hard}, below containers.conf's nofile {wanted}"
    info = run_tool(["podman", "info", "--format", "{{.Host.OCIRuntime.Name}}"], timeout=60)
    if info.returncode != 0:
        return f"podman info failed: {info.stderr.strip()[-500:]}"
    return None


@contextlib.contextmanager
def exclusive(timeout: float = 1500) -> Iterator[None]:
    """One compose test at a time on this machine: they share the published ports."""
    with LOCK.open("a+") as handle:

        def locked() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        wait_for(locked, timeout, f"another compose test to release {LOCK}", every=2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def build_images() -> float:
    """Build the stand-ins and xtbatch:local (cached); return the seconds it took."""
    started = time.monotonic()
    done = run_tool(["bash", str(BUILD_IMAGES)], timeout=1500)
    if done.returncode != 0:
        raise Unavailable(f"building the images failed:\n{done.stderr[-3000:]}")
    return time.monotonic() - started


@dataclass
class ComposeStack:
    """One compose project of compose.yaml + compose.test.yaml, run by podman-compose."""

    project: str
    env_file: Path
    profiles: tuple[str, ...] = ("rabbitmq",)
    timings: dict[str, float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def config(self) -> dict[str, Any]:
        """compose.yaml as written (healthchecks, grace periods)."""
        return dict(yaml.safe_load(COMPOSE_FILES[0].read_text()))

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        command = [podman_compose_command() or "podman-compose", "--project-name", self.project]
        command += ["--env-file", str(self.env_file)]
        for profile in self.profiles:
            command += ["--profile", profile]
        for path in COMPOSE_FILES:
            command += ["-f", str(path)]
        done = run_tool([*command, *args], timeout=timeout)
        assert done.returncode == 0, (
            f"podman-compose {' '.join(args)} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        )
        return done

    def podman(
        self, *args: str, timeout: float = 120, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = run_tool(["podman", *args], timeout=timeout, stdin=stdin)
        if check:
            assert done.returncode == 0, (
                f"podman {' '.join(args[:3])}… failed ({done.returncode}): {done.stderr[-2000:]}"
            )
        return done

    def container(self, service: str) -> str:
        """The name of the service's container (podman-compose's naming differs by version)."""
        if service not in self.names:
            found = self.podman(
                "ps", "--all", "--format", "{{.Names}}",
                "--filter", f"label=io.podman.compose.project={self.project}",
                "--filter", f"label=com.docker.compose.service={service}",
            ).stdout.split()  # fmt: skip
            assert len(found) == 1, f"containers of {service}: {found}"
            self.names[service] = found[0]
        return self.names[service]

    def containers(self, *, running_only: bool = False) -> list[str]:
        """This project's containers (all, or those running)."""
        args = ["ps", "--format", "{{.Names}}"]
        args += ["--filter", f"label=io.podman.compose.project={self.project}"]
        if not running_only:
            args.append("--all")
        return self.podman(*args).stdout.split()

    def logs(self, service: str, tail: int = 40) -> str:
        done = self.podman("logs", "--tail", str(tail), self.container(service), check=False)
        return (done.stdout + done.stderr)[-6000:]

    def state(self, service: str) -> dict[str, Any]:
        done = self.podman("inspect", self.container(service), check=False)
        return dict(json.loads(done.stdout)[0]["State"]) if done.returncode == 0 else {}

    # --- bringing it up -------------------------------------------------------------------

    def up(self, *services: str) -> None:
        self.compose("up", "--detach", "--no-build", "--no-deps", *services)

    def wait_healthy(self, service: str) -> float:
        """Run the service's own healthcheck (as podman-compose gave it to the container)
        until it passes, within what compose.yaml allows: start_period + interval * retries."""
        check = self.config["services"][service]["healthcheck"]
        given = json.loads(
            self.podman(
                "inspect", "--format", "{{json .Config.Healthcheck}}", self.container(service)
            ).stdout
        )
        # What the container runs is what compose.yaml says ($$ is compose's escaped $).
        expected = [str(t).replace("$$", "$") for t in check["test"]]
        assert given and given["Test"] == expected, (
            f"{service}: podman-compose gave the healthcheck {given}, compose.yaml {check}"
        )
        allowed = seconds(check.get("start_period"), 0) + seconds(check.get("interval"), 30) * int(
            check.get("retries", 3)
        )
        timeout = seconds(check.get("timeout"), 30) + 15
        started = time.monotonic()

        failures: list[str] = []

        def healthy() -> bool:
            if not self.state(service).get("Running"):
                raise AssertionError(
                    f"{service} stopped before it was healthy: {self.state(service)}\n"
                    f"{self.logs(service)}"
                )
            try:
                run = self.podman("healthcheck", "run", self.container(service), check=False,
                                  timeout=timeout)  # fmt: skip
            except subprocess.TimeoutExpired:  # a check that hangs counts as failed
                failures.append(f"no answer in {timeout:.0f} s")
                return False
            if run.returncode != 0:
                failures.append((run.stdout + run.stderr).strip()[-300:])
            return run.returncode == 0

        poll(healthy, allowed, f"{service} to be healthy",
             lambda: (failures[-3:], self.logs(service)), every=1)  # fmt: skip
        return time.monotonic() - started

    def wait_completed(self, service: str, timeout: float = 120) -> None:
        """A one-shot service (``service_completed_successfully``) ran and exited 0."""
        code = self.podman("wait", self.container(service), timeout=timeout).stdout.strip()
        assert code == "0", f"{service} exited {code}:\n{self.logs(service)}"

    def bring_up(self) -> None:
        """Every service, stage by stage, each healthy before the next stage starts."""
        began = time.monotonic()
        services = [s for s in self.config["services"] if self.enabled(s)]
        first, once = STAGES
        self.up(*[s for s in first if s in services])
        for service in first:
            if service in services:
                self.timings[f"healthy {service}"] = self.wait_healthy(service)
        self.up(*once)
        self.wait_completed("install")
        rest = [s for s in services if s not in first and s not in once]
        self.up(*rest)
        for service in rest:
            self.timings[f"healthy {service}"] = self.wait_healthy(service)
        self.timings["up"] = time.monotonic() - began

    def enabled(self, service: str) -> bool:
        profiles = self.config["services"][service].get("profiles")
        return not profiles or bool(set(profiles) & set(self.profiles))

    def down(self) -> None:
        """Stop and remove the containers, network and volumes (also after a failed run)."""
        self.compose("down", "--volumes", timeout=900)
        self.names.clear()

    # --- inside the containers ------------------------------------------------------------

    def exec(self, service: str, *command: str, stdin: str | None = None) -> str:
        args = ["exec", "-i"] if stdin is not None else ["exec"]
        return self.podman(*args, self.container(service), *command, stdin=stdin).stdout

    def psql(self, script: str, **variables: str) -> str:
        """Run SQL in the ERP database from inside the postgres container, as its superuser
        (``psql`` over the container's socket, as an administrator would)."""
        command = ["psql", "--username=postgres", "--dbname=erp", "-v", "ON_ERROR_STOP=1"]
        command += ["--no-align", "--tuples-only", "--quiet"]
        for name, value in variables.items():
            command += ["--set", f"{name}={value}"]
        return self.exec("postgres", *command, stdin=script)

    def query(self, select: str) -> Any:
        """The rows of one SELECT, as JSON."""
        out = self.psql(f"SELECT coalesce(json_agg(q), '[]') FROM ({select}) AS q;")
        return json.loads(out.strip())
