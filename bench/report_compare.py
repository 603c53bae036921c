"""Compare the report renderer of another checkout ("before") with this one ("after").

Runs bench/report_render.py in turn against BASE's ``xtbatch`` and this tree's, ROUNDS times
each, alternating so both see the same machine load, and prints the 50-page report's time per
page and memory side by side. BASE is any folder holding an older ``xtbatch`` package, e.g.

    git archive main | tar -x -C /tmp/base
    .venv/bin/python bench/report_compare.py /tmp/base [--rounds 4] [--repeat 11]

The benchmark script and its report definition are this tree's for both, so only the renderer
differs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("report_render.py")

# Import xtbatch from BASE: drop the editable install's finder (it would win over sys.path).
BOOTSTRAP = """
import runpy, sys
base, script, *rest = sys.argv[1:]
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, base)
import xtbatch
assert xtbatch.__file__.startswith(base), xtbatch.__file__
sys.argv = [script, *rest]
runpy.run_path(script, run_name="__main__")
"""

# The 50-page row: pages, rows, PDF size, median, per page, best, peak memory.
_ROW = re.compile(
    r"^\| 50 \| \d+ \| [^|]+\| \d+ ms \| ([\d.]+) ms \| (\d+) ms \| ([\d.]+) MiB \|",
    re.MULTILINE,
)
_RSS = re.compile(r"max RSS after both: (\d+) MiB")


def run(base: Path | None, repeat: int) -> dict[str, float]:
    command = [sys.executable, str(SCRIPT), "--repeat", str(repeat)]
    if base is not None:
        command = [sys.executable, "-c", BOOTSTRAP, str(base), *command[1:]]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    row, rss = _ROW.search(out), _RSS.search(out)
    if row is None or rss is None:
        raise SystemExit(f"unexpected output of {SCRIPT.name}:\n{out}")
    return {
        "per_page_ms": float(row[1]),
        "best_per_page_ms": float(row[2]) / 50,
        "peak_mib": float(row[3]),
        "rss_mib": float(rss[1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="a folder holding the older xtbatch package")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for number in range(1, args.rounds + 1):
        load = os.getloadavg()[0]
        results["before"].append(run(args.base.resolve(), args.repeat))
        results["after"].append(run(None, args.repeat))
        print(f"round {number}: load average {load:.2f}", file=sys.stderr)
    print(f"{args.rounds} rounds of {args.repeat} timed runs, alternating\n")
    print("| 50-page report | before | after | change |")
    print("|---|---:|---:|---:|")
    for key, what, unit in (
        ("per_page_ms", "time per page, median of the rounds' medians", "ms"),
        ("best_per_page_ms", "time per page, median of the rounds' best runs", "ms"),
        ("peak_mib", "peak Python memory (tracemalloc)", "MiB"),
        ("rss_mib", "process max RSS", "MiB"),
    ):
        before = statistics.median(r[key] for r in results["before"])
        after = statistics.median(r[key] for r in results["after"])
        print(f"| {what} | {before:.2f} {unit} | {after:.2f} {unit} | {after / before - 1:+.0%} |")


if __name__ == "__main__":
    main()
