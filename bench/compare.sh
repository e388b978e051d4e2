#!/usr/bin/env bash
# The project measured side by side with the peer (PostGraphile over PostgreSQL with RLS) in one run, on the
# same data, machine and load: bench/session.sh inside the peer's throwaway cluster, on a scratch copy of
# ../shared/bench whose project documents are replaced by the current ones in bench/queries/ (Q3 asks for the
# peer's municipality x type x status cross product in one field). PostGraphile v4 and v5 are both measured
# (v5 on Q1 and Q2, in groups of its own after the main ones). About 35 minutes on the 2-core machine; it
# needs the release binary (cargo build --release -p api), wrk, node/npm, python3 and PostgreSQL 15.
#   bench/compare.sh                   # reports: bench/results/raw/<time>-project/report.md, report-v5.md
#   CP_100K=1 bench/compare.sh         # + Q1 at 100k pilots (data from gen.py in $DATA100K, /tmp/cp-data-100k)
#   CP_V5=0 bench/compare.sh           # without PostGraphile v5
#   CP_QUICK=1 CP_GROUPS="q3:q3 q3b:q3b" bench/compare.sh   # only the groups named, no supplementary runs
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
# PostGraphile v5 (the shared bench's project/peer-v5) is measured beside v4 unless CP_V5=0. It needs
# Node >= 22: the machine's when it has one, else Node 22 from the npm registry, kept in CP_V5_NODE_DIR.
if [ "${CP_V5:-1}" = 1 ]; then
  if [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 22 ]; then
    CP_V5_NODE=$(command -v node)
  else
    NODE_DIR=${CP_V5_NODE_DIR:-/tmp/cp-bench-node22}
    CP_V5_NODE=$NODE_DIR/node_modules/node/bin/node
    [ -x "$CP_V5_NODE" ] || (mkdir -p "$NODE_DIR" && cd "$NODE_DIR" && npm install --no-audit --no-fund node@22 >&2)
  fi
  (cd "$SCRATCH/bench/project/peer-v5" && npm ci --no-audit --no-fund > "$BENCH_RAW/npm-install-v5.log" 2>&1)
  export CP_V5_NODE
fi
cp "$REPO/bench/session.sh" "$SCRATCH/bench/project/session.sh"
"$SCRATCH/bench/peer/run.sh" "$SCRATCH/bench/project/session.sh"
echo "report: $BENCH_RAW/report.md${CP_V5_NODE:+ and $BENCH_RAW/report-v5.md}"
