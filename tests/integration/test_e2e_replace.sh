#!/usr/bin/env bash
# test_e2e_replace.sh BIN: replacing a broken handheld. HH-1 records and
# syncs, then breaks; HH-2 is enrolled under a new name and pulls the whole
# site, HH-1's history included; HH-1 is revoked and refused (EREVOKED,
# exit 7); its synced history stays on the server, in the listings and in
# the digest; a replacement may even take the old name after the revoke.
BIN=$1
. "$(dirname "$0")/lib.sh"

held() {
  "$ROUNDSD" devices --data "$SRV" --site S1 --json | python3 -c '
import json, sys
d = [d for d in json.load(sys.stdin) if d["device"] == sys.argv[1]][-1]
print(d["held_seq"], str(d["revoked"]).lower())' "$1"
}
srv_ops() { "$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p'; }

server_init
server_start
"$ROUNDSD" checkpoint add --data "$SRV" --site S1 --tag CP-1 --name "North gate" \
  --place "gate 1" >/dev/null || fail "office write"
hh_new HH-1
hh_new GATE
record HH-1 3                    # 9 ops: scans, a visitor inside, notes
record GATE 1                    # 3 ops
check "HH-1 syncs" hh_sync HH-1 >/dev/null
check "GATE syncs" hh_sync GATE >/dev/null
check "HH-1 syncs again (its last sync)" hh_sync HH-1 >/dev/null
hh1_own=$(hh_own HH-1)
site_before=$(srv_ops)
digest_before=$(srv_digest)
eq "the server holds HH-1's history" "$(held HH-1)" "$hh1_own false"

# HH-1 breaks (it is never used again). Its replacement, under a new name:
# a fresh handheld, enrolled, pulls everything.
hh_new HH-2
out=$(hh HH-2 sync --json) || fail "HH-2 first sync"
eq "HH-2 pulls the whole site" "$(jget pulled <<<"$out")" "$site_before"
eq "HH-2 holds every op" "$(hh_ops HH-2)" "$site_before"
eq "HH-2's digest = the server's" "$(hh_digest HH-2)" "$digest_before"
hh HH-2 list checkpoints --json | grep -q "North gate" \
  || fail "HH-2 has the office's master data"
hh HH-2 dump >"$WORK/hh2.dump"
hh HH-1 dump >"$WORK/hh1.dump"
check "HH-2 has every record HH-1 had" diff -q "$WORK/hh1.dump" "$WORK/hh2.dump"

"$ROUNDSD" revoke --data "$SRV" --site S1 --device HH-1 >/dev/null || fail "revoke"
out=$(hh HH-1 sync 2>&1)
eq "HH-1 is refused after the revoke" "$?" 7
grep -q EREVOKED <<<"$out" || fail "HH-1's refusal says EREVOKED: $out"

# The history stays: ops, records, digest; the replacement works on.
eq "HH-1's ops stay on the server" "$(held HH-1)" "$hh1_own true"
eq "no op lost" "$(srv_ops)" "$site_before"
eq "the merged records are unchanged" "$(srv_digest)" "$digest_before"
record HH-2 1
check "HH-2 syncs" hh_sync HH-2 >/dev/null
check "GATE syncs" hh_sync GATE >/dev/null
eq "GATE sees HH-2's records" "$(hh_digest GATE)" "$(srv_digest)"
eq "site ops after the replacement" "$(srv_ops)" $((site_before + 3))

# The name of a revoked device may be given to another handheld: a fresh
# record, bound to the new device at its first sync; the old ops keep their
# own device id.
ROUNDS_DATA="$WORK/hh-HH-1b" "$ROUNDS" init --site S1 --name HH-1 --user guard-x \
  >/dev/null
cred=$("$ROUNDSD" enroll --data "$SRV" --site S1 --device HH-1 --json | jget credential)
ROUNDS_DATA="$WORK/hh-HH-1b" "$ROUNDS" enroll --server "127.0.0.1:$PORT" \
  --cert "$SRV/server.crt" --credential "$cred" >/dev/null || fail "re-enroll name"
check "a new HH-1 syncs under the old name" \
  env ROUNDS_DATA="$WORK/hh-HH-1b" "$ROUNDS" sync >/dev/null
eq "it holds the whole site" \
  "$(ROUNDS_DATA="$WORK/hh-HH-1b" "$ROUNDS" status --json | jget ops_total)" \
  "$(srv_ops)"
eq "the old HH-1 stays refused" "$(hh HH-1 sync >/dev/null 2>&1; echo $?)" 7
eq "and its ops are still there" "$(srv_ops)" $((site_before + 3))
finish
