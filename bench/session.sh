#!/usr/bin/env bash
# One measuring session, run by bench/compare.sh inside the peer's throwaway cluster (bench/peer/run.sh of
# the scratch copy, which exports BENCH_DIR, BENCH_RAW, BENCH_JWT_SECRET, ...):
#   1. the project's data and fixtures (project/setup.sh);
#   2. the measured groups, each alternating PostGraphile v4, the project on PostgreSQL and on SQLite
#      (project/measure.sh; CP_GROUPS picks the groups);
#   3. with CP_V5_NODE set (a Node >= 22 binary): PostGraphile v5 started beside v4 over the same database,
#      and Q1 and Q2 groups alternating v4, v5 and the project (measure.sh again, into $BENCH_RAW/v5);
#   4. unless CP_QUICK=1: the supplementary runs and the SQL statements per request;
#   5. with CP_100K=1: Q1 on the project at 100k pilots (project/run_100k.sh);
#   6. the reports: $BENCH_RAW/report.md, and $BENCH_RAW/report-v5.md for step 3.
set -euo pipefail
: "${BENCH_DIR:?}" "${BENCH_RAW:?}"
"$BENCH_DIR/project/setup.sh"
set -a; . "${CP_ENV_FILE:-/tmp/cp-bench.env}"; set +a
log() { printf '[cp-session %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

"$BENCH_DIR/project/measure.sh"

if [ -n "${CP_V5_NODE:-}" ]; then
  # PostGraphile v5 as the shared bench's README runs it (project/peer-v5: the V4 preset, so the peer's
  # documents, fixtures and tokens serve it unchanged), connecting as the peer's authenticator login.
  (cd "$BENCH_DIR/project/peer-v5" \
    && PGV5_CONNECTION=postgres://registry_authn:bench-authn-pw@127.0.0.1:55432/registry NODE_ENV=production \
       exec "$CP_V5_NODE" node_modules/postgraphile/dist/cli-run.js -C graphile.config.mjs) \
    > "$BENCH_RAW/postgraphile-v5.log" 2>&1 &
  V5_PID=$!
  stop_v5() { kill -TERM "$V5_PID" 2>/dev/null || true; wait "$V5_PID" 2>/dev/null || true; }
  trap stop_v5 EXIT
  for _ in $(seq 120); do
    curl -s -o /dev/null -X POST -H 'content-type: application/json' --data '{"query":"{__typename}"}' \
      http://127.0.0.1:55435/graphql && break
    kill -0 "$V5_PID" 2>/dev/null || { log "PostGraphile v5 exited: $(tail -5 "$BENCH_RAW/postgraphile-v5.log")"; exit 1; }
    sleep 0.5
  done
  log "PostGraphile v5 pid $V5_PID on 55435"
  V5_PID=$V5_PID CP_SYSTEMS="peer v5 pg sqlite" CP_GATE_QUERIES="q1 q2" \
    CP_GROUPS="${CP_V5_GROUPS:-v5q1:q1 v5q2:q2 v5q1b:q1}" BENCH_RAW=$BENCH_RAW/v5 "$BENCH_DIR/project/measure.sh"
  stop_v5; trap - EXIT
  python3 "$BENCH_DIR/project/report.py" "$BENCH_RAW/v5/measure" > "$BENCH_RAW/report-v5.md"
fi

if [ "${CP_QUICK:-0}" != 1 ]; then
  "$BENCH_DIR/project/supplement.sh"
  SPG=$("$BENCH_DIR/project/server.sh" pg "$BENCH_RAW/server-pg-statements.log")
  python3 "$BENCH_DIR/project/statements.py" "$BENCH_RAW/statements" || true
  kill -TERM "$SPG"; sleep 2
fi
if [ "${CP_100K:-0}" = 1 ]; then "$BENCH_DIR/project/run_100k.sh"; fi
python3 "$BENCH_DIR/project/report.py" "$BENCH_RAW/measure" > "$BENCH_RAW/report.md"
log "report: $BENCH_RAW/report.md${CP_V5_NODE:+ and $BENCH_RAW/report-v5.md}"
