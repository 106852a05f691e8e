# pg.sh: a PostgreSQL of the test's own, for the tests of issue 19 (the
# shipper, the node directory, the group reports). Sourced after lib.sh.
#
# pg_start makes a cluster with Debian's postgresql-15 (scripts/deps.sh) in
# a temporary folder, owned by the unprivileged `postgres` user when the
# test runs as root (initdb refuses root), listening on 127.0.0.1 at a free
# port and on a Unix socket in that folder, trust authentication, fsync on
# (the shipper's exactly-once promise is tested across crashes). It creates
# the database `rounds` and sets PG_DSN to a libpq connection string for
# it. pg_stop / pg_start again keep the cluster and its port; pg_kill is
# the crash (SIGKILL to the postmaster, then its children). Everything is
# removed by lib.sh's EXIT trap (pg_cleanup), kept with $WORK on a failure.
#
# Skips the test (exit 77) when the PostgreSQL binaries are missing.
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V |
  tail -1)}
PG_DIR=""
PG_PORT=""
PG_DSN=""
PG_AS=()

pg_need() {
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    echo "SKIP: PostgreSQL's binaries are missing (scripts/deps.sh" \
      "installs postgresql-15)"
    rm -rf "$WORK"
    exit 77
  fi
}

# A free TCP port on 127.0.0.1 (the kernel's pick; PostgreSQL cannot take
# port 0 itself, since its socket file is named after the port).
pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

pg_ctl_() { "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }

# pg_start: the first call makes the cluster and the `rounds` database;
# later calls start it again (after pg_stop or pg_kill) on the same port.
pg_start() {
  pg_need
  if [ -z "$PG_DIR" ]; then
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rounds-pg-XXXXXX")
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres: "$PG_DIR"
      PG_AS=(runuser -u postgres --)
    fi
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres \
      --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 || {
      echo "initdb failed:"; cat "$PG_DIR/initdb.log"; exit 1; }
  fi
  local try
  for try in 1 2 3 4 5; do
    [ -n "$PG_PORT" ] && [ "$try" = 1 ] || PG_PORT=$(pg_free_port)
    if pg_ctl_ -w -t 60 -l "$PG_DIR/server.log" -o "-p $PG_PORT \
      -c listen_addresses=127.0.0.1 -k $PG_DIR -c fsync=on \
      -c max_connections=200" start >/dev/null 2>&1; then
      PG_DSN="host=127.0.0.1 port=$PG_PORT user=postgres dbname=rounds"
      if ! pg_psql postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname='rounds'" | grep -q 1; then
        pg_psql postgres -qc "CREATE DATABASE rounds" >/dev/null
      fi
      return 0
    fi
  done
  echo "PostgreSQL did not start:"; tail -20 "$PG_DIR/server.log"; exit 1
}

pg_stop() { # fast shutdown: sessions are cut, what was committed stays
  [ -n "$PG_DIR" ] && pg_ctl_ -w -m fast stop >/dev/null 2>&1
  return 0
}

pg_kill() { # the crash: SIGKILL to the postmaster and its backends
  [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
  local pid
  pid=$(head -1 "$PG_DIR/data/postmaster.pid")
  kill -9 "$pid" 2>/dev/null
  pkill -9 -P "$pid" 2>/dev/null
  for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$PG_DIR/data/postmaster.pid"
}

# pg_psql [DB] ARGS...: psql on the test's cluster (database `rounds` when
# the first argument starts with a dash).
pg_psql() {
  local db=rounds
  case "${1:-}" in -*) ;; *) db=$1; shift ;; esac
  "$PG_BIN/psql" -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
    -U postgres -d "$db" "$@"
}

# pg_records_match WHAT DATA SITE: the site's records in PostgreSQL
# (docs/POSTGRES.md, "Checking a copy") are the lines of `roundsd dump
# --data DATA --site SITE`: each record's id, kind, status and the SHA-256
# of its state's bytes, so every field. A pass or a fail with the diff.
pg_records_match() {
  local what=$1 data=$2 site=$3
  "$ROUNDSD" dump --data "$data" --site "$site" | grep -v '^digest ' |
    sort >"$WORK/dump-$site"
  pg_psql -tAq -c "SELECT replace(id::text, '-', '') || ' ' || k.name ||
    ' ' || coalesce(status, '-') || ' ' || encode(sha256(state), 'hex')
    FROM records r JOIN kinds k USING (kind) WHERE site = '$site'" |
    sort >"$WORK/pg-$site"
  if cmp -s "$WORK/dump-$site" "$WORK/pg-$site"; then pass; else
    fail "$what: the records of $site in PostgreSQL differ from roundsd dump:"
    diff "$WORK/dump-$site" "$WORK/pg-$site" | head -10
  fi
}

pg_cleanup() {
  [ -n "$PG_DIR" ] || return 0
  pg_stop
  if [ "$FAILS" -eq 0 ]; then rm -rf "$PG_DIR"; else echo "kept $PG_DIR"; fi
}
