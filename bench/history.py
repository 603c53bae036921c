# ruff: noqa: RUF003  (× and – in tables and prose are meant)
"""History: the bridge's find-and-claim of the next due job with a small and a large history.

Two databases, one with 1,000 completed jobs in xtbatch.batch and one with 1,000,000 (bulk
insert with generate_series), each with the same due jobs waiting. One iteration times the
bridge's own statements: ``next_due`` then ``dispatch`` (bench/queries.sql); the
attempt is then ended and the job completed, untimed. The two databases are measured in
alternating blocks so that the shared machine's noise falls on both. Goal: ratio ≤ 1.3.

    .venv/bin/python bench/history.py [--quick] [--iterations N] [--large 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
import uuid
from typing import Any

from harness import (
    bench_database,
    connect,
    machine,
    machine_note,
    one,
    percentile,
    query,
    save,
    table,
)

GOAL = 1.3
BLOCK = 50


def load(url: str, history: int, due: int) -> None:
    with connect(url) as conn:
        conn.execute(query("triggers_off"))
        conn.execute(query("insert_history"), {"n": history})
        conn.execute(query("triggers_on"))
        conn.execute(query("insert_due"), {"n": due})
        conn.execute(query("analyze"))


def iteration(conn: Any) -> float:
    """Seconds for next_due + dispatch (the bridge's find and claim)."""
    next_due, dispatch = query("next_due"), query("dispatch")
    t0 = time.perf_counter()
    due = conn.execute(next_due).fetchone()
    attempt = conn.execute(
        dispatch, {"batch_id": due["batch_id"], "task_id": str(uuid.uuid4()), "bridge": "bench"}
    ).fetchone()
    elapsed = time.perf_counter() - t0
    conn.execute(query("finish_attempt"), {"attempt_id": attempt["attempt_id"]})
    return elapsed


def explain(conn: Any) -> str:
    text = query("explain_next_due").replace("{next_due}", query("next_due"))
    return "\n".join(next(iter(r.values())) for r in conn.execute(text).fetchall())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 iterations instead of 1,000")
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    iterations = args.iterations or (300 if args.quick else 1_000)
    m = machine()
    sizes = {"small": args.small, "large": args.large}
    with contextlib.ExitStack() as stack:
        urls = {k: stack.enter_context(bench_database(messages=False)) for k in sizes}
        t0 = time.perf_counter()
        for key, rows in sizes.items():
            load(urls[key], rows, iterations + 2 * BLOCK + 20)  # some stay due for EXPLAIN
        print(f"loaded history in {time.perf_counter() - t0:.1f} s")
        conns = {k: stack.enter_context(connect(u)) for k, u in urls.items()}
        for c in conns.values():
            for _ in range(10):
                iteration(c)  # warm caches and plans
        times: dict[str, list[float]] = {k: [] for k in sizes}
        while len(times["large"]) < iterations:
            for key in sizes:
                times[key] += [iteration(conns[key]) * 1000 for _ in range(BLOCK)]
        plans = {k: explain(c) for k, c in conns.items()}
        info = {k: one(c, "table_size") for k, c in conns.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["large"] / med["small"]
    print(
        table(
            [
                "history rows",
                "table size",
                "due-index size",
                "iterations",
                "median ms",
                "p90 ms",
                "p99 ms",
            ],
            [
                [
                    f"{sizes[k]:,}",
                    info[k]["size"],
                    info[k]["due_index"],
                    len(times[k]),
                    f"{med[k]:.3f}",
                    f"{percentile(times[k], 0.9):.3f}",
                    f"{percentile(times[k], 0.99):.3f}",
                ]
                for k in sizes
            ],
        )
    )
    print(
        f"ratio large/small (medians) = {ratio:.2f} (goal ≤ {GOAL}: "
        f"{'pass' if ratio <= GOAL else 'FAIL'})"
    )
    for k, plan in plans.items():
        print(f"\nEXPLAIN (ANALYZE, BUFFERS) next_due, {sizes[k]:,} history rows:\n{plan}")
    print(machine_note(m))
    save(
        "history-quick" if args.quick else "history",
        {
            "machine": m,
            "sizes": sizes,
            "median_ms": med,
            "ratio": ratio,
            "plans": plans,
            "p90_ms": {k: percentile(v, 0.9) for k, v in times.items()},
            "tables": info,
        },
    )


if __name__ == "__main__":
    main()
