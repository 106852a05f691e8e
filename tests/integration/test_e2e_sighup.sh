#!/usr/bin/env bash
# test_e2e_sighup.sh BIN: roundsd's log (server/log.h). Lines in a log file
# carry the time and the level; logrotate renames the file and sends
# SIGHUP: roundsd opens a new file and goes on serving (before: SIGHUP
# killed it, exit 129). With stderr the journal ($JOURNAL_STREAM), lines
# carry sd-daemon priority prefixes instead.
BIN=$1
. "$(dirname "$0")/lib.sh"

LOG="$WORK/roundsd.log"
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# wait_for FILE PATTERN: until FILE holds a line matching PATTERN (grep
# -E), or roundsd exited, or 10 s.
wait_for() {
  for _ in $(seq 200); do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    kill -0 "$SRV_PID" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

server_init
# log = FILE: the configuration's key; a flag would do the same.
printf 'log = %s\n' "$LOG" >"$WORK/roundsd.conf"
"$ROUNDSD" serve --config "$WORK/roundsd.conf" --data "$SRV" \
  --listen 127.0.0.1:0 2>"$WORK/stderr.out" &
SRV_PID=$!
wait_for "$LOG" "listening on" || { cat "$WORK/stderr.out" "$LOG"; exit 1; }
PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$LOG" | tail -1)
check "a line in the file has time, program[pid] and level" \
  grep -Eq "^$TS roundsd\[$SRV_PID\]: info: listening on 127\.0\.0\.1:$PORT\$" \
  "$LOG"

hh_new a
check "a syncs" hh a sync
check "its sync line has time and level" \
  grep -Eq "^$TS roundsd\[$SRV_PID\]: info: sync site=S1 device=a .*result=ok" \
  "$LOG"
bad=$(grep -Evc "^$TS roundsd\[$SRV_PID\]: (error|warn|info|debug): " "$LOG")
eq "every line of the file in the format" "$bad" 0

# logrotate's way: rename, then SIGHUP.
mv "$LOG" "$LOG.1"
kill -HUP "$SRV_PID"
wait_for "$LOG" "log reopened" || fail "no new log file after SIGHUP"
check "roundsd still runs after SIGHUP" kill -0 "$SRV_PID"
check "a records a scan" hh a scan --tag CP-01 --route R1
check "a syncs after the reopen" hh a sync
check "the new file gets the sync's line" \
  grep -Eq "^$TS roundsd\[$SRV_PID\]: info: sync site=S1 device=a " "$LOG"
eq "the old file got no line after the rename" \
  "$(grep -c "sync site=S1 device=a " "$LOG.1")" 1
kill -TERM "$SRV_PID"
wait "$SRV_PID"
eq "a clean stop after SIGHUP" "$?" 0
SRV_PID=""
check "the stop is in the new file" grep -q "info: stopped" "$LOG"

# stderr is the journal: systemd sets JOURNAL_STREAM=DEV:INODE of it.
: >"$WORK/journal.out"
js=$(stat -c '%d:%i' "$WORK/journal.out")
JOURNAL_STREAM=$js "$ROUNDSD" serve --data "$SRV" --listen 127.0.0.1:0 \
  2>"$WORK/journal.out" &
SRV_PID=$!
wait_for "$WORK/journal.out" "listening on" || fail "no start to the journal"
check "to the journal: a priority prefix, no timestamp" \
  grep -Eq '^<6>listening on 127\.0\.0\.1:[0-9]+$' "$WORK/journal.out"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
SRV_PID=""
check "the journal's stop line" grep -qx '<6>stopped' "$WORK/journal.out"

# A stderr that is not the journal (JOURNAL_STREAM names another file).
: >"$WORK/other.out"
JOURNAL_STREAM=$js "$ROUNDSD" serve --data "$SRV" --listen 127.0.0.1:0 \
  2>"$WORK/other.out" &
SRV_PID=$!
wait_for "$WORK/other.out" "listening on" || fail "no start"
check "another stderr keeps timestamps" \
  grep -Eq "^$TS roundsd\[$SRV_PID\]: info: listening on" "$WORK/other.out"
server_stop
finish
