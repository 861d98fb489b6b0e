#!/usr/bin/env bash
# Starts PgBouncer in transaction mode on loopback in front of a PostgreSQL at 127.0.0.1:$PGQRS_PG_PORT and prints
# its DSN (with prepare=false: PgBouncer before 1.21 cannot keep named statements across transactions).
# Usage: eval "$(PGQRS_PG_PORT=54331 bash scripts/start-pgbouncer.sh)" → exports PGQRS_PGBOUNCER_DSN.
# Stop it with scripts/stop-pgbouncer.sh (same PGQRS_PGBOUNCER_PORT).
set -euo pipefail

PG_PORT="${PGQRS_PG_PORT:-54331}"
PORT="${PGQRS_PGBOUNCER_PORT:-64331}"
DIR="${PGQRS_PGBOUNCER_DIR:-/tmp/pgqrs-pgbouncer-$PORT}"
command -v pgbouncer >/dev/null || { echo "start-pgbouncer: pgbouncer is not installed (apt-get install pgbouncer)" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -f "$DIR/pgbouncer.pid" ] && kill -0 "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null; then
  : # already running
else
  rm -rf "$DIR"; mkdir -p "$DIR"
  cat >"$DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
reserve_pool_size = 10
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
pidfile = $DIR/pgbouncer.pid
logfile = $DIR/pgbouncer.log
INI
  printf '"postgres" ""\n"pgqrs_worker" ""\n' >"$DIR/userlist.txt"
  [ "$(id -u)" = "0" ] && chown -R postgres:postgres "$DIR"
  as_postgres pgbouncer -d -q "$DIR/pgbouncer.ini"
fi
for _ in $(seq 1 50); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  sleep 0.1
done
echo "export PGQRS_PGBOUNCER_DIR='$DIR'"
echo "export PGQRS_PGBOUNCER_DSN='postgresql://postgres@127.0.0.1:$PORT/pgqrs_test?prepare=false'"
