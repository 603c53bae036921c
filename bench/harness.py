# ruff: noqa: E402  (imports follow the re-exec onto a snapshot of HEAD, on purpose)
"""Shared by the benchmark scripts: a database of their own, xtbatch processes started and
stopped by PID, the SQL-only reference loop, waiting with a deadline, and result files.

Every script creates ``xtbatch_bench_<random>``, installs xtbatch into it, and drops it at the
end; every process it starts runs in its own session and is stopped by its PID.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from snapshot import snapshot


def _measure_committed_code() -> str:
    """Re-run this script on a snapshot of HEAD (``git archive``), so that figures belong to a
    commit and colleagues' unsaved edits in the working tree cannot change or break a run.
    XTBATCH_BENCH_SRC=. measures the working tree instead (to check a change before commit)."""
    chosen = os.environ.get("XTBATCH_BENCH_SRC")
    if chosen:
        return os.environ.get("XTBATCH_BENCH_COMMIT", "working tree")
    sha, folder = snapshot(Path(__file__).resolve().parents[1])
    env = {
        **os.environ,
        "XTBATCH_BENCH_SRC": str(folder),
        "XTBATCH_BENCH_COMMIT": sha,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")])),
    }
    os.execve(sys.executable, [sys.executable, *sys.argv], env)
    raise AssertionError("unreachable")


COMMIT = _measure_committed_code()

import contextlib
import json
import platform
import re
import signal
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg import sql as pgsql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row

from xtbatch.install import install

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SERVER_URL = os.environ.get(
    "XTBATCH_BENCH_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BROKERS = {
    "redis": os.environ.get("XTBATCH_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
    "amqp": os.environ.get("XTBATCH_BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}
_NAME = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def query(name: str) -> str:
    """A named block of bench/queries.sql."""
    text = (ROOT / "bench" / "queries.sql").read_text(encoding="utf-8")
    parts = _NAME.split(text)
    return dict(zip(parts[1::2], (b.strip() for b in parts[2::2]), strict=True))[name]


def connect(url: str, **kw: Any) -> psycopg.Connection[dict[str, Any]]:
    return psycopg.connect(url, autocommit=True, row_factory=dict_row, **kw)


def one(conn: psycopg.Connection[Any], name: str, params: Any = None) -> dict[str, Any]:
    row = conn.execute(query(name), params).fetchone()
    assert row is not None, name
    return row


def wait_for(condition: Callable[[], T], timeout: float, what: str, poll: float = 0.02) -> T:
    """Poll until ``condition`` returns something truthy, or fail saying what it saw."""
    deadline = time.monotonic() + timeout
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}; saw {last!r}")
        time.sleep(poll)


def _db_url(dbname: str, server_url: str = SERVER_URL) -> str:
    info = conninfo_to_dict(server_url)
    info["dbname"] = dbname
    return make_conninfo(**info)


@contextlib.contextmanager
def bench_database(*, messages: bool = True, server_url: str = SERVER_URL) -> Iterator[str]:
    """A new database with xtbatch installed (and xTuple's message tables, so a finished job
    posts a system message as in a real ERP); dropped at the end."""
    name = f"xtbatch_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(pgsql.SQL("CREATE DATABASE {}").format(pgsql.Identifier(name)))
    url = _db_url(name, server_url)
    try:
        with connect(url) as conn:
            install(conn)
            if messages:
                from xtbatch.cli.sample import sample_sql

                conn.execute(sample_sql("xtuple_messages.sql").encode())
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(
                pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name))
            )


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM by PID; after ``timeout`` SIGKILL its own process group (pool child)."""
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)  # the group this script started
                self.popen.wait(10)


@dataclass
class Stack:
    """xtbatch worker and bridge processes for one bench database and one fresh queue."""

    database_url: str
    broker: str = "redis"
    env_extra: dict[str, str] = field(default_factory=dict)
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="xtbatch-bench-")))
    procs: list[Proc] = field(default_factory=list)
    queue: str = field(default_factory=lambda: f"xtbatch.bench.{uuid.uuid4().hex[:10]}")

    @property
    def env(self) -> dict[str, str]:
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("XTBATCH_")},
            "XTBATCH_DATABASE_URL": self.database_url,
            "XTBATCH_BROKER_URL": BROKERS.get(self.broker, self.broker),
            "XTBATCH_QUEUE": self.queue,
            "XTBATCH_LOG_FORMAT": "text",
            "XTBATCH_LOG_LEVEL": "INFO",
            # XTBATCH_BENCH_SET_<NAME>=v runs the processes with XTBATCH_<NAME>=v, e.g.
            # XTBATCH_BENCH_SET_TASK_EVENTS=off.
            **{
                "XTBATCH_" + k.removeprefix("XTBATCH_BENCH_SET_"): v
                for k, v in os.environ.items()
                if k.startswith("XTBATCH_BENCH_SET_")
            },
            **self.env_extra,
        }

    def start(self, command: str, *args: str) -> Proc:
        log_path = self.folder / f"{command}{len(self.procs)}.log"
        with log_path.open("wb") as handle:
            popen = subprocess.Popen(
                [sys.executable, "-m", "xtbatch", command, *args],
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=os.environ.get("XTBATCH_BENCH_SRC", ROOT),
            )
        proc = Proc(name=command, popen=popen, log_path=log_path)
        self.procs.append(proc)
        return proc

    def worker(self) -> Proc:
        return self.start_until("worker", "ready.", 90, "the worker to be ready")

    def bridge(self) -> Proc:
        return self.start_until("bridge", "leading", 60, "the bridge to lead")

    def start_until(self, command: str, marker: str, timeout: float, what: str) -> Proc:
        """Start ``command`` and wait until its log says ``marker``; its exit is an error."""
        proc = self.start(command)
        wait_for(lambda: marker in proc.log() or not proc.alive(), timeout, what)
        if not proc.alive():
            raise RuntimeError(f"{command} exited:\n{proc.log()[-3000:]}")
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        drop_queue(self.broker, self.queue)


def drop_queue(broker: str, queue: str) -> None:
    """Remove a run's queue from the broker (RabbitMQ keeps durable queues)."""
    from kombu import Connection

    url = BROKERS.get(broker, broker)
    try:
        with Connection(url, connect_timeout=5) as conn:
            conn.default_channel.queue_delete(queue)
            if url.startswith("redis"):
                conn.default_channel.client.delete(
                    f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
                )
    except Exception as exc:  # cleanup is best effort; say so
        print(f"note: could not delete queue {queue}: {exc}", file=sys.stderr)


@contextlib.contextmanager
def stack(database_url: str, broker: str = "redis", **env: str) -> Iterator[Stack]:
    s = Stack(database_url=database_url, broker=broker, env_extra=env)
    try:
        yield s
    finally:
        s.stop_all()


def reference_rate(url: str, n: int, *, max_seconds: float = 120) -> dict[str, float]:
    """The physical limit: claim and complete ``n`` due jobs in SQL alone, one UPDATE … FOR
    UPDATE SKIP LOCKED to start and one UPDATE to finish per job, each its own transaction."""
    with connect(url) as conn:
        conn.execute(query("insert_due"), {"n": n})
        conn.execute(query("analyze"))
        start_sql, finish_sql = query("ref_start"), query("ref_finish")
        done = 0
        t0 = time.perf_counter()
        deadline = t0 + max_seconds
        while done < n and time.perf_counter() < deadline:
            row = conn.execute(start_sql).fetchone()
            if row is None:
                break
            conn.execute(finish_sql, {"batch_id": row["batch_id"]})
            done += 1
        elapsed = time.perf_counter() - t0
    return {"jobs": done, "seconds": elapsed, "jobs_per_s": done / elapsed}


def machine() -> dict[str, Any]:
    """What the figures were measured on (the load average says how shared it was)."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with psycopg.connect(SERVER_URL) as conn:
        pg = conn.execute(query("server_version")).fetchone()[0]  # type: ignore[index]
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "loadavg": os.getloadavg(),
        "python": platform.python_version(),
        "postgresql": pg,
        "when": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": COMMIT,
    }


def machine_note(m: dict[str, Any]) -> str:
    load = ", ".join(f"{x:.2f}" for x in m["loadavg"])
    return (
        f"{m['cpus']} vCPU ({m['cpu']}), Python {m['python']}, PostgreSQL {m['postgresql']}, "
        f"load average {load} at start, {m['when']}, code at commit {m['commit']}"
    )


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table (printed, and pasted into docs/benchmarks.md)."""
    cells = [[str(c) for c in r] for r in rows]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in headers) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in cells]
    return "\n".join(lines)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def drain(url: str, n: int, *, timeout: float) -> dict[str, Any]:
    """Insert ``n`` past-due Ping jobs at once and wait (bounded) until all are complete;
    the rate is from the database's own clock (first dispatch to last completion)."""
    with connect(url) as conn:
        first_id = one(conn, "first_unstarted_id")["id"]
        conn.execute(query("insert_due"), {"n": n})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and _pending(conn):
            time.sleep(0.25)
        span = one(conn, "drain_span", {"first_id": first_id})
        phases = one(conn, "drain_phases", {"first_id": first_id})
        deciles = conn.execute(query("drain_deciles"), {"first_id": first_id}).fetchall()
    jobs, seconds = span["jobs"], span["seconds"] or 0.0
    return {
        "jobs": jobs,
        "complete": jobs == n and not span["not_succeeded"],
        "not_succeeded": span["not_succeeded"],
        "seconds": seconds,
        "jobs_per_s": jobs / seconds if seconds else 0.0,
        "ms_per_job": seconds * 1000 / jobs if jobs else 0.0,
        "median_dispatch_to_start_ms": phases["to_start_ms"],
        "median_start_to_end_ms": phases["run_ms"],
        "median_end_to_next_dispatch_ms": phases["to_next_ms"],
        "mean_dispatch_to_start_ms": phases["avg_to_start_ms"],
        "mean_start_to_end_ms": phases["avg_run_ms"],
        "mean_end_to_next_dispatch_ms": phases["avg_to_next_ms"],
        "ms_per_job_by_tenth": [round(d["ms_per_job"] or 0.0, 2) for d in deciles],
    }


def _pending(conn: psycopg.Connection[Any]) -> int:
    return int(one(conn, "pending")["n"])
