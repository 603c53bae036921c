# ruff: noqa: RUF003  (× and – in tables and prose are meant)
"""The physical limit: claim and complete due jobs in SQL alone, no broker, no worker.

One ``UPDATE … FOR UPDATE SKIP LOCKED`` to start and one ``UPDATE`` to finish per job, each
its own transaction, from one client, on a fresh database with the same table and partial
index xtbatch installs. Every other benchmark's timing is a ratio against this figure,
measured in the same run, because the machine is shared.

    .venv/bin/python bench/reference.py [--quick] [--jobs N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics

from harness import bench_database, machine, machine_note, reference_rate, save, table


def measure(jobs: int, repeat: int) -> list[dict[str, float]]:
    runs = []
    for _ in range(repeat):
        with bench_database(messages=False) as url:
            runs.append(reference_rate(url, jobs))
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 jobs instead of 10,000")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    jobs = args.jobs or (1_000 if args.quick else 10_000)
    m = machine()
    runs = measure(jobs, args.repeat)
    rates = [r["jobs_per_s"] for r in runs]
    print(
        table(
            ["run", "jobs", "seconds", "jobs/s"],
            [
                [i + 1, r["jobs"], f"{r['seconds']:.2f}", f"{r['jobs_per_s']:.0f}"]
                for i, r in enumerate(runs)
            ],
        )
    )
    print(f"median {statistics.median(rates):.0f} jobs/s; {machine_note(m)}")
    save(
        "reference-quick" if args.quick else "reference",
        {"machine": m, "jobs": jobs, "runs": runs, "median_jobs_per_s": statistics.median(rates)},
    )


if __name__ == "__main__":
    main()
