#!/usr/bin/env bash
# Installs the Debian packages the tests use when they are missing: the PostgreSQL server binaries, Chromium (the
# dashboard's browser tests) and PgBouncer (the fault suite). Idempotent; needs root only when something is missing.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ]; then
  echo "ensure-system-deps: missing ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "== installing ${missing[*]} (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
