# ruff: noqa: RUF001, RUF002, RUF003  (× and – in tables and prose are meant)
"""Sequential drain: N past-due Ping jobs through bridge → broker → worker → callback.

For each broker: a fresh database, a real worker and bridge, 20 warm-up jobs, then N jobs
inserted at once; the rate is first dispatch to last completion by the database's clock. The
SQL-only reference (bench/reference.py) is measured just before and just after each drain on
a fresh database of its own, and the drain is reported as a ratio to their mean.
Goal: at least 0.4 × the reference.

    .venv/bin/python bench/drain.py [--quick] [--jobs N] [--broker redis|amqp|both]
"""

from __future__ import annotations

import argparse
from typing import Any

from harness import (
    bench_database,
    drain,
    machine,
    machine_note,
    reference_rate,
    save,
    stack,
    table,
)

GOAL = 0.4


def reference(jobs: int) -> float:
    with bench_database(messages=False) as url:
        return reference_rate(url, jobs)["jobs_per_s"]


def run_broker(broker: str, jobs: int, timeout: float) -> dict[str, Any]:
    ref_before = reference(jobs)
    with bench_database() as url, stack(url, broker) as s:
        s.worker()
        s.bridge()
        warm = drain(url, 20, timeout=120)
        if not warm["complete"]:
            raise RuntimeError(f"warm-up failed: {warm}\n{s.procs[0].log()[-3000:]}")
        result = drain(url, jobs, timeout=timeout)
    ref_after = reference(jobs)
    ref = (ref_before + ref_after) / 2
    return {
        "broker": broker,
        **result,
        "reference_before": ref_before,
        "reference_after": ref_after,
        "ratio": result["jobs_per_s"] / ref,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 jobs instead of 10,000")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--broker", choices=("redis", "amqp", "both"), default="both")
    parser.add_argument("--timeout", type=float, default=1800, help="longest drain, seconds")
    parser.add_argument(
        "--save-as", default=None, help="result file name (bench/results/NAME.json)"
    )
    args = parser.parse_args()
    jobs = args.jobs or (1_000 if args.quick else 10_000)
    m = machine()
    brokers = ["redis", "amqp"] if args.broker == "both" else [args.broker]
    results = [run_broker(b, jobs, args.timeout) for b in brokers]
    print(
        table(
            [
                "broker",
                "jobs",
                "seconds",
                "jobs/s",
                "ms/job",
                "reference jobs/s (before/after)",
                "ratio",
                "goal",
                "result",
                "mean (median) ms: dispatch→started / started→ended / ended→next dispatch",
            ],
            [
                [
                    r["broker"],
                    r["jobs"],
                    f"{r['seconds']:.1f}",
                    f"{r['jobs_per_s']:.1f}",
                    f"{r['ms_per_job']:.1f}",
                    f"{r['reference_before']:.0f} / {r['reference_after']:.0f}",
                    f"{r['ratio']:.3f}×",
                    f"≥ {GOAL}×",
                    "pass" if r["ratio"] >= GOAL and r["complete"] else "FAIL",
                    " / ".join(
                        f"{r[f'mean_{k}_ms']:.1f} ({r[f'median_{k}_ms']:.1f})"
                        for k in ("dispatch_to_start", "start_to_end", "end_to_next_dispatch")
                    ),
                ]
                for r in results
            ],
        )
    )
    for r in results:
        print(
            f"{r['broker']}: ms/job in each tenth of the drain: "
            + " ".join(f"{x:.1f}" for x in r["ms_per_job_by_tenth"])
        )
    print(machine_note(m))
    save(
        args.save_as or ("drain-quick" if args.quick else "drain"),
        {"machine": m, "jobs": jobs, "results": results},
    )


if __name__ == "__main__":
    main()
