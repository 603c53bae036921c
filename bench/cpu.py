# ruff: noqa: RUF003  (× and – in tables and prose are meant)
"""CPU time per job: what each process spends on one drained job, and how busy the machine is.

A sequential drain on a 2-core machine is limited by the chain of hops a job takes, and by the
CPU all processes need per job together: the bridge, the worker's main process and its pool
child, their PostgreSQL backends and Redis. This script drains N past-due Ping jobs (as
bench/drain.py does) and reads, from /proc, the user + system CPU time each process used
during the drain, divided by the jobs; and the machine's busy share over the same span.

    .venv/bin/python bench/cpu.py [--jobs 2000] [--broker redis|amqp]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from harness import (
    bench_database,
    connect,
    drain,
    machine,
    machine_note,
    query,
    save,
    stack,
    table,
)

TICK = os.sysconf("SC_CLK_TCK")


def process_cpu() -> dict[int, tuple[str, float]]:
    """Every process's (name, CPU seconds so far): the cmdline's start, or its comm."""
    found: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_text().replace("\0", " ").strip()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        seconds = (int(fields[11]) + int(fields[12])) / TICK
        found[int(entry.name)] = (name_of(comm, cmd), seconds)
    return found


def name_of(comm: str, cmd: str) -> str:
    if "xtbatch bridge" in cmd:
        return "bridge"
    if "xtbatch worker" in cmd:
        return "worker"
    if cmd.startswith("postgres:"):
        return "postgres backend " + cmd.split("(")[0].split()[-1]
    return comm


def machine_busy() -> tuple[int, int, int]:
    """(all jiffies, idle + iowait jiffies, steal jiffies) since boot. Steal is time the
    hypervisor gave this VM's CPUs to others: on a shared host it slows every figure."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values), values[3] + values[4], values[7]


def run(broker: str, jobs: int) -> dict[str, Any]:
    with bench_database() as url, stack(url, broker) as s:
        worker = s.worker()
        bridge = s.bridge()
        drain(url, 20, timeout=120)
        mine = {worker.pid: "worker main", bridge.pid: "bridge"}
        before, busy_before, t0 = process_cpu(), machine_busy(), time.monotonic()
        result = drain(url, jobs, timeout=1800)
        after, busy_after, t1 = process_cpu(), machine_busy(), time.monotonic()
        with connect(url) as conn:  # whose PostgreSQL backend is whose
            for row in conn.execute(query("backends")).fetchall():
                mine[row["pid"]] = f"postgres backend of {row['application_name'] or '?'}"
    per: list[dict[str, Any]] = []
    for pid, (name, seconds) in after.items():
        used = seconds - before.get(pid, (name, 0.0))[1]
        if used * 1000 / jobs >= 0.01:
            label = mine.get(pid) or ("worker pool child" if name == "worker" else name)
            per.append({"pid": pid, "process": label, "ms_per_job": used * 1000 / jobs})
    per.sort(key=lambda r: -r["ms_per_job"])
    total, idle, steal = (a - b for a, b in zip(busy_after, busy_before, strict=True))
    return {
        "broker": broker,
        **result,
        "wall_seconds": t1 - t0,
        "machine_busy_share": (total - idle) / total if total else 0.0,
        "steal_share": steal / total if total else 0.0,
        "processes": per,
        "cpu_ms_per_job": sum(r["ms_per_job"] for r in per),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2_000)
    parser.add_argument("--broker", choices=("redis", "amqp"), default="redis")
    args = parser.parse_args()
    m = machine()
    r = run(args.broker, args.jobs)
    print(
        table(
            ["process", "pid", "CPU ms per job"],
            [[p["process"], p["pid"], f"{p['ms_per_job']:.2f}"] for p in r["processes"]],
        )
    )
    print(
        f"{r['broker']}: {r['jobs']} jobs, {r['jobs_per_s']:.1f} jobs/s "
        f"({r['ms_per_job']:.2f} ms/job); all processes together {r['cpu_ms_per_job']:.2f} "
        f"CPU ms per job; machine busy {r['machine_busy_share']:.0%} of "
        f"{m['cpus']} CPUs during the drain (stolen by the host: {r['steal_share']:.0%})"
    )
    print(machine_note(m))
    save("cpu", {"machine": m, "jobs": args.jobs, "result": r})


if __name__ == "__main__":
    main()
