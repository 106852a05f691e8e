#!/usr/bin/env bash
# test_e2e_restore.sh BIN: a handheld whose store is restored from an older
# copy recovers, and the server refuses a forked push.
#  - A syncs; its store is copied aside; A records more (period 2) and
#    syncs; the old copy is put back; A records again (period 3: new
#    records, an exit of a visit of period 3 and one of period 1), so its
#    unsynced seqs collide with seqs the server holds with other bytes.
#  - A's next sync takes its period-2 ops back from the server and
#    renumbers the period-3 ones after them: every record of the three
#    periods is on the server exactly once and on another handheld, A's
#    seqs run 1..N without reuse, the chains verify, all digests agree.
#  - A push of an op under a seq the server holds with other bytes is
#    refused (EFORK), logged, and counted in `roundsd devices`.
BIN=$1
. "$(dirname "$0")/lib.sh"

texts() { # texts NAME: the duty-log texts NAME holds, sorted, one a line
  hh "$1" list log --json | python3 -c '
import json, sys
for t in sorted(e["fields"]["text"] for e in json.load(sys.stdin)): print(t)'
}
visit_status() { # visit_status NAME VISITOR
  hh "$1" list visitors --all --json | python3 -c '
import json, sys
print(",".join(v["status"] for v in json.load(sys.stdin)
               if v["fields"]["name"] == sys.argv[1]))' "$2"
}
dev_field() { # dev_field NAME FIELD: from roundsd devices --json
  "$ROUNDSD" devices --data "$SRV" --site S1 --json | python3 -c '
import json, sys
d = [d for d in json.load(sys.stdin) if d["device"] == sys.argv[1]][-1]
print(d.get(sys.argv[2]))' "$1" "$2"
}
enter() { # enter NAME VISITOR: prints the visit id
  hh "$1" visit enter --name "$2" --id-type other --id-no - --unit 1-1-101 \
    --purpose visit --json | jget id
}
period() { # period NAME P N: N duty-log notes "P-i" and N scans
  local i
  for i in $(seq "$3"); do
    hh "$1" log --text "$2-$i" >/dev/null || fail "log $2-$i"
    hh "$1" scan --tag "CP-$i" --route R1 >/dev/null || fail "scan $2-$i"
  done
}

server_init
server_start
hh_new A
hh_new B

# Period 1, synced.
period A p1 3
v1=$(enter A V1) || fail "visit V1"
check "A syncs (period 1)" hh_sync A >/dev/null
p1_own=$(hh_own A)

# The copy aside (nothing runs on A meanwhile: a plain copy is consistent).
cp -a "$WORK/hh-A" "$WORK/hh-A.copy"

# Period 2, synced: seqs p1_own+1.. are on the server.
period A p2 2
v2=$(enter A V2) || fail "visit V2"
check "A exits V2" hh A visit exit "$v2" --gate B
check "A syncs (period 2)" hh_sync A >/dev/null
p2_own=$(hh_own A)
eq "the server holds period 2" "$(dev_field A held_seq)" "$p2_own"

# The old copy comes back; period 3 reuses seqs the server holds.
rm -rf "$WORK/hh-A"
mv "$WORK/hh-A.copy" "$WORK/hh-A"
eq "the restored store ends at period 1" "$(hh_own A)" "$p1_own"
period A p3 3
v3=$(enter A V3) || fail "visit V3"
check "A exits V3 (made after the restore)" hh A visit exit "$v3" --gate C
check "A exits V1 (made before the copy)" hh A visit exit "$v1" --gate C
p3_made=$(( $(hh_own A) - p1_own ))

out=$(hh A sync --json 2>&1)
eq "A's sync after the restore succeeds" "$?" 0
eq "ops taken back from the server" "$(jget recovered <<<"$out" 2>/dev/null)" \
  $((p2_own - p1_own))
eq "records renumbered after them" "$(jget renumbered <<<"$out" 2>/dev/null)" \
  "$p3_made"
total=$((p2_own + p3_made))
eq "A's seqs run 1..N, none reused" "$(hh_own A)" "$total"
eq "the server holds all of A's ops" "$(dev_field A held_seq)" "$total"
eq "A has nothing unsynced" "$(hh A status --json | jget unsynced)" 0
check "every chain verifies on the server" \
  "$ROUNDSD" report integrity --data "$SRV" --site S1 >/dev/null

check "B syncs" hh_sync B >/dev/null
check "A syncs again" hh_sync A >/dev/null
want=$(printf '%s\n' p1-1 p1-2 p1-3 p2-1 p2-2 p3-1 p3-2 p3-3)
eq "every note once, on A" "$(texts A)" "$want"
eq "every note once, on B" "$(texts B)" "$want"
for v in V1 V2 V3; do
  eq "$v left, on B" "$(visit_status B "$v")" left
done
eq "A's digest = the server's" "$(hh_digest A)" "$(srv_digest)"
eq "B's digest = the server's" "$(hh_digest B)" "$(srv_digest)"
out=$(hh A sync --json) || fail "a no-op sync"
eq "nothing more to take back" "$(jget recovered <<<"$out")" 0
eq "nothing more to push" "$(jget pushed <<<"$out")" 0

# A record after the recovery syncs as usual.
period A p4 1
check "A syncs (period 4)" hh_sync A >/dev/null
eq "the server holds it" "$(dev_field A held_seq)" $((total + 2))

# A forked push: seq held by the server, other bytes.
eq "no fork counted yet" "$(dev_field A forks)" 0
dev=$(hh A status --json | jget device_id)
eq "a forked push is refused" "$("$TLSRAW" "$PORT" "$SRV/server.crt" session \
  S1 A "$dev" "$(cat "$WORK/cred-A")" fork)" "ERROR EFORK"
eq "nothing of it stored" "$(dev_field A held_seq)" $((total + 2))
eq "the fork is counted" "$(dev_field A forks)" 1
eq "at the seq it forked" "$(dev_field A last_fork_seq)" $((total + 2))
"$ROUNDSD" devices --data "$SRV" --site S1 >"$WORK/devices.txt"
check "FORKS column" grep -q "FORKS" "$WORK/devices.txt"
check "A shown with one fork" grep -Eq "^S1 +A .* no +1$" "$WORK/devices.txt"
for _ in $(seq 100); do grep -q "fork site=S1 device=A" "$WORK/server.log.new" \
  && break; sleep 0.05; done
check "the server logs the fork" grep -q "fork site=S1 device=A" \
  "$WORK/server.log.new"
check "A still syncs" hh_sync A >/dev/null
eq "A's digest = the server's, at the end" "$(hh_digest A)" "$(srv_digest)"
finish
