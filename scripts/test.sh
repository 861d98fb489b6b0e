#!/usr/bin/env bash
# The test command (`npm test`): lint, typecheck, build, then the whole suite against real SQLite files and a
# real PostgreSQL (started here unless PGQRS_TEST_DSN points at one).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh
# The servers the tests start listen on fixed ports in 54300-54599, which lie inside Linux's ephemeral port range
# (32768-60999 by default): when the kernel happened to give an outgoing connection one of them as its local port,
# that server's bind failed ("Address already in use"; seen once, the standby pair's 54522). Reserve them from
# ephemeral use where this user may (root); elsewhere nothing changes.
reserved=/proc/sys/net/ipv4/ip_local_reserved_ports
if [ -w "$reserved" ] && ! grep -q "54300-54599" "$reserved"; then
  current="$(cat "$reserved")"
  echo "${current:+$current,}54300-54599" > "$reserved" 2>/dev/null || true
fi
echo "== embed"; node scripts/embed-sources.mjs
echo "== lint"; npx biome check .
echo "== typecheck"; npx tsc -p tsconfig.json --noEmit && npx tsc -p tsconfig.client.json
echo "== build"; npm run build --silent

started_pg=0
if [ -z "${PGQRS_TEST_DSN:-}" ]; then
  eval "$(bash scripts/start-postgres.sh)"
  started_pg="${PGQRS_PG_STARTED:-0}"
fi
# Every temporary file of the run (SQLite files, fixtures, the child processes' own) goes under one directory,
# removed when the run ends, so repeated runs do not fill the machine's temp directory. World-writable and sticky
# like /tmp, so the database servers the tests start can use what the tests make there.
run_tmp="$(mktemp -d "${TMPDIR:-/tmp}/pgqrs-tests-XXXXXX")"
chmod 1777 "$run_tmp"
export TMPDIR="$run_tmp"
cleanup() {
  if [ "$started_pg" = 1 ]; then bash scripts/stop-postgres.sh || true; fi
  rm -rf "$run_tmp"
}
trap cleanup EXIT

echo "== tests (PostgreSQL at ${PGQRS_TEST_DSN}, SQLite files under ${TMPDIR:-/tmp})"
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
# One plain closing line for tools that read it.
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true

# The fault-injection suite on its own cluster (never the one above: it restarts it); its own closing line.
if [ "${PGQRS_SKIP_FAULTS:-0}" != 1 ]; then
  bash scripts/test-faults.sh || status=$?
fi
exit "$status"
