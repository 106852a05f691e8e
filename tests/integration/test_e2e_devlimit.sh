#!/usr/bin/env bash
# test_e2e_devlimit.sh BIN: one credential (one enrolled handheld) holds
# at most max_conns_per_device sessions at once (default 2). Two held
# sessions of a (hostile's hog: HELLO accepted, then it never reads);
# a's own sync is refused with EBUSY saying why, and rounds prints it in
# words; b syncs meanwhile; once the holders went, a syncs again.
BIN=$1
. "$(dirname "$0")/lib.sh"
HOSTILE="$BIN/tests/integration/hostile"

server_init
# Debug lines say when a session is admitted; the limit is the default.
printf 'log_level = debug\n' >"$WORK/roundsd.conf"
server_start --config "$WORK/roundsd.conf"
hh_new a
hh_new b
check "a syncs (binds its device id)" hh a sync
dev_a=$(hh a status --json | jget device_id)
cred_a=$(cat "$WORK/cred-a")

admitted() {
  grep -c "session site=S1 device=a admitted" "$WORK/server.log.new"
}
base=$(admitted)
pids=()
for i in 1 2; do
  "$HOSTILE" "$PORT" "$SRV/server.crt" hog S1 a "$dev_a" "$cred_a" 60 \
    >"$WORK/hog$i.out" 2>&1 &
  pids+=($!)
done
# Until both holders are admitted (the server's debug line), at most 10 s.
for _ in $(seq 200); do
  [ "$(admitted)" -ge $((base + 2)) ] && break
  sleep 0.05
done
eq "two sessions of a admitted" "$(admitted)" $((base + 2))

hh a sync >"$WORK/a.out" 2>"$WORK/a.err"
eq "a's third connection: the server refused (exit 7)" "$?" 7
check "rounds says EBUSY" grep -q "EBUSY" "$WORK/a.err"
check "rounds says why, in words" \
  grep -q "this device already has 2 connections open" "$WORK/a.err"
check "the server logs the refusal" \
  grep -q "sync site=S1 device=a .*result=EBUSY" "$WORK/server.log.new"
check "b syncs meanwhile (the limit is a's alone)" hh b sync

kill "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null
# Until the server saw both holders go (their lines), at most 10 s.
for _ in $(seq 200); do
  [ "$(grep -c "sync site=S1 device=a .*result=ECLOSED" \
    "$WORK/server.log.new")" -ge 2 ] && break
  sleep 0.05
done
check "a syncs once its other sessions are gone" hh a sync
finish
