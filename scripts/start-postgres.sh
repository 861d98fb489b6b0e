#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests and prints its DSN on the last line of stdout.
# Usage: eval "$(scripts/start-postgres.sh)"  → exports PGQRS_TEST_DSN and PGQRS_PG_DATA.
# Does nothing when PGQRS_TEST_DSN is already set. Stop it with scripts/stop-postgres.sh.
set -euo pipefail

if [ -n "${PGQRS_TEST_DSN:-}" ]; then
  echo "export PGQRS_TEST_DSN='${PGQRS_TEST_DSN}'"
  exit 0
fi

PORT="${PGQRS_PG_PORT:-54329}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "start-postgres: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi
DATA="${PGQRS_PG_DATA:-/tmp/pgqrs-pg-$PORT}"

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

started=0
if [ -f "$DATA/postmaster.pid" ] && as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  : # already running from an earlier call; whoever started it stops it
else
  started=1
  rm -rf "$DATA"
  mkdir -p "$DATA"
  [ "$(id -u)" = "0" ] && chown postgres:postgres "$DATA"
  as_postgres "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
  as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start >/dev/null
fi

for _ in $(seq 1 60); do
  if "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; then break; fi
  sleep 0.5
done
"$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q || { echo "start-postgres: server did not come up" >&2; cat "$DATA/server.log" >&2; exit 1; }

if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='pgqrs_test'" | grep -q 1; then
  "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qc "CREATE DATABASE pgqrs_test" >/dev/null
fi
echo "export PGQRS_PG_DATA='$DATA'"
echo "export PGQRS_PG_STARTED='$started'"
echo "export PGQRS_TEST_DSN='postgresql://postgres@127.0.0.1:$PORT/pgqrs_test'"
