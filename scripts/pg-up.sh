#!/usr/bin/env bash
# Starts a private PostgreSQL server for the tests (Debian's packages: apt-get install postgresql)
# and prints its JDBC URL. Port $COFFER_PG_PORT (55432), files under $COFFER_PG_DIR
# (/tmp/coffer-pg), trust authentication on 127.0.0.1 only, data checksums on.
# Idempotent: a server already running there is reused. Stop it with scripts/pg-down.sh.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg-up: PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)" >&2
  exit 1
fi
port=${COFFER_PG_PORT:-55432}
dir=${COFFER_PG_DIR:-/tmp/coffer-pg}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
if ! as_pg "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  rm -rf "$dir/data"
  as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres --data-checksums >"$dir/initdb.log" 2>&1 \
    || { echo "pg-up: initdb failed; see $dir/initdb.log" >&2; exit 1; }
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null \
    || { echo "pg-up: the server did not start; see $dir/server.log" >&2; exit 1; }
fi
echo "jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres"
