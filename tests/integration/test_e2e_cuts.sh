#!/usr/bin/env bash
# test_e2e_cuts.sh BIN: a proxy cuts the TLS connection after N bytes, for
# many N across whole sessions, in both directions (handheld to server and
# back). After each cut the handheld records more; after a final clean
# sync no op is lost, none is duplicated, and the cursors are right.
BIN=$1
. "$(dirname "$0")/lib.sh"

server_init
server_start
hh_new a
hh_new b
record b 8                        # b's ops are what a pulls (downstream)
check "b sync" hh_sync b >/dev/null

# proxy DIR N: starts a cutting proxy in the background; sets PPORT, PPID_.
proxy() {
  : >"$WORK/p.port"
  "$CUTPROXY" "$PORT" "$1" "$2" >"$WORK/p.port" &
  PPID_=$!
  for _ in $(seq 100); do [ -s "$WORK/p.port" ] && break; sleep 0.02; done
  PPORT=$(cat "$WORK/p.port")
}

# A proxy that never cuts passes a whole session through.
record a 4
proxy up 100000000
check "sync through the proxy" hh_sync a --server "127.0.0.1:$PPORT" >/dev/null
wait "$PPID_"
cuts=0
failed=0
for dir in up down; do
  for n in 1 5 20 100 200 300 400 500 700 1000 1500 2000 3000 4000 6000 9000; do
    record a 1
    [ $dir = down ] && { record b 1; hh_sync b >/dev/null || fail "b sync"; }
    proxy $dir $n
    # Expected to fail most of the time; it must never hang or corrupt.
    timeout 60 env ROUNDS_DATA="$WORK/hh-a" "$ROUNDS" sync \
      --server "127.0.0.1:$PPORT" --timeout 10 >/dev/null 2>&1
    rc=$?
    [ $rc -eq 124 ] && fail "sync hung at cut $dir $n"
    [ $rc -ne 0 ] && failed=$((failed + 1))
    wait "$PPID_"
    cuts=$((cuts + 1))
    # The store must still open and be consistent after every cut.
    hh a status --json >/dev/null || fail "store after cut $dir $n"
  done
done
echo "ran $cuts cut sessions, $failed of them cut short"
# Most cut points fall inside a session: most of those syncs must fail.
[ "$failed" -ge $((cuts / 2)) ] || fail "only $failed of $cuts sessions were cut"
check "final clean sync a" hh_sync a >/dev/null
check "final clean sync b" hh_sync b >/dev/null
check "final clean sync a again" hh_sync a >/dev/null

own_a=$(hh_own a); own_b=$(hh_own b)
eq "server holds every op of a" "$(hh a status --json | jget acked_seq)" "$own_a"
eq "a has everything, once" "$(hh_ops a)" $((own_a + own_b + OFFICE_OPS))
eq "b has everything, once" "$(hh_ops b)" $((own_a + own_b + OFFICE_OPS))
srv_ops=$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')
# The server also holds nothing but a's and b's ops (its office writer has
# written none here).
eq "server has every op, once" "$srv_ops" $((own_a + own_b + OFFICE_OPS))
eq "a digest" "$(hh_digest a)" "$(srv_digest)"
eq "b digest" "$(hh_digest b)" "$(srv_digest)"
out=$(hh_sync a --json)
eq "nothing left to push" "$(echo "$out" | jget pushed)" 0
eq "nothing left to pull" "$(echo "$out" | jget pulled)" 0
finish
