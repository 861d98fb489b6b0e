#!/usr/bin/env bash
# Starts a throwaway PostgreSQL primary and a SYNCHRONOUS streaming standby of it (pg_basebackup -R), both on
# loopback, for the failover fault test and the standby-read tests. Prints shell exports on stdout:
#   PGQRS_PAIR_PRIMARY_DSN, PGQRS_PAIR_STANDBY_DSN, PGQRS_PAIR_PRIMARY_DATA, PGQRS_PAIR_STANDBY_DATA, PGQRS_PAIR_BIN
# Usage: eval "$(PGQRS_PAIR_PRIMARY_PORT=54501 PGQRS_PAIR_STANDBY_PORT=54502 bash scripts/start-standby-pair.sh)"
# Always starts afresh (any earlier pair on these ports is stopped and its data removed). Stop it with
# scripts/stop-standby-pair.sh (same variables). The primary commits only once the standby has flushed the WAL
# (synchronous_standby_names = '*', synchronous_commit = on), so a commit acknowledged by the primary survives its
# SIGKILL and the standby's promotion. The standby's own synchronous_standby_names is empty: once promoted it has no
# standby, and must not wait for one. PGQRS_PAIR_SYNC=0 makes the standby asynchronous (faster commits, for tests that
# only read from it).
set -euo pipefail

PRIMARY_PORT="${PGQRS_PAIR_PRIMARY_PORT:-54501}"
STANDBY_PORT="${PGQRS_PAIR_STANDBY_PORT:-54502}"
BASE="${PGQRS_PAIR_DATA:-/tmp/pgqrs-pair-$PRIMARY_PORT}"
PRIMARY="$BASE/primary"
STANDBY="$BASE/standby"
SYNC_NAMES="'*'"
[ "${PGQRS_PAIR_SYNC:-1}" = "0" ] && SYNC_NAMES="''"
BIN="${PGQRS_PAIR_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "start-standby-pair: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
  exit 1
fi

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_both() {
  for d in "$PRIMARY" "$STANDBY"; do
    if [ -f "$d/postmaster.pid" ]; then as_postgres "$BIN/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true; fi
  done
}

stop_both
rm -rf "$BASE"
# A pair that fails half way (the standby does not start or stream) is torn down: no server of it is left running
# to hold its port, and the data stays for the log.
started=0
trap '[ "$started" = 1 ] || stop_both' EXIT
mkdir -p "$PRIMARY"
[ "$(id -u)" = "0" ] && chown -R postgres:postgres "$BASE"
as_postgres "$BIN/initdb" -D "$PRIMARY" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$PRIMARY/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PRIMARY_PORT
unix_socket_directories = '$BASE'
max_connections = 200
fsync = off
full_page_writes = off
shared_buffers = 64MB
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
synchronous_commit = on
synchronous_standby_names = $SYNC_NAMES
CONF
as_postgres "$BIN/pg_ctl" -D "$PRIMARY" -l "$BASE/primary.log" -w -t 60 start >/dev/null
# No standby yet: a commit would wait for one. CREATE DATABASE must not wait, so it runs with synchronous_commit
# local.
PGOPTIONS="-c synchronous_commit=local" "$BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -qc \
  "CREATE DATABASE pgqrs_test" >/dev/null

as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -D "$STANDBY" -R -X stream -c fast
cat >>"$STANDBY/postgresql.conf" <<CONF
port = $STANDBY_PORT
unix_socket_directories = '$BASE'
synchronous_standby_names = ''
cluster_name = 'pgqrs_standby'
CONF
as_postgres "$BIN/pg_ctl" -D "$STANDBY" -l "$BASE/standby.log" -w -t 60 start >/dev/null

# Ready when the primary sees its standby streaming synchronously.
for _ in $(seq 1 100); do
  state="$("$BIN/psql" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -tAc \
    "SELECT sync_state FROM pg_stat_replication LIMIT 1" 2>/dev/null || true)"
  [ "$state" = "sync" ] || { [ "$SYNC_NAMES" = "''" ] && [ "$state" = "async" ]; } && break
  sleep 0.1
done
if [ "$state" != "sync" ] && [ "$state" != "async" ]; then
  echo "start-standby-pair: the standby is not streaming (state '$state')" >&2
  cat "$BASE/standby.log" >&2
  exit 1
fi

started=1
echo "export PGQRS_PAIR_BIN='$BIN'"
echo "export PGQRS_PAIR_PRIMARY_DATA='$PRIMARY'"
echo "export PGQRS_PAIR_STANDBY_DATA='$STANDBY'"
echo "export PGQRS_PAIR_PRIMARY_DSN='postgresql://postgres@127.0.0.1:$PRIMARY_PORT/pgqrs_test'"
echo "export PGQRS_PAIR_STANDBY_DSN='postgresql://postgres@127.0.0.1:$STANDBY_PORT/pgqrs_test'"
