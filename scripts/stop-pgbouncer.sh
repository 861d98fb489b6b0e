#!/usr/bin/env bash
# Stops the PgBouncer started by scripts/start-pgbouncer.sh (no-op when none runs).
set -uo pipefail
PORT="${PGQRS_PGBOUNCER_PORT:-64331}"
DIR="${PGQRS_PGBOUNCER_DIR:-/tmp/pgqrs-pgbouncer-$PORT}"
[ -f "$DIR/pgbouncer.pid" ] || exit 0
pid="$(cat "$DIR/pgbouncer.pid")"
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
kill -9 "$pid" 2>/dev/null || true
