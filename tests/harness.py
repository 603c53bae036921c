"""Test harness: real bridge and worker subprocesses, and waiting on conditions with a
deadline (never a bare sleep). A wait that times out says what it saw last."""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from xtbatch.settings import default_queue

T = TypeVar("T")
POLL = 0.02


def wait_for(
    condition: Callable[[], T],
    timeout: float,
    what: str,
    show: Callable[[], Any] | None = None,
    every: float = POLL,
) -> T:
    """Poll ``condition`` every ``every`` s (20 ms) until it returns something truthy, or
    fail saying what it saw last (``show()`` where given)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = condition()
        if last:
            return last
        if time.monotonic() > deadline:
            seen = show() if show else last
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; saw: {seen}")
        time.sleep(every)


@dataclass
class Proc:
    """A real xtbatch subprocess with its log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stopped: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signum)

    def kill_group(self) -> None:
        """SIGKILL the process and its children (a Celery worker's pool child)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)
        self.stopped = True

    def stop(self, timeout: float = 15) -> int | None:
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill_group()
        self.stopped = True
        return self.popen.returncode


@dataclass
class Stack:
    """Starts xtbatch processes for one test database and queue; stops them all at the end."""

    env: dict[str, str]
    folder: Path
    procs: list[Proc] = field(default_factory=list)
    queues: set[tuple[str, str]] = field(default_factory=set)  # (broker URL, queue) used

    def start(
        self, command: str, *args: str, name: str | None = None, env: dict[str, str] | None = None
    ) -> Proc:
        name = name or f"{command}{len(self.procs)}"
        log_path = self.folder / f"{name}.log"
        with log_path.open("wb") as handle:
            popen = subprocess.Popen(
                [sys.executable, "-m", "xtbatch", command, *args],
                env={**self.env, **(env or {})},
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: kill_group reaches the pool child
            )
        proc = Proc(name=name, popen=popen, log_path=log_path)
        self.procs.append(proc)
        self.queues.add(queue_of({**self.env, **(env or {})}))
        return proc

    def worker(self, *, args: tuple[str, ...] = (), **kw: Any) -> Proc:
        proc = self.start("worker", *args, **kw)
        wait_for(
            lambda: "ready." in proc.log() or proc.popen.poll() is not None,
            60,
            "the worker to be ready",
            proc.log,
        )
        assert proc.popen.poll() is None, proc.log()
        return proc

    def bridge(self, **kw: Any) -> Proc:
        return self.start("bridge", **kw)

    def stop_all(self) -> None:
        """Stop every process, then forget the Redis keys of every queue they used."""
        for proc in reversed(self.procs):
            if not proc.stopped:
                proc.stop()
        for broker_url, queue in self.queues:
            forget_queue(broker_url, queue)


def queue_of(env: dict[str, str]) -> tuple[str, str]:
    """(broker URL, queue name) of an xtbatch process started with ``env``."""
    queue = env.get("XTBATCH_QUEUE") or default_queue(env.get("XTBATCH_DATABASE_URL", ""))
    return env.get("XTBATCH_BROKER_URL", ""), queue


def forget_queue(broker_url: str, queue: str) -> None:
    """Delete what a test queue leaves in Redis: the queue (every priority), kombu's
    bindings, and messages a killed worker left unacknowledged. Nothing on other brokers."""
    if not broker_url.startswith("redis"):
        return
    import redis

    client = redis.Redis.from_url(broker_url.replace("redis+socket://", "unix://"))
    try:
        keys = [queue, *client.scan_iter(match=f"*{_glob_escape(queue)}*", count=1000)]
        client.delete(*keys)
        for tag, payload in client.hscan_iter("unacked"):
            try:
                _message, exchange, routing_key = json.loads(payload)
            except (ValueError, TypeError):
                continue
            if queue in (exchange, routing_key):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    except redis.RedisError:
        pass  # a test that stopped its private Redis: nothing is left to clean
    finally:
        client.close()


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


class Db:
    """One test database."""

    def __init__(self, url: str) -> None:
        self.url = url

    def connect(self, **kw: Any) -> psycopg.Connection[dict[str, Any]]:
        return psycopg.connect(self.url, autocommit=True, row_factory=dict_row, **kw)

    def one(self, query: str, params: Any = None) -> dict[str, Any] | None:
        with self.connect() as conn:
            return conn.execute(query, params).fetchone()

    def all(self, query: str, params: Any = None) -> list[dict[str, Any]]:
        with self.connect() as conn:
            return conn.execute(query, params).fetchall()

    def run(self, query: str, params: Any = None) -> None:
        with self.connect() as conn:
            conn.execute(query, params)

    def submit(
        self,
        action: str,
        *,
        scheduled: str | None = "now",
        params: list[tuple[str, str | None, str | None]] = (),  # type: ignore[assignment]
        email: str | None = None,
        user: str = "admin",
        **columns: Any,
    ) -> int:
        """Insert a job and its params the way the client does; return its id."""
        with self.connect() as conn, conn.transaction():
            sched = "localtimestamp" if scheduled == "now" else "%(scheduled)s::timestamp"
            extra = "".join(f", {k} = %({k})s" for k in columns)
            row = conn.execute(
                f"INSERT INTO xtbatch.batch (batch_action, batch_user, batch_email, "
                f"batch_submitted, batch_scheduled) VALUES (%(action)s, %(user)s, %(email)s, "
                f"localtimestamp, {sched}) RETURNING batch_id",
                {"action": action, "user": user, "email": email, "scheduled": scheduled},
            ).fetchone()
            assert row is not None
            batch_id = int(row["batch_id"])
            if columns:
                conn.execute(
                    f"UPDATE xtbatch.batch SET batch_id = batch_id{extra} WHERE batch_id = %(id)s",
                    {**columns, "id": batch_id},
                )
            for order, (name, value, type_) in enumerate(params, start=1):
                conn.execute(
                    "INSERT INTO xtbatch.batchparam (batchparam_batch_id, batchparam_order, "
                    "batchparam_name, batchparam_value, batchparam_type) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    (batch_id, order, name, value, type_),
                )
        return batch_id

    def job(self, batch_id: int) -> dict[str, Any]:
        row = self.one("SELECT * FROM xtbatch.batch WHERE batch_id = %s", (batch_id,))
        assert row is not None, f"batch job {batch_id} is gone"
        return row

    def wait_done(self, batch_id: int, timeout: float = 30) -> dict[str, Any]:
        return wait_for(
            lambda: (lambda r: r if r and r["batch_completed"] else None)(
                self.one("SELECT * FROM xtbatch.batch WHERE batch_id = %s", (batch_id,))
            ),
            timeout,
            f"batch job {batch_id} to complete",
            lambda: self.all(
                "SELECT batch_id, batch_action, batch_started, batch_completed, "
                "batch_exitstatus FROM xtbatch.batch ORDER BY batch_id"
            ),
        )

    def wait_all_done(self, timeout: float = 60) -> list[dict[str, Any]]:
        def done() -> list[dict[str, Any]] | None:
            rows = self.all("SELECT * FROM xtbatch.batch ORDER BY batch_id")
            return rows if rows and all(r["batch_completed"] for r in rows) else None

        return wait_for(
            done,
            timeout,
            "every job to complete",
            lambda: self.all(
                "SELECT batch_id, batch_started, batch_completed "
                "FROM xtbatch.batch WHERE batch_completed IS NULL"
            ),
        )

    def attempts(self, batch_id: int | None = None) -> list[dict[str, Any]]:
        if batch_id is None:
            return self.all("SELECT * FROM xtbatch_mgr.attempt ORDER BY attempt_id")
        return self.all(
            "SELECT * FROM xtbatch_mgr.attempt WHERE batch_id = %s ORDER BY attempt_id", (batch_id,)
        )


def stream_outcome(db: Db, ids: list[int]) -> dict[str, int]:
    """Jobs submitted, completed, lost (not Done), and run twice (work completed twice)."""
    rows = db.all(
        "SELECT b.batch_id, b.batch_completed IS NOT NULL AS done, "
        "(SELECT count(*) FROM xtbatch_mgr.attempt a WHERE a.batch_id = b.batch_id "
        "   AND a.state IN ('succeeded', 'failed')) AS finished, "
        "(SELECT count(*) FROM xtbatch_mgr.attempt a WHERE a.batch_id = b.batch_id "
        "   AND a.state = 'interrupted') AS interrupted "
        "FROM xtbatch.batch b WHERE b.batch_id = ANY(%s)",
        (ids,),
    )
    return {
        "submitted": len(ids),
        "completed": sum(1 for r in rows if r["done"]),
        "lost": len(ids) - sum(1 for r in rows if r["done"]),
        "run_twice": sum(1 for r in rows if r["finished"] > 1),
        "rerun_after_interruption": sum(1 for r in rows if r["interrupted"]),
    }


def submit_pings(db: Db, count: int, seconds: float | None = None) -> list[int]:
    """``count`` past-due Ping jobs in one statement."""
    params = "" if seconds is None else str(seconds)
    rows = db.all(
        "WITH b AS (INSERT INTO xtbatch.batch (batch_action, batch_user, batch_submitted, "
        "batch_scheduled) SELECT 'Ping', 'admin', localtimestamp, "
        "localtimestamp - interval '1 minute' FROM generate_series(1, %(n)s) "
        "RETURNING batch_id), p AS (INSERT INTO xtbatch.batchparam (batchparam_batch_id, "
        "batchparam_order, batchparam_name, batchparam_value, batchparam_type) "
        "SELECT batch_id, 1, 'seconds', %(s)s, 'double' FROM b WHERE %(s)s <> '') "
        "SELECT batch_id FROM b ORDER BY batch_id",
        {"n": count, "s": params},
    )
    return [r["batch_id"] for r in rows]


def done_count(db: Db, ids: list[int]) -> int:
    row = db.one(
        "SELECT count(*) AS n FROM xtbatch.batch WHERE batch_id = ANY(%s) "
        "AND batch_completed IS NOT NULL",
        (ids,),
    )
    return int(row["n"]) if row else 0


def scrape(port: int) -> str:
    """The bridge's /metrics page on ``port`` ("" while it does not answer)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return ""


def metric(text: str, name: str, labels: str = "") -> float | None:
    """One sample of a Prometheus text page, e.g. ``metric(t, "x_total", '{kind="Ping"}')``."""
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def running_attempt(db: Db, batch_id: int) -> dict[str, Any] | None:
    """The attempt of ``batch_id`` running now, if any."""
    rows = [a for a in db.attempts(batch_id) if a["state"] == "running"]
    return rows[0] if rows else None


def queued_ahead(db: Db, batch_id: int) -> dict[str, Any] | None:
    """The attempt of ``batch_id`` sent to the broker and waiting there while another job's
    attempt runs (the bridge dispatches one job ahead), if there is one now."""
    return db.one(
        "SELECT w.* FROM xtbatch_mgr.attempt w WHERE w.batch_id = %(id)s "
        "AND w.state = 'dispatched' AND w.sent_at IS NOT NULL AND w.started_at IS NULL "
        "AND EXISTS (SELECT 1 FROM xtbatch_mgr.attempt r "
        "            WHERE r.state = 'running' AND r.batch_id <> %(id)s)",
        {"id": batch_id},
    )


def wait_queued_ahead(db: Db, batch_id: int, timeout: float) -> dict[str, Any]:
    """Wait until ``batch_id`` is queued ahead (see :func:`queued_ahead`); return its attempt."""
    return wait_for(
        lambda: queued_ahead(db, batch_id),
        timeout,
        f"batch job {batch_id} to be queued ahead (dispatched while another job runs)",
        lambda: db.all(
            "SELECT attempt_id, batch_id, state, sent_at, started_at, ended_at "
            "FROM xtbatch_mgr.attempt ORDER BY attempt_id"
        ),
    )


def assert_never_overlapping(db: Db) -> None:
    """No two attempts ran at the same time: each started after the one before it ended."""
    spans = sorted(
        ((a["started_at"], a["ended_at"], a["batch_id"]) for a in db.attempts() if a["started_at"]),
        key=lambda span: span[0],
    )
    for before, after in itertools.pairwise(spans):
        assert before[1] is not None and before[1] <= after[0], (
            f"two attempts overlapped: job {before[2]} ran {before[0]} to {before[1]}, "
            f"job {after[2]} started {after[0]}"
        )


def start_ping(
    db: Db, stack: Stack, seconds: int, timeout: float = 20, **worker: Any
) -> tuple[int, Proc]:
    """Submit a Ping of ``seconds``, start a worker (``worker``: its options) and a bridge, and
    wait until the job runs. Returns the job's id and the worker."""
    batch_id = db.submit("Ping", params=[("seconds", str(seconds), "int")])
    proc = stack.worker(**worker)
    stack.bridge()
    wait_for(lambda: running_attempt(db, batch_id), timeout, "the job to start", proc.log)
    return batch_id, proc


def sigkill_mid_job(
    db: Db, stack: Stack, seconds: int, timeout: float, start_timeout: float = 20
) -> tuple[int, float, dict[str, Any]]:
    """Run a Ping of ``seconds`` on "worker1", SIGKILL that worker's process group mid-job,
    start "worker2" and wait until the job is dispatched again. Returns the job's id, the
    seconds from the kill to the new dispatch and the interrupted attempt, which must say it
    was noticed by the stale heartbeat."""
    batch_id, worker = start_ping(db, stack, seconds, start_timeout, name="worker1")
    worker.kill_group()
    killed = time.monotonic()
    stack.worker(name="worker2")
    wait_for(
        lambda: len(db.attempts(batch_id)) == 2,
        timeout,
        "the job to be dispatched again",
        lambda: db.attempts(batch_id),
    )
    recovery = time.monotonic() - killed
    interrupted = db.attempts(batch_id)[0]
    assert interrupted["state"] == "interrupted"
    assert "no heartbeat for" in interrupted["detail"]
    return batch_id, recovery, interrupted
