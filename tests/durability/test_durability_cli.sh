#!/usr/bin/env bash
# test_durability_cli.sh BIN SHIM: every `rounds` command runs under the
# power-cut shim (powercut.c) and the power goes as it exits: each store
# write that was not yet synced is dropped. A command that exited 0 must
# still have recorded what it reported: the next command, run on what the
# disk kept, sees it. Covers records, enrolment and sync (pushed ops marked
# acknowledged, pulled ops and cursors). roundsd runs normally here
# (test_durability_push_ack.sh cuts its power).
BIN=$1
SHIM=$2
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/powercut.sh"

# Every handheld command of lib.sh (hh_new, record, hh_sync, ...) goes
# through hh: under the shim.
hh() {
  local n=$1; shift
  ROUNDS_DATA="$WORK/hh-$n" under_cut exit "$ROUNDS" "$@"
}

server_init
server_start
hh_new a
eq "a's identity survives init's cut" \
  "$(hh a status --json | jget own_ops)" 0
check "a's enrolment survives its cut" hh a status --json >/dev/null

# One command at a time, each checked on what its cut left.
own=0
step() { # step DESCRIPTION COMMAND...: COMMAND records at least one op
  local d=$1 was=$own; shift
  if ! hh a "$@" >/dev/null; then fail "$d: exit status"; return; fi
  own=$(hh a status --json | jget own_ops)
  [ "$own" -gt "$was" ] || fail "$d: own ops after the cut: $own, was $was"
}
step "scan" scan --tag CP-01 --route R1
step "visit enter" visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199001011234 --unit 3-2-1201 --purpose delivery --pass P7
eq "the visitor is inside after the cut" \
  "$(hh a list visitors --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 1
step "visit exit" visit exit P7 --gate B
eq "the visitor is out after the cut" \
  "$(hh a list visitors --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 0
step "log" log --text "door ajar at gate B"
step "inspect" inspect --unit 7-2-1702 --leaks fail --note stain
step "scan with a work order" scan --tag CP-02 --route R1 \
  --anomaly true --note "lamp out" --workorder electrical

# Sync: b's ops reach a, a's acknowledgements and cursor stay.
hh_new b
record b 2
check "b syncs" hh_sync b >/dev/null
check "a syncs" hh_sync a >/dev/null
own_b=$(hh_own b)
eq "a acked after its sync's cut" "$(hh a status --json | jget acked_seq)" "$own"
eq "a holds b's ops after its sync's cut" "$(hh_ops a)" \
  $((own + own_b + OFFICE_OPS))
eq "b acked after its sync's cut" "$(hh b status --json | jget acked_seq)" \
  "$own_b"
# Nothing to push or pull: a second sync moves nothing (no re-push of ops
# whose acknowledgement a cut lost).
check "a syncs again" hh_sync a >/dev/null
eq "server ops" \
  "$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')" \
  $((own + own_b + OFFICE_OPS))
eq "a and the server agree" "$(hh_digest a)" "$(srv_digest)"

# Every command ended with all its store writes synced.
cuts=$(grep -c '^cut at=exit' "$PCLOG")
[ "$cuts" -ge 20 ] || fail "only $cuts commands ran under the shim"
if grep -q 'dropped_bytes=[1-9]' "$PCLOG"; then
  fail "a command exited with store writes not yet synced:"
  grep -B3 'dropped_bytes=[1-9]' "$PCLOG" | head -20
fi
echo "$cuts power cuts"
finish
