#!/usr/bin/env bash
# test_e2e_kill.sh BIN: roundsd is killed with SIGKILL while handhelds push,
# restarted on the same data; the handhelds sync again and nothing is lost
# or duplicated.
BIN=$1
. "$(dirname "$0")/lib.sh"

server_init
server_start
hh_new a
hh_new b
MKOPS="$BIN/tests/integration/mkops"
cut=0
for round in 1 2 3; do
  # Enough new ops each round that a push takes a while.
  "$MKOPS" "$WORK/hh-a" 30000 || fail "mkops a"
  "$MKOPS" "$WORK/hh-b" 30000 || fail "mkops b"
  hh_sync a >/dev/null 2>&1 &
  pa=$!
  hh_sync b >/dev/null 2>&1 &
  pb=$!
  sleep 0.$((round * 1))
  server_kill
  wait $pa || cut=$((cut + 1))
  wait $pb || cut=$((cut + 1))
  server_start
  record a 2
  record b 2
done
echo "$cut of 6 syncs were cut by the kill"
[ "$cut" -ge 1 ] || fail "no sync was running when roundsd was killed"
check "a resyncs" hh_sync a >/dev/null
check "b resyncs" hh_sync b >/dev/null
check "a resyncs again" hh_sync a >/dev/null
own_a=$(hh_own a); own_b=$(hh_own b)
eq "a acked all" "$(hh a status --json | jget acked_seq)" "$own_a"
eq "b acked all" "$(hh b status --json | jget acked_seq)" "$own_b"
eq "server ops" "$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')" $((own_a + own_b + OFFICE_OPS))
eq "a ops" "$(hh_ops a)" $((own_a + own_b + OFFICE_OPS))
eq "b ops" "$(hh_ops b)" $((own_a + own_b + OFFICE_OPS))
eq "a digest" "$(hh_digest a)" "$(srv_digest)"
eq "b digest" "$(hh_digest b)" "$(srv_digest)"
finish
