# ruff: noqa: RUF003  (× and – in tables and prose are meant)
"""Memory: RSS of the bridge and the worker (main process and pool child) at rest and after
two batches of N Ping jobs each. Goals: bridge ≤ 60 MB, worker ≤ 150 MB (main + child), and
no growth from the first batch to the second. The worker is judged by PSS: the pool child is
forked from the main process and shares most of its pages, which a sum of RSS counts twice.

    .venv/bin/python bench/memory.py [--quick] [--jobs N] [--broker redis|amqp]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from harness import (
    bench_database,
    drain,
    machine,
    machine_note,
    save,
    stack,
    table,
)
from system import children, pss_mb, rss_mb

GOALS = {"bridge": 60.0, "worker": 150.0}
GROWTH_MB = 2.0


def snapshot(bridge: int, worker: int) -> dict[str, Any]:
    time.sleep(2)  # let the last callback and the allocator settle
    kids = children(worker)
    return {
        "bridge_rss": rss_mb(bridge),
        "bridge_pss": pss_mb(bridge),
        "worker_main_rss": rss_mb(worker),
        "worker_main_pss": pss_mb(worker),
        "worker_child_rss": sum(rss_mb(k) for k in kids),
        "worker_child_pss": sum(pss_mb(k) for k in kids),
        "children": kids,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 jobs per batch")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--broker", choices=("redis", "amqp"), default="redis")
    args = parser.parse_args()
    jobs = args.jobs or (1_000 if args.quick else 10_000)
    m = machine()
    with bench_database() as url, stack(url, args.broker) as s:
        worker, bridge = s.worker(), s.bridge()
        drain(url, 20, timeout=120)
        snaps = {"at rest (after 20 jobs)": snapshot(bridge.pid, worker.pid)}
        for i in (1, 2):
            result = drain(url, jobs, timeout=max(600.0, jobs * 0.5))
            if not result["complete"]:
                raise RuntimeError(f"batch {i} incomplete: {result}")
            snaps[f"after batch {i} (+{jobs:,} jobs)"] = snapshot(bridge.pid, worker.pid)
    rows = []
    for name, x in snaps.items():
        rows.append(
            [
                name,
                f"{x['bridge_rss']:.1f}",
                f"{x['worker_main_rss']:.1f}",
                f"{x['worker_child_rss']:.1f}",
                f"{x['worker_main_rss'] + x['worker_child_rss']:.1f}",
                f"{x['worker_main_pss'] + x['worker_child_pss']:.1f}",
            ]
        )
    print(
        table(
            [
                "when",
                "bridge RSS MB",
                "worker main RSS MB",
                "pool child RSS MB",
                "worker RSS sum MB",
                "worker PSS sum MB",
            ],
            rows,
        )
    )
    first, second = list(snaps.values())[1:]
    growth = {
        k: second[k] - first[k] for k in ("bridge_rss", "worker_main_rss", "worker_child_rss")
    }
    worker_max = max(x["worker_main_pss"] + x["worker_child_pss"] for x in snaps.values())
    worker_rss_max = max(x["worker_main_rss"] + x["worker_child_rss"] for x in snaps.values())
    bridge_max = max(x["bridge_rss"] for x in snaps.values())
    verdict = {
        "bridge ≤ 60 MB": bridge_max <= GOALS["bridge"],
        "worker ≤ 150 MB (main + child, PSS)": worker_max <= GOALS["worker"],
        f"no growth batch 1 → 2 (≤ {GROWTH_MB} MB each)": all(
            g <= GROWTH_MB for g in growth.values()
        ),
    }
    print(
        table(
            ["goal", "measured", "result"],
            [
                [
                    "bridge ≤ 60 MB",
                    f"max {bridge_max:.1f} MB",
                    "pass" if verdict["bridge ≤ 60 MB"] else "FAIL",
                ],
                [
                    "worker ≤ 150 MB (main + child, PSS)",
                    f"max {worker_max:.1f} MB PSS ({worker_rss_max:.1f} MB RSS sum)",
                    "pass" if verdict["worker ≤ 150 MB (main + child, PSS)"] else "FAIL",
                ],
                [
                    f"no growth batch 1 → 2 (≤ {GROWTH_MB} MB each)",
                    ", ".join(f"{k} {v:+.1f} MB" for k, v in growth.items()),
                    "pass" if list(verdict.values())[2] else "FAIL",
                ],
            ],
        )
    )
    print(f"pool child pids: {[x['children'] for x in snaps.values()]}; {machine_note(m)}")
    save(
        "memory-quick" if args.quick else "memory",
        {
            "machine": m,
            "jobs_per_batch": jobs,
            "snapshots": snaps,
            "growth_mb": growth,
            "verdict": verdict,
        },
    )


if __name__ == "__main__":
    main()
