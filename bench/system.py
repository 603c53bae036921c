"""What the benchmarks read from the machine rather than from xtbatch: a private PostgreSQL
server to trace statements on, and the memory of processes from /proc."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from harness import connect, query  # first: it moves this run onto a snapshot of HEAD


def rss_mb(pid: int) -> float:
    """Resident set size of one process, MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        kids += [int(k) for k in text]
    return kids


PG_BIN = Path(os.environ.get("XTBATCH_BENCH_PG_BIN", "/usr/lib/postgresql/15/bin"))


@contextlib.contextmanager
def private_server(port: int = 54329, *, log_statements: bool = True) -> Iterator[tuple[str, Path]]:
    """A throw-away PostgreSQL 15 server (initdb + pg_ctl in a temp dir, on its own port)
    with pg_stat_statements preloaded and every statement and connection logged; yields
    (server URL, log file). The shared server is never reconfigured or restarted."""
    folder = Path(tempfile.mkdtemp(prefix="xtbatch-bench-pg-"))
    data, log = folder / "data", folder / "server.log"
    as_owner: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(folder, "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    run = lambda *cmd: subprocess.run([*as_owner, *cmd], check=True, capture_output=True)  # noqa: E731
    run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
        "-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top "
        f"-c log_statement={'all' if log_statements else 'none'} "
        "-c log_connections=on -c log_disconnections=on "
        "-c log_line_prefix='%m|%p|%d|%a|' -c fsync=off -c autovacuum=off"
    )
    run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        with connect(url) as conn:
            conn.execute(query("pgss_create"))
        yield url, log
    finally:
        run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def pss_mb(pid: int) -> float:
    """Proportional set size, MB: shared pages (the pool child's copy-on-write pages from the
    worker's main process) counted once across the processes that share them."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0
