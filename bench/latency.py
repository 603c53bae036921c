# ruff: noqa: RUF001, RUF002, RUF003  (× and – in tables and prose are meant)
"""Latency on an idle system: due → started, and a future batch_scheduled → started.

With a worker and bridge idle, insert one Ping job due now and measure xtbatch_mgr.attempt's
started_at (the worker's claim) minus clock_timestamp() taken in the INSERT: both from the
database's clock. The job runs to completion and the system rests 100 ms before the next
sample. Then the timer: jobs scheduled 1–3 s ahead, started_at minus batch_scheduled.
The SQL-only reference's per-job time is measured in the same run for scale.
Goals: due → started p50 ≤ 5 ms, p99 ≤ 25 ms.

    .venv/bin/python bench/latency.py [--quick] [--samples 200] [--timer-samples 20]
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

import harness
from harness import (
    bench_database,
    connect,
    one,
    percentile,
    reference_rate,
    save,
    stack,
    table,
    wait_for,
)

GOALS = {"p50": 5.0, "p99": 25.0}
REST = 0.1


def sample(
    conn: Any,
    insert: str,
    params: dict[str, Any],
    key: str,
    timeout: float,
    split: list[float] | None = None,
) -> float:
    """ms from the insert (or schedule) to the claim; ``split`` gets ms to the dispatch."""
    row = one(conn, insert, params)
    wait_for(
        lambda: one(conn, "completed", {"batch_id": row["batch_id"]})["done"],
        timeout,
        f"job {row['batch_id']} to complete",
        poll=0.01,
    )
    times = one(conn, "started_at", {"batch_id": row["batch_id"]})
    if split is not None:
        split.append((times["dispatched_at"] - row[key]).total_seconds() * 1000)
    return (times["started_at"] - row[key]).total_seconds() * 1000


def stats(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50": percentile(ms, 0.5),
        "p90": percentile(ms, 0.9),
        "p99": percentile(ms, 0.99),
        "max": max(ms),
        "min": min(ms),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 and 8 samples")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--timer-samples", type=int, default=None)
    parser.add_argument("--broker", choices=("redis", "amqp"), default="redis")
    args = parser.parse_args()
    n = args.samples or (50 if args.quick else 200)
    n_timer = args.timer_samples or (8 if args.quick else 20)
    m = harness.machine()
    with bench_database(messages=False) as url:
        ref = reference_rate(url, 1000)
    rng = random.Random(7)
    with bench_database() as url, stack(url, args.broker) as s:
        s.worker()
        s.bridge()
        with connect(url) as conn:
            sample(conn, "insert_now", {}, "inserted_at", 30)  # warm-up
            due: list[float] = []
            to_dispatch: list[float] = []
            for _ in range(n):
                time.sleep(REST)
                due.append(sample(conn, "insert_now", {}, "inserted_at", 30, to_dispatch))
            timer = []
            for _ in range(n_timer):
                time.sleep(REST)
                ahead = rng.uniform(1.0, 3.0)
                timer.append(sample(conn, "insert_at", {"seconds": ahead}, "scheduled_at", 30))
    d, t, dd = stats(due), stats(timer), stats(to_dispatch)
    ref_ms = 1000 / ref["jobs_per_s"]
    print(
        table(
            ["measure", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms", "goal", "result"],
            [
                [
                    "due → started",
                    d["n"],
                    f"{d['p50']:.1f}",
                    f"{d['p90']:.1f}",
                    f"{d['p99']:.1f}",
                    f"{d['max']:.1f}",
                    "p50 ≤ 5, p99 ≤ 25",
                    "pass" if d["p50"] <= GOALS["p50"] and d["p99"] <= GOALS["p99"] else "FAIL",
                ],
                [
                    "  of which due → dispatched (bridge)",
                    dd["n"],
                    f"{dd['p50']:.1f}",
                    f"{dd['p90']:.1f}",
                    f"{dd['p99']:.1f}",
                    f"{dd['max']:.1f}",
                    "",
                    "",
                ],
                [
                    "scheduled (1–3 s ahead) → started",
                    t["n"],
                    f"{t['p50']:.1f}",
                    f"{t['p90']:.1f}",
                    f"{t['p99']:.1f}",
                    f"{t['max']:.1f}",
                    "(timer accuracy)",
                    f"min {t['min']:.1f}",
                ],
            ],
        )
    )
    print(
        f"reference: {ref_ms:.2f} ms per job (claim + complete in SQL alone); "
        f"due→started p50 = {d['p50'] / ref_ms:.1f}× that. {harness.machine_note(m)}"
    )
    save(
        "latency-quick" if args.quick else "latency",
        {
            "machine": m,
            "broker": args.broker,
            "due_to_started_ms": d,
            "timer_ms": t,
            "due_to_dispatched_ms": dd,
            "due_samples_ms": due,
            "timer_samples_ms": timer,
            "reference_ms_per_job": ref_ms,
        },
    )


if __name__ == "__main__":
    main()
