#!/usr/bin/env bash
# Stops the pair started by scripts/start-standby-pair.sh (same variables) and removes its data; no-op when none
# runs. Either server may already be gone (the failover test SIGKILLs the primary).
set -uo pipefail
PRIMARY_PORT="${PGQRS_PAIR_PRIMARY_PORT:-54501}"
BASE="${PGQRS_PAIR_DATA:-/tmp/pgqrs-pair-$PRIMARY_PORT}"
BIN="${PGQRS_PAIR_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
for d in "$BASE/standby" "$BASE/primary"; do
  if [ -f "$d/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; fi
done
rm -rf "$BASE"
