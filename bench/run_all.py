"""Run every benchmark one after the other on one snapshot of HEAD, so that all figures of a
run belong to the same commit even while colleagues commit; each script's table goes to
stdout and its JSON to bench/results/.

    .venv/bin/python bench/run_all.py [--quick] [--only drain,latency,...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from snapshot import snapshot

ROOT = Path(__file__).resolve().parents[1]
ORDER = ("reference", "floor", "history", "latency", "drain", "memory", "idle", "profile_drain")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", default=",".join(ORDER))
    args = parser.parse_args()
    sha, folder = snapshot(ROOT)
    env = {
        **os.environ,
        "XTBATCH_BENCH_SRC": str(folder),
        "XTBATCH_BENCH_COMMIT": sha,
        "PYTHONPATH": str(folder),
    }
    failed = []
    for name in [n for n in ORDER if n in args.only.split(",")]:
        print(f"\n## {name} (commit {sha})\n", flush=True)
        t0 = time.monotonic()
        cmd = [
            sys.executable,
            str(ROOT / "bench" / f"{name}.py"),
            *(["--quick"] if args.quick else []),
        ]
        rc = subprocess.run(cmd, env=env).returncode
        print(f"\n({name}: exit {rc}, {time.monotonic() - t0:.0f} s)", flush=True)
        if rc:
            failed.append(name)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
