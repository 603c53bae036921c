#!/usr/bin/env bash
# Drain and latency of two checkouts, interleaved round by round so the shared machine's noise
# falls on both. Each checkout runs its own bench/ scripts with its own .venv (`make install`
# there first), on a git snapshot of its HEAD: this works across changes of layout or entry
# points, which bench/compare.py (one venv, PYTHONPATH per tree) cannot follow.
#
#   bash bench/compare_checkouts.sh BEFORE_DIR AFTER_DIR [ROUNDS] [JOBS]
#
# Prints one line per run; the outputs are kept in $OUT (default /tmp/xtbatch-compare), and
# each checkout keeps its own result files in its bench/results/ as usual.
set -euo pipefail
before=$(cd "$1" && pwd)
after=$(cd "$2" && pwd)
rounds=${3:-5}
jobs=${4:-1000}
out=${OUT:-/tmp/xtbatch-compare}
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
    for name in before after; do
        dir=$before
        [ "$name" = after ] && dir=$after
        (cd "$dir" && .venv/bin/python bench/drain.py --jobs "$jobs" --broker redis \
            --save-as "compare-$name-$round" >"$out/drain-$name-$round.txt" 2>&1)
        (cd "$dir" && .venv/bin/python bench/latency.py --samples 200 --timer-samples 8 \
            --broker redis >"$out/latency-$name-$round.txt" 2>&1)
        # Columns: jobs/s, ratio to the same run's SQL-only reference; due→started p50, p90, p99.
        drain=$(grep '^| redis' "$out/drain-$name-$round.txt" | cut -d'|' -f5,8)
        latency=$(grep '^| due' "$out/latency-$name-$round.txt" | cut -d'|' -f4,5,6)
        echo "round $round $name: drain jobs/s, ratio |$drain | due→started p50, p90, p99 ms |$latency"
    done
done
