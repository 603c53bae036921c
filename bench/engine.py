# ruff: noqa: RUF001, RUF002, RUF003  (× and – in tables and prose are meant)
"""Engine ceiling: bare Celery against xtbatch, the same sequential drain side by side.

Bare Celery: the tiny app of bench/bare_app.py, configured like xtbatch's worker (prefork at
concurrency 1, prefetch 1, late acks, no result backend, no task events, JSON), runs as a
real ``celery worker`` subprocess on a fresh queue. 20 warm-up no-op tasks, then one task
holds the pool while N no-op tasks are published (so publishing neither races nor shares
the CPU with the drain), then the pool drains them; the time is the first task's start to
the last task's end, as the tasks note them (time.time() in the pool child).
Bare Celery + 2 commits: the same worker running ``bare.sql`` tasks, each of which makes the
two durable commits every xtbatch job needs (claim a due job, complete it: bench/reference.py's
statements, one transaction each, on a fresh bench database) and nothing else. It is the
ceiling of any design that claims and completes each job durably in the worker before the
ack: what is left between it and xtbatch is everything else xtbatch does per job.
xtbatch: N past-due Ping jobs through a real bridge and worker, as bench/drain.py does
(fresh database, 20 warm-up jobs, first dispatch to last completion by the database's clock).

Per broker: bare Celery, bare Celery + 2 commits, then xtbatch, repeated ``--rounds`` times
interleaved so that the shared machine's noise falls on all three; the table gives the median
rates and their ratios (bench/results/engine.json keeps every round and the load average at
the end too).
Goal: xtbatch at least 0.5 × bare Celery on Redis.

    .venv/bin/python bench/engine.py [--jobs N] [--rounds R] [--broker redis|amqp|both]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bare_app import create_app, gate, read_marks
from celery import Celery
from harness import (
    BROKERS,
    Proc,
    bench_database,
    connect,
    drain,
    drop_queue,
    machine,
    machine_note,
    one,
    query,
    save,
    stack,
    table,
    wait_for,
)

GOAL = 0.5  # on Redis
WARM_UP = 20
BENCH = Path(__file__).resolve().parent
HOPS = ("dispatch_to_start", "start_to_end", "end_to_next_dispatch")


def start_bare_worker(
    broker: str, queue: str, marks: Path, database_url: str | None = None
) -> Proc:
    """``celery -A bare_app:app worker`` as xtbatch starts its own (tasks/command.py), in its
    own session; returned once it is ready."""
    env = {
        **os.environ,
        **({"BARE_CELERY_DATABASE_URL": database_url} if database_url else {}),
        "BARE_CELERY_BROKER_URL": BROKERS[broker],
        "BARE_CELERY_QUEUE": queue,
        "BARE_CELERY_MARKS": str(marks),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BENCH), os.environ.get("PYTHONPATH")])),
    }
    log_path = marks.with_name("worker.log")
    with log_path.open("wb") as handle:
        popen = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "bare_app:app", "worker"),
                *("--queues", queue, "--concurrency", "1", "--pool", "prefork"),
                *("--prefetch-multiplier", "1", "--hostname", f"bare.{queue}@%h"),
                *("--without-mingle", "--without-gossip", "--loglevel", "WARNING"),
            ],
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=BENCH,
        )
    proc = Proc(name="bare celery worker", popen=popen, log_path=log_path)
    wait_for(
        lambda: ("worker", "ready") in read_marks(marks) or not proc.alive(),
        90,
        "the bare Celery worker to be ready",
    )
    if not proc.alive():
        raise RuntimeError(f"bare Celery worker exited:\n{proc.log()[-3000:]}")
    return proc


def publish(app: Celery, run: str, count: int, task: str) -> None:
    with app.producer_or_acquire() as producer:
        for index in range(count):
            app.send_task(task, (run, index, count), producer=producer)


def wait_mark(marks: Path, run: str, what: str, timeout: float, proc: Proc) -> float:
    """When the worker noted ``what`` for ``run``; its exit or the timeout is an error."""
    key = (run, what)
    wait_for(
        lambda: key in read_marks(marks) or not proc.alive(),
        timeout,
        f"the bare worker's {run} {what}",
    )
    if not proc.alive():
        raise RuntimeError(f"bare Celery worker exited:\n{proc.log()[-3000:]}")
    return read_marks(marks)[key]


def waiting(app: Celery, queue: str) -> int:
    """Messages still in the queue (none once a run has drained)."""
    with app.connection_for_write() as conn:
        try:
            return int(conn.default_channel.queue_declare(queue, passive=True).message_count)
        except conn.channel_errors:
            if conn.transport.driver_type == "redis":
                return 0  # an empty queue is a Redis list no longer there: "no queue"
            raise


def bare_celery(
    broker: str, jobs: int, timeout: float, database_url: str | None = None
) -> dict[str, Any]:
    """Bare Celery's drain of ``jobs`` no-op tasks; with ``database_url``, of tasks that make
    the two durable commits of a job and nothing else (bare_app's ``bare.sql``)."""
    task = "bare.sql" if database_url else "bare.noop"
    queue = f"xtbatch.bench.bare.{uuid.uuid4().hex[:10]}"
    marks = Path(tempfile.mkdtemp(prefix="xtbatch-bench-bare-")) / "marks"
    app = create_app(BROKERS[broker], queue)
    worker = start_bare_worker(broker, queue, marks, database_url)
    try:
        publish(app, "warm", WARM_UP, task)
        wait_mark(marks, "warm", "end", 120, worker)
        app.send_task("bare.hold", ("main", 120.0))
        wait_mark(marks, "main", "held", 60, worker)
        publish(app, "main", jobs, task)
        gate(marks, "main").touch()
        start = wait_mark(marks, "main", "start", 120, worker)
        end = wait_mark(marks, "main", "end", timeout, worker)
        left = waiting(app, queue)
    finally:
        worker.stop()
        drop_queue(broker, queue)
    seconds = end - start
    return {
        "jobs": jobs,
        "complete": left == 0,
        "left_in_queue": left,
        "seconds": seconds,
        "jobs_per_s": jobs / seconds,
        "ms_per_job": seconds * 1000 / jobs,
    }


def bare_commits(broker: str, jobs: int, timeout: float) -> dict[str, Any]:
    """Bare Celery plus the two commits per job, on a fresh bench database's due jobs."""
    with bench_database() as url, connect(url) as conn:
        conn.execute(query("insert_due"), {"n": WARM_UP + jobs})
        conn.execute(query("analyze"))
        result = bare_celery(broker, jobs, timeout, url)
        left = one(conn, "pending")["n"]  # its jobs not completed
    return {**result, "not_completed": left, "complete": result["complete"] and left == 0}


def xtbatch(broker: str, jobs: int, timeout: float) -> dict[str, Any]:
    with bench_database() as url, stack(url, broker) as s:
        s.worker()
        s.bridge()
        warm = drain(url, WARM_UP, timeout=120)
        if not warm["complete"]:
            raise RuntimeError(f"warm-up failed: {warm}\n{s.procs[0].log()[-3000:]}")
        return drain(url, jobs, timeout=timeout)


def run_broker(broker: str, jobs: int, rounds: int, timeout: float) -> dict[str, Any]:
    runs = []
    for _ in range(rounds):
        bare = bare_celery(broker, jobs, timeout)
        commits = bare_commits(broker, jobs, timeout)
        ours = xtbatch(broker, jobs, timeout)
        runs.append(
            {
                "bare": bare,
                "bare_commits": commits,
                "xtbatch": ours,
                "ratio": ours["jobs_per_s"] / bare["jobs_per_s"],
                "commits_ratio": commits["jobs_per_s"] / bare["jobs_per_s"],
            }
        )
    bare_rate = statistics.median(r["bare"]["jobs_per_s"] for r in runs)
    commits_rate = statistics.median(r["bare_commits"]["jobs_per_s"] for r in runs)
    ours_rate = statistics.median(r["xtbatch"]["jobs_per_s"] for r in runs)
    return {
        "broker": broker,
        "bare_jobs_per_s": bare_rate,
        "bare_commits_jobs_per_s": commits_rate,
        "xtbatch_jobs_per_s": ours_rate,
        "ratio": ours_rate / bare_rate,
        "commits_ratio": commits_rate / bare_rate,
        "complete": all(
            r["bare"]["complete"] and r["bare_commits"]["complete"] and r["xtbatch"]["complete"]
            for r in runs
        ),
        **{
            f"xtbatch_mean_{hop}_ms": statistics.median(
                r["xtbatch"][f"mean_{hop}_ms"] for r in runs
            )
            for hop in HOPS
        },
        "rounds": runs,
    }


def verdict(r: dict[str, Any]) -> tuple[str, str]:
    """(goal, result) for a broker's row: the goal is set for Redis only."""
    if not r["complete"]:
        return ("", "FAIL (jobs missing)")
    if r["broker"] != "redis":
        return ("—", "—")
    return (f"≥ {GOAL}×", "pass" if r["ratio"] >= GOAL else "FAIL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--broker", choices=("redis", "amqp", "both"), default="both")
    parser.add_argument("--timeout", type=float, default=1800, help="longest drain, seconds")
    args = parser.parse_args()
    m = machine()
    brokers = ["redis", "amqp"] if args.broker == "both" else [args.broker]
    results = [run_broker(b, args.jobs, args.rounds, args.timeout) for b in brokers]
    print(
        table(
            [
                "broker",
                "jobs × rounds",
                "bare Celery jobs/s",
                "bare Celery + 2 commits jobs/s (ratio)",
                "xtbatch jobs/s",
                "ms/job bare Celery / xtbatch",
                "ratio xtbatch/bare",
                "goal",
                "result",
                "ratio xtbatch/(bare + 2 commits)",
                "xtbatch mean ms: dispatch→started / started→ended / ended→next dispatch",
            ],
            [
                [
                    r["broker"],
                    f"{args.jobs:,} × {args.rounds}",
                    f"{r['bare_jobs_per_s']:.1f}",
                    f"{r['bare_commits_jobs_per_s']:.1f} ({r['commits_ratio']:.3f}×)",
                    f"{r['xtbatch_jobs_per_s']:.1f}",
                    f"{1000 / r['bare_jobs_per_s']:.2f} / {1000 / r['xtbatch_jobs_per_s']:.2f}",
                    f"{r['ratio']:.3f}×",
                    *verdict(r),
                    f"{r['xtbatch_jobs_per_s'] / r['bare_commits_jobs_per_s']:.3f}×",
                    " / ".join(f"{r[f'xtbatch_mean_{hop}_ms']:.2f}" for hop in HOPS),
                ]
                for r in results
            ],
        )
    )
    if args.rounds > 1:
        for r in results:
            print(
                f"{r['broker']} by round (bare Celery / + 2 commits / xtbatch jobs/s, ratio): "
                + "; ".join(
                    f"{x['bare']['jobs_per_s']:.1f} / {x['bare_commits']['jobs_per_s']:.1f} / "
                    f"{x['xtbatch']['jobs_per_s']:.1f}, {x['ratio']:.3f}×"
                    for x in r["rounds"]
                )
            )
    print(machine_note(m))
    save(
        "engine",
        {
            "machine": m,
            "loadavg_end": os.getloadavg(),
            "jobs": args.jobs,
            "rounds": args.rounds,
            "results": results,
        },
    )
    print(
        "ratio xtbatch/bare Celery: "
        + ", ".join(f"{r['broker']} {r['ratio']:.2f}×" for r in results)
    )


if __name__ == "__main__":
    main()
