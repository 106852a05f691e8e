#!/usr/bin/env bash
# test_e2e_lock.sh BIN: one `roundsd serve` per data directory. serve
# holds DATA/lock (server/datadir.h): a second serve, even on another
# port, migrate and restore --force are refused (exit 4, naming the
# holder's pid) and change nothing; read-only commands and office writes
# go on beside it; once serve stopped, migrate and restore run.
BIN=$1
. "$(dirname "$0")/lib.sh"

server_init
server_start
hh_new a
check "a syncs" hh a sync
"$ROUNDSD" backup --data "$SRV" "$WORK/bk" >/dev/null 2>&1 || fail "backup"
check "the backup does not copy the lock" test ! -e "$WORK/bk/lock"
stats_before=$(cat "$SRV/stats.json" 2>/dev/null)

# A second serve on another port: refused at once. (timeout only bounds a
# second serve that would run, as it did before the lock.)
timeout 20 "$ROUNDSD" serve --data "$SRV" --listen 127.0.0.1:0 \
  2>"$WORK/second.err"
eq "a second serve exits 4" "$?" 4
check "it names the running serve's pid" \
  grep -q "roundsd serve (pid $SRV_PID) is running on" "$WORK/second.err"
check "it never listened" bash -c "! grep -q 'listening on' '$WORK/second.err'"

"$ROUNDSD" migrate --data "$SRV" >/dev/null 2>"$WORK/migrate.err"
eq "migrate beside serve exits 4" "$?" 4
check "migrate names the pid" grep -q "pid $SRV_PID" "$WORK/migrate.err"

timeout 20 "$ROUNDSD" restore "$WORK/bk" --data "$SRV" --force \
  >/dev/null 2>"$WORK/restore.err"
eq "restore --force beside serve exits 4" "$?" 4
check "restore names the pid" grep -q "pid $SRV_PID" "$WORK/restore.err"
eq "the live data directory was not moved aside" \
  "$(ls -d "$SRV".before-restore-* 2>/dev/null | wc -l)" 0

# Beside the running serve: reading and the office's writes.
check "devices beside serve" "$ROUNDSD" devices --data "$SRV"
check "dump beside serve" "$ROUNDSD" dump --data "$SRV" --site S1
check "stats beside serve" "$ROUNDSD" stats --data "$SRV"
check "report beside serve" "$ROUNDSD" report patrol --site S1 \
  --data "$SRV" --now 2026-12-01T12:00 --day 2026-12-01
check "unit add beside serve" "$ROUNDSD" unit add --data "$SRV" --site S1 \
  --unit 1-1-101
check "enroll beside serve" "$ROUNDSD" enroll --data "$SRV" --site S1 \
  --device b
check "a still syncs" hh a sync
check "the first serve still runs" kill -0 "$SRV_PID"

server_stop
check "migrate once serve stopped" "$ROUNDSD" migrate --data "$SRV"
check "restore --force once serve stopped" "$ROUNDSD" restore "$WORK/bk" \
  --data "$SRV" --force
server_start
check "a syncs with the restored server" hh a sync
finish
