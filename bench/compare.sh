#!/usr/bin/env bash
# The project measured side by side with the peer (PostGraphile over PostgreSQL with RLS) in one run, on the
# same data, machine and load: ../shared/bench/project/run.sh on a scratch copy of ../shared/bench whose
# project documents are replaced by the current ones in bench/queries/ (Q3 asks for the peer's
# municipality x type x status cross product in one field). About 35 minutes on the 2-core machine; it
# needs the release binary (cargo build --release -p api), wrk, node/npm, python3 and PostgreSQL 15.
#   bench/compare.sh                   # report: bench/results/raw/<time>-project/report.md
#   CP_100K=1 bench/compare.sh         # + Q1 at 100k pilots
#   CP_QUICK=1 CP_GROUPS="q3:q3 q3b:q3b" bench/compare.sh   # only the groups named: setup, gate, runs, report
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED_BENCH:-$REPO/../shared/bench}
[ -d "$SHARED" ] || { echo "no $SHARED" >&2; exit 1; }
command -v wrk >/dev/null || apt-get install -y -qq wrk
SCRATCH=$(mktemp -d /tmp/cp-compare.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
cp -r "$SHARED" "$SCRATCH/bench"
chmod -R u+w "$SCRATCH/bench"
cp "$REPO"/bench/queries/*.graphql "$SCRATCH/bench/project/queries/"
# `token` checks an applicant's organisation against the database it is configured with (as the
# server would): mint the bench's tokens against the bench's PostgreSQL, which holds it.
sed -i 's|^TOK() { JWT_SECRET=|TOK() { DATABASE_URL=$CP_PGURL JWT_SECRET=|' "$SCRATCH/bench/project/setup.sh"
grep -q '^TOK() { DATABASE_URL=' "$SCRATCH/bench/project/setup.sh" || { echo "setup.sh changed: mint tokens against CP_PGURL" >&2; exit 1; }
# A data set generated earlier (deterministic: same arguments, same files) is reused.
if [ -n "${BENCH_DATA_OUT:-}" ] && [ -d "$BENCH_DATA_OUT" ]; then
  rm -rf "$SCRATCH/bench/data/out"; ln -s "$BENCH_DATA_OUT" "$SCRATCH/bench/data/out"
fi
export BENCH_RAW=${BENCH_RAW:-$REPO/bench/results/raw/$(date -u +%Y%m%dT%H%M%SZ)-project}
mkdir -p "$BENCH_RAW"
export CARBON_PILOTS=${CARBON_PILOTS:-$REPO/target/release/carbon-pilots}
if [ "${CP_QUICK:-0}" = 1 ]; then
  # Setup, the gate and the groups named in CP_GROUPS, without the supplementary runs.
  "$SCRATCH/bench/peer/run.sh" bash -c '
    set -euo pipefail
    "$BENCH_DIR/project/setup.sh"
    set -a; . "${CP_ENV_FILE:-/tmp/cp-bench.env}"; set +a
    "$BENCH_DIR/project/measure.sh"
    python3 "$BENCH_DIR/project/report.py" "$BENCH_RAW/measure" > "$BENCH_RAW/report.md"
  '
else
  "$SCRATCH/bench/project/run.sh"
fi
echo "report: $BENCH_RAW/report.md"
