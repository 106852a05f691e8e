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
HOLD=262144 # bytes of a's session the proxy lets through, then holds
cut=0
for round in 1 2 3; do
  # Enough new ops each round that a push takes a while.
  "$MKOPS" "$WORK/hh-a" 30000 || fail "mkops a"
  "$MKOPS" "$WORK/hh-b" 30000 || fail "mkops b"
  # a syncs through a proxy that stops its upload after HOLD bytes, in the
  # middle of the push: roundsd has part of a session that cannot finish,
  # whatever the machine's speed. b syncs directly and may or may not be
  # done when the kill comes.
  : >"$WORK/p.out"
  "$CUTPROXY" "$PORT" up "$HOLD" hold >"$WORK/p.out" &
  pp=$!
  for _ in $(seq 500); do [ -s "$WORK/p.out" ] && break; sleep 0.02; done
  hh_sync a --server "127.0.0.1:$(head -1 "$WORK/p.out")" >/dev/null 2>&1 &
  pa=$!
  hh_sync b >/dev/null 2>&1 &
  pb=$!
  for _ in $(seq 3000); do grep -qx held "$WORK/p.out" && break; sleep 0.02; done
  grep -qx held "$WORK/p.out" || fail "round $round: a's push never reached $HOLD bytes"
  server_kill
  if wait $pa; then fail "round $round: a's held sync finished"; else cut=$((cut + 1)); fi
  wait $pb || cut=$((cut + 1))
  wait $pp
  server_start
  record a 2
  record b 2
done
echo "$cut of 6 syncs were cut by the kill"
[ "$cut" -ge 3 ] || fail "only $cut syncs were cut: a held sync was not"
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
