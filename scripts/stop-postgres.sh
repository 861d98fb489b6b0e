#!/usr/bin/env bash
# Stops the cluster started by scripts/start-postgres.sh (no-op when none runs).
set -uo pipefail
PORT="${PGQRS_PG_PORT:-54329}"
DATA="${PGQRS_PG_DATA:-/tmp/pgqrs-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -f "$DATA/postmaster.pid" ] || exit 0
if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null; else "$BIN/pg_ctl" -D "$DATA" -m fast stop >/dev/null; fi
