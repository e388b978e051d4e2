#!/usr/bin/env bash
# Export benchmark: seeds N synthetic pilots (with plans, indicators and actuals, a key project
# and a financing source each) into a fresh SQLite database, exports every pilot collection
# as NDJSON with the release binary, and reports rows/s and the exporter's peak resident
# memory. Run at two sizes to see that memory stays flat as the data grows:
#
#   bench/export.sh 10000 100000
#
# A benchmark, not a test: it asserts nothing and is not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p api >/dev/null
bin="${CARGO_TARGET_DIR:-target}/release/carbon-pilots"

# Peak RSS of a child process, in KiB, without needing GNU time.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
elapsed = time.monotonic() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{elapsed:.2f} {peak}")
PY
}

printf '%-8s %-11s %10s %9s %12s %14s\n' pilots collection rows seconds rows/s "peak RSS MiB"
for n in "${@:-10000 100000}"; do
  for size in $n; do
    dir=$(mktemp -d)
    export DATA_DIR="$dir" DATABASE_URL="sqlite://$dir/bench.sqlite?mode=rwc" JWT_SECRET=bench-secret-bench-secret-bench
    "$bin" seed --synthetic --pilots "$size" >/dev/null
    for c in pilots plans indicators projects financing audit; do
      read -r secs peak < <(measure "$bin" export "$c" --out "$dir/$c.ndjson")
      rows=$(($(wc -l < "$dir/$c.ndjson") - 1))
      awk -v n="$size" -v c="$c" -v r="$rows" -v s="$secs" -v p="$peak" \
        'BEGIN { printf "%-8s %-11s %10d %9.2f %12.0f %14.1f\n", n, c, r, s, r / s, p / 1024 }'
    done
    rm -rf "$dir"
  done
done
