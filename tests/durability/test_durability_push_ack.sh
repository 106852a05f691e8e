#!/usr/bin/env bash
# test_durability_push_ack.sh BIN SHIM: roundsd serves under the power-cut
# shim (powercut.c); the power goes the moment it hands the Nth PUSH_ACK
# to TLS, before the frame is encrypted, and every store write not yet
# synced is dropped. The site store that roundsd reopens must hold every op
# that PUSH_ACK acknowledges, and every op of the sessions that ended
# before it. The handhelds run normally.
BIN=$1
SHIM=$2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/powercut.sh"

# server_start_cut N: roundsd serve with the power going at the Nth
# PUSH_ACK (same port as before), waits for its "listening on" line.
server_start_cut() {
  : >"$WORK/server.log.new"
  under_cut "push_ack:$1" "$ROUNDSD" serve --data "$SRV" \
    --listen "127.0.0.1:$PORT" 2>>"$WORK/server.log.new" &
  SRV_PID=$!
  for _ in $(seq 200); do
    grep -q "listening on" "$WORK/server.log.new" && return 0
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "roundsd did not start:"; cat "$WORK/server.log.new"; exit 1
}

# server_wait_cut: roundsd must end by the cut (status 86); sets acked to
# the acked seq of the PUSH_ACK the power went on (0 when it did not). It
# runs in this shell, never in $(...): only the shell that started roundsd
# can wait for it, and a subshell forked before the exit was reaped would
# get no status at all (a race seen once under load).
server_wait_cut() {
  local rc=0
  wait "$SRV_PID" || rc=$?
  SRV_PID=""
  cat "$WORK/server.log.new" >>"$WORK/server.log"
  acked=0
  if [ "$rc" != 86 ]; then
    fail "roundsd ended with $rc, not by the power cut (86)"
    return
  fi
  acked=$(sed -n 's/^cut at=push_ack .*acked_seq=\([0-9]*\).*/\1/p' \
    "$PCLOG" | tail -1)
}

srv_ops() {
  "$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p'
}

server_init
server_start
hh_new a
hh_new b
server_stop

# 1. The first PUSH_ACK roundsd ever sends on this site (the site store
# was created by this roundsd's first HELLO).
record a 3
own_a=$(hh_own a)
server_start_cut 1
hh_sync a >/dev/null 2>&1 && fail "a's sync finished though roundsd lost power"
server_wait_cut
eq "the PUSH_ACK acknowledged all of a's ops" "$acked" "$own_a"
eq "the site store holds what the PUSH_ACK acknowledged" "$(held a)" "$acked"
eq "server ops after the cut" "$(srv_ops)" $((OFFICE_OPS + acked))

# 2. Two sessions: a's ends (its PUSH_ACK, its BYE, the registry's flush)
# before the power goes at b's PUSH_ACK.
own_a1=$own_a
record a 2
record b 2
own_a=$(hh_own a)
own_b=$(hh_own b)
server_start_cut 2
check "a syncs before the cut" hh_sync a >/dev/null
hh_sync b >/dev/null 2>&1 && fail "b's sync finished though roundsd lost power"
server_wait_cut
eq "b's PUSH_ACK acknowledged all of b's ops" "$acked" "$own_b"
eq "a's ops survive the cut" "$(held a)" "$own_a"
eq "b's acknowledged ops survive the cut" "$(held b)" "$acked"
eq "server ops after the second cut" "$(srv_ops)" \
  $((OFFICE_OPS + own_a + acked))
eq "a's last sync is in the registry" \
  "$("$ROUNDSD" devices --data "$SRV" --json | python3 -c '
import json, sys
print([d for d in json.load(sys.stdin) if d["device"] == "a"][0]["last_ops_in"])')" \
  $((own_a - own_a1))

# 3. roundsd comes back on what the disk kept; everyone converges.
server_start
check "b syncs after the cut" hh_sync b >/dev/null
check "a syncs after the cut" hh_sync a >/dev/null
eq "a and the server agree" "$(hh_digest a)" "$(srv_digest)"
eq "b and the server agree" "$(hh_digest b)" "$(srv_digest)"
grep -c '^file ' "$PCLOG" | grep -q '^[1-9]' || fail "the shim saw no store"
finish
