#!/usr/bin/env bash
# A private, throwaway PostgreSQL server for the test suite.
#
#   bash scripts/pg-test-server.sh start   # init if needed, start, wait until ready, print the URL
#   bash scripts/pg-test-server.sh url     # print the URL
#   bash scripts/pg-test-server.sh stop    # stop it
#
# It listens on 127.0.0.1 only, port ${WORKBOOK_PG_PORT:-54329}, keeps everything (data, socket,
# log) under ${WORKBOOK_PG_DIR:-/tmp/workbook-pg}, trusts local connections, and has the
# superuser role "workbook" and the database "workbook_test". It never touches the system's
# default cluster (port 5432, /var/lib/postgresql, /var/run/postgresql).
# PostgreSQL refuses to run as root: as root it runs the server as the system user "postgres"
# when that exists, else as "workbook-pg" (created with useradd); otherwise as the caller.
# Durability is switched off (fsync=off): the data is for tests only.
set -euo pipefail

PORT="${WORKBOOK_PG_PORT:-54329}"
BASE="${WORKBOOK_PG_DIR:-/tmp/workbook-pg}"
DATA="$BASE/data"
SOCK="$BASE/run"
LOG="$BASE/server.log"
ROLE=workbook
DB=workbook_test
URL="postgresql+psycopg://$ROLE@127.0.0.1:$PORT/$DB"

say() { echo "pg-test-server: $*" >&2; }
die() { say "$*"; exit 1; }

usage() { echo "usage: $0 start|stop|url" >&2; exit 2; }
[ $# -eq 1 ] || usage

pg_bin() {
  # The newest installed server's bin directory.
  local best="" d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] || continue
    if [ -z "$best" ] || [ "$(basename "$(dirname "$d")")" -gt "$(basename "$(dirname "$best")")" ] 2>/dev/null; then
      best="$d"
    fi
  done
  [ -n "$best" ] || die "no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb); run: sudo bash scripts/system-setup.sh"
  echo "$best"
}

# The user the server runs as: the owner of $BASE once made (root never runs it).
run_user() {
  local owner=""
  [ -d "$BASE" ] && owner="$(stat -c %U "$BASE")"
  if [ -n "$owner" ] && [ "$owner" != root ]; then
    echo "$owner"
  elif [ "$(id -u)" = 0 ]; then
    if getent passwd postgres >/dev/null; then
      echo postgres
    else
      getent passwd workbook-pg >/dev/null \
        || useradd --system --no-create-home --home-dir "$BASE" --shell /usr/sbin/nologin workbook-pg
      echo workbook-pg
    fi
  else
    id -un
  fi
}

# Run a command as the server's user (from a directory it can read).
as_user() {
  local user="$1"; shift
  if [ "$(id -un)" = "$user" ]; then
    (cd "$BASE" && "$@")
  elif [ "$(id -u)" = 0 ]; then
    (cd "$BASE" && runuser -u "$user" -- "$@")
  else
    die "$DATA belongs to $user; run this as root or as $user (or set WORKBOOK_PG_DIR to a directory of your own)"
  fi
}

ready() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -t 2; }

running() {
  # Our server's pid file names a live process.
  local pid
  pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]
}

# Whether the server answering on 127.0.0.1:$PORT is this one (works without access to $DATA).
ours() {
  [ "$(psql_q "SHOW data_directory" 2>/dev/null)" = "$(cd "$DATA" 2>/dev/null && pwd -P || echo "$DATA")" ]
}

psql_q() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d postgres -tAc "$1"; }

ensure_db() {
  if [ "$(psql_q "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U "$ROLE" "$DB"
  fi
}

start() {
  BIN="$(pg_bin)"
  local user version
  if [ -d "$DATA" ] && [ -f "$DATA/PG_VERSION" ]; then
    version="$(basename "$(dirname "$BIN")")"
    if [ "$(cat "$DATA/PG_VERSION")" != "$version" ] && ! running; then
      say "data in $DATA is from PostgreSQL $(cat "$DATA/PG_VERSION"), server is $version: starting afresh"
      rm -rf "$DATA" || die "cannot remove $DATA"
    fi
  fi
  if ready; then
    ours || die "something else is serving 127.0.0.1:$PORT; stop it or set WORKBOOK_PG_PORT"
    ensure_db
    echo "$URL"
    return 0
  fi

  user="$(run_user)"
  mkdir -p "$BASE"
  if [ "$(id -u)" = 0 ]; then
    chown "$user" "$BASE"
  fi
  chmod 700 "$BASE" 2>/dev/null || true
  as_user "$user" mkdir -p "$SOCK"

  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    as_user "$user" "$BIN/initdb" -D "$DATA" -U "$ROLE" --auth=trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$BASE/initdb.log" 2>&1 \
      || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
    # Loopback only; no durability (test data); the trust rules initdb wrote are local/127.0.0.1/::1.
    as_user "$user" tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# workbook test server (scripts/pg-test-server.sh)
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 64MB
EOF
  fi

  if ! running; then
    # Port and socket directory are given on every start so WORKBOOK_PG_PORT can change.
    as_user "$user" "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 -s \
      -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1" start \
      || { tail -n 30 "$LOG" >&2 || true; die "the server did not start (log: $LOG)"; }
  fi
  local i
  for i in $(seq 1 60); do
    ready && break
    sleep 0.5
  done
  ready || { tail -n 30 "$LOG" >&2 || true; die "the server is not accepting connections on 127.0.0.1:$PORT (log: $LOG)"; }
  ensure_db
  echo "$URL"
}

stop() {
  BIN="$(pg_bin)"
  if ! running && ! { ready && ours; }; then
    say "not running"
    return 0
  fi
  as_user "$(run_user)" "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 -s stop
  say "stopped"
}

case "$1" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) usage ;;
esac
