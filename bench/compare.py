# ruff: noqa: RUF001, RUF003  (× and – in tables and prose are meant)
"""Compare source trees on the drain, interleaved so the shared machine's noise falls on all:
e.g. HEAD against a working tree with a proposed hot-path change.

    .venv/bin/python bench/compare.py --src base=/tmp/xtbatch-bench-src/<sha> \
        --src change=/path/to/tree [--jobs 1000] [--rounds 3] [--broker redis]

Each round runs bench/drain.py once per tree (its own database, processes and same-run
reference); the table gives the median over rounds of jobs/s, ms/job and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", action="append", required=True, help="name=path of a tree")
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--broker", choices=("redis", "amqp"), default="redis")
    args = parser.parse_args()
    trees = dict(s.split("=", 1) for s in args.src)
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(args.rounds):
        for name, path in trees.items():
            env = {
                **os.environ,
                "XTBATCH_BENCH_SRC": path,
                "XTBATCH_BENCH_COMMIT": name,
                "PYTHONPATH": path,
            }
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "drain.py"),
                    "--jobs",
                    str(args.jobs),
                    "--broker",
                    args.broker,
                    "--save-as",
                    "compare-drain",
                ],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            runs[name].append(
                json.loads((RESULTS / "compare-drain.json").read_text())["results"][0]
            )
    print(
        f"| tree | jobs/s (median of {args.rounds}) | ms/job | ratio to reference | "
        "all ratios |\n|---|---:|---:|---:|---:|"
    )
    for name, rs in runs.items():
        print(
            f"| {name} | {statistics.median(r['jobs_per_s'] for r in rs):.1f} | "
            f"{statistics.median(r['ms_per_job'] for r in rs):.2f} | "
            f"{statistics.median(r['ratio'] for r in rs):.3f}× | "
            + ", ".join(f"{r['ratio']:.3f}" for r in rs)
            + " |"
        )
    (RESULTS / "compare.json").write_text(json.dumps(runs, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
