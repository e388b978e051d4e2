#!/usr/bin/env bash
# The GraphiQL browser test: installs Debian's Chromium and playwright-core when missing (no
# browser download), starts the server with demo data on SQLite on a free loopback port, mints
# the tokens the test uses, runs it, and stops the server.
set -euo pipefail
cd "$(dirname "$0")"
BIN=${CARBON_PILOTS_BIN:-../../target/debug/carbon-pilots}
[ -x "$BIN" ] || { echo "build the binary first: cargo build -p api" >&2; exit 1; }

if ! command -v chromium >/dev/null; then
  echo "installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
fi
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error

DIR=$(mktemp -d /tmp/carbon-pilots-browser.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
unset DATABASE_URL JWT_SECRET CONFIG_FILE
export DATA_DIR="$DIR"
BIND="127.0.0.1:$PORT" RUST_LOG=warn "$BIN" serve --demo >"$DIR/server.log" 2>&1 &
PID=$!
stop() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap stop EXIT
for _ in $(seq 1 300); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz" || true)" = 200 ] && break
  kill -0 "$PID" 2>/dev/null || { cat "$DIR/server.log"; exit 1; }
  sleep 0.2
done

BASE_URL="http://127.0.0.1:$PORT" \
PROVINCIAL_TOKEN=$("$BIN" token --role provincial --region 370000 2>/dev/null) \
COUNTY_TOKEN=$("$BIN" token --role county --region 371481 2>/dev/null) \
  node graphiql.test.mjs || { echo "--- server log"; tail -n 50 "$DIR/server.log"; exit 1; }
