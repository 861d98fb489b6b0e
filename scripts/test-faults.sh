#!/usr/bin/env bash
# The fault-injection suite (`npm run test:faults`): starts its OWN PostgreSQL cluster (port 54331, which it restarts
# during the run: never the shared one) and a PgBouncer in transaction mode in front of it, runs test/faults/*.fault.ts
# and the queue/workflow conformance tests through PgBouncer, writes docs/reliability.md from the figures, and
# prints one plain closing line "faults: N passed, N failed". The failover test starts its own primary and
# synchronous standby (scripts/start-standby-pair.sh, ports 54511/54512) and stops them; the cleanup below makes sure.
set -uo pipefail
cd "$(dirname "$0")/.."

export PGQRS_PG_PORT="${PGQRS_FAULT_PG_PORT:-54331}"
export PGQRS_PG_DATA="${PGQRS_FAULT_PG_DATA:-/tmp/pgqrs-faults}"
export PGQRS_PGBOUNCER_PORT="${PGQRS_FAULT_PGBOUNCER_PORT:-64331}"
started_pg=0
cleanup() {
  bash scripts/stop-pgbouncer.sh || true
  PGQRS_PAIR_PRIMARY_PORT="${PGQRS_FAILOVER_PRIMARY_PORT:-54511}" bash scripts/stop-standby-pair.sh || true
  if [ "$started_pg" = 1 ]; then bash scripts/stop-postgres.sh || true; fi
}
trap cleanup EXIT

pg_env="$(env -u PGQRS_TEST_DSN bash scripts/start-postgres.sh)" || exit 1
started_pg="$(sed -n "s/^export PGQRS_PG_STARTED='\(.*\)'$/\1/p" <<<"$pg_env")"
export PGQRS_FAULT_DSN="$(sed -n "s/^export PGQRS_TEST_DSN='\(.*\)'$/\1/p" <<<"$pg_env")"
export PGQRS_FAULT_PG_DATA="$PGQRS_PG_DATA"
eval "$(bash scripts/start-pgbouncer.sh)" || exit 1

mkdir -p test-artifacts
rm -rf test-artifacts/faults
status=0
echo "== fault suite (own PostgreSQL at ${PGQRS_FAULT_DSN}, PgBouncer at ${PGQRS_PGBOUNCER_DSN})"
npx vitest run -c vitest.faults.config.ts --reporter=default --reporter=json \
  --outputFile.json=test-artifacts/faults-vitest.json || status=$?

echo "== queue and workflow conformance through PgBouncer (transaction mode)"
PGQRS_TEST_DSN="$PGQRS_PGBOUNCER_DSN" npx vitest run --reporter=default --reporter=json \
  --outputFile.json=test-artifacts/pgbouncer-vitest.json \
  test/conformance/produce.test.ts test/conformance/consume.test.ts test/conformance/queues.test.ts \
  test/conformance/poll.test.ts test/conformance/concurrent-drain.test.ts test/conformance/workflow-runs.test.ts \
  test/conformance/workflow-worker.test.ts test/conformance/workflow-crash.test.ts || status=$?

node scripts/reliability-report.mjs || status=$?
node -e '
  const fs = require("fs");
  let p = 0, f = 0;
  for (const file of ["test-artifacts/faults-vitest.json", "test-artifacts/pgbouncer-vitest.json"]) {
    try { const r = JSON.parse(fs.readFileSync(file, "utf8")); p += r.numPassedTests; f += r.numFailedTests; }
    catch { f += 1; }
  }
  console.log(`faults: ${p} passed, ${f} failed`);
' || true
exit "$status"
