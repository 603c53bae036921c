# ruff: noqa: RUF001, RUF003  (× and – in tables and prose are meant)
"""The floor under one dispatched job: what the unavoidable hops of the design cost here.

One job through xtbatch needs, one after the other: the bridge's read of the next due job,
its dispatch commit, one broker hop (publish → the worker's main process), one pipe hop to
the pool child, the claim commit, the completion commit, and the NOTIFY that wakes the bridge
for the next job. This script times each unit in the same run as the SQL-only reference
(2 commits per job) and gives the best ratio the design can reach: reference ms/job ÷ floor.

    .venv/bin/python bench/floor.py [--quick] [--rounds 500]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from harness import (
    BROKERS,
    bench_database,
    connect,
    machine,
    machine_note,
    query,
    reference_rate,
    save,
    table,
)
from psycopg import sql as pgsql

CTX = multiprocessing.get_context("fork")


def timed(fn: Callable[[], Any], rounds: int) -> float:
    """Median ms of fn()."""
    fn()
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def _redis_echo(url: str, a: str, b: str, rounds: int) -> None:
    r = redis.Redis.from_url(url)
    for _ in range(rounds + 1):
        r.brpop([a], timeout=10)
        r.lpush(b, b"x")


def redis_hop(rounds: int) -> float:
    """One broker hop: LPUSH in one process → BRPOP in another (half a round trip), ms."""
    url, a, b = BROKERS["redis"], f"xtbatch.bench.floor.{uuid.uuid4().hex}", ""
    b = a + ".back"
    echo = CTX.Process(target=_redis_echo, args=(url, a, b, rounds))
    echo.start()
    r = redis.Redis.from_url(url)
    try:
        return timed(lambda: (r.lpush(a, b"x"), r.brpop([b], timeout=10)), rounds) / 2
    finally:
        echo.join(30)
        r.delete(a, b)


def _pipe_echo(conn: Any, rounds: int) -> None:
    for _ in range(rounds + 1):
        conn.send_bytes(conn.recv_bytes())


def pipe_hop(rounds: int) -> float:
    """One hop over a pipe between processes (the prefork pool's channel), ms."""
    mine, theirs = CTX.Pipe()
    echo = CTX.Process(target=_pipe_echo, args=(theirs, rounds))
    echo.start()
    try:
        return timed(lambda: (mine.send_bytes(b"x" * 200), mine.recv_bytes()), rounds) / 2
    finally:
        echo.join(30)


def _notify_echo(url: str, a: str, b: str, rounds: int) -> None:
    with connect(url) as conn:
        conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(a)))
        for _ in range(rounds + 1):
            if not list(conn.notifies(timeout=10, stop_after=1)):
                return
            conn.execute(query("floor_notify"), {"channel": b})


def notify_hop(url: str, rounds: int) -> float:
    """One NOTIFY hop: pg_notify committed in one session → the LISTENer's wake-up, ms."""
    a, b = f"floor_{uuid.uuid4().hex[:8]}", f"floor_{uuid.uuid4().hex[:8]}"
    echo = CTX.Process(target=_notify_echo, args=(url, a, b, rounds))
    echo.start()
    time.sleep(0.5)
    with connect(url) as conn:
        conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(b)))

        def ping() -> None:
            conn.execute(query("floor_notify"), {"channel": a})
            if not list(conn.notifies(timeout=10, stop_after=1)):
                raise TimeoutError("no NOTIFY back within 10 s")

        ms = timed(ping, rounds) / 2
    echo.join(30)
    return ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 rounds instead of 1,000")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args()
    rounds = args.rounds or (200 if args.quick else 1_000)
    m = machine()
    with bench_database(messages=False) as url:
        ref = reference_rate(url, rounds)
        with connect(url) as conn:
            read = timed(lambda: conn.execute(query("select_one")).fetchone(), rounds)
        notify = notify_hop(url, rounds)
    broker = redis_hop(rounds)
    pipe = pipe_hop(rounds)
    ref_ms = 1000 / ref["jobs_per_s"]
    write = ref_ms / 2  # a committed claim or completion, as the reference does them
    parts = [
        ("next_due read (1 round trip)", 1, read),
        ("dispatch, claim, complete commits (reference ms/job ÷ 2)", 3, write),
        ("broker hop (Redis, process to process)", 1, broker),
        ("pipe hop to the pool child", 1, pipe),
        ("NOTIFY hop back to the bridge", 1, notify),
    ]
    floor = sum(n * ms for _, n, ms in parts)
    print(
        table(
            ["unit", "count per job", "ms each (median)", "ms per job"],
            [[name, n, f"{ms:.3f}", f"{n * ms:.3f}"] for name, n, ms in parts]
            + [
                ["floor (sum)", "", "", f"{floor:.3f}"],
                ["SQL-only reference (2 commits + claim query)", "", "", f"{ref_ms:.3f}"],
            ],
        )
    )
    print(
        f"best reachable ratio with this design: {ref_ms / floor:.2f}× the reference "
        f"(goal 0.4×); {machine_note(m)}"
    )
    save(
        "floor-quick" if args.quick else "floor",
        {
            "machine": m,
            "rounds": rounds,
            "units_ms": {n: ms for n, _, ms in parts},
            "floor_ms": floor,
            "reference_ms": ref_ms,
            "best_ratio": ref_ms / floor,
        },
    )


if __name__ == "__main__":
    main()
