#!/usr/bin/env bash
# test_e2e_pullcut.sh BIN: a fresh handheld pulls 120,001 ops (a's 120,000
# and the office's key op) in OPS frames of 4,096 ops, and the handheld
# stores several frames per commit (HH_SESS_PULL_OPS, 32,768 ops). A proxy
# cuts the download in the middle of a coalesced run of frames: the frames
# the handheld received before the cut are stored with their cursor (not
# only those of the last commit), whole frames only; the next sync pulls
# exactly the rest (the server's log says how many ops it sent), and the
# handheld ends with every op once and the server's digest.
BIN=$1
. "$(dirname "$0")/lib.sh"
MKOPS="$BIN/tests/integration/mkops"
OWN=120000
TOTAL=$((OWN + OFFICE_OPS))
FRAME=4096 # ops per OPS frame (PROTO_BATCH_MAX_OPS; these ops are small)
COMMIT=32768 # ops per commit on the handheld (HH_SESS_PULL_OPS)

server_init
server_start
hh_new a
"$MKOPS" "$WORK/hh-a" "$OWN" || fail "mkops"
check "a pushes" hh_sync a >/dev/null
eq "a holds its ops and the office's" "$(hh_ops a)" "$TOTAL"

# proxy N [fin]: a proxy ending the server-to-handheld bytes after N; sets
# PPORT and PPID_.
proxy() {
  : >"$WORK/p.port"
  "$CUTPROXY" "$PORT" down "$@" >"$WORK/p.port" &
  PPID_=$!
  for _ in $(seq 100); do [ -s "$WORK/p.port" ] && break; sleep 0.02; done
  PPORT=$(cat "$WORK/p.port")
}

# out_of NAME: the ops roundsd sent in NAME's last session (its log line).
out_of() {
  sed -n "s/.*sync site=S1 device=$1 .* out=\([0-9]*\) .*/\1/p" \
    "$WORK/server.log.new" | tail -1
}

# cut NAME BYTES HOW LOW HIGH: a fresh handheld NAME pulls through a proxy
# that ends the download after BYTES (these ops take ~160 bytes each on the
# wire), HOW = fin (the handheld reads exactly BYTES, then the end) or rst
# (a reset: the handheld loses what it had not read, so how far it got
# depends on timing). The sync must fail, saying how many ops it pulled
# before the cut and that they are stored; exactly those are in the store,
# in whole frames, LOW < their count < HIGH; then a clean sync pulls
# exactly the rest.
cut() {
  local n=$1 bytes=$2 how=$3 low=$4 high=$5 rc said kept out
  hh_new "$n"
  if [ "$how" = fin ]; then proxy "$bytes" fin; else proxy "$bytes"; fi
  timeout 60 env ROUNDS_DATA="$WORK/hh-$n" "$ROUNDS" sync \
    --server "127.0.0.1:$PPORT" --timeout 10 >/dev/null 2>"$WORK/cut.err"
  rc=$?
  wait "$PPID_"
  [ $rc -eq 124 ] && fail "$n: the cut sync hung"
  [ $rc -ne 0 ] || fail "$n: the sync cut after $bytes bytes succeeded"
  grep -q "closed the connection while receiving" "$WORK/cut.err" ||
    fail "$n: not the cut's message: $(cat "$WORK/cut.err")"
  said=$(sed -n \
    's/.* (the \([0-9]*\) ops pulled before that are stored)$/\1/p' \
    "$WORK/cut.err")
  kept=$(hh_ops "$n")
  echo "$n: cut ($how) after $bytes bytes: $kept of $TOTAL ops kept"
  eq "$n: kept what it said it pulled" "$kept" "${said:-0}"
  [ "$kept" -gt "$low" ] && [ "$kept" -lt "$high" ] ||
    fail "$n: $kept ops kept after the cut, want more than $low and" \
      "fewer than $high"
  eq "$n: kept whole frames only" $((kept % FRAME)) 0
  out=$(hh_sync "$n" --json) || fail "$n: sync after the cut"
  eq "$n: pulled the rest" "$(echo "$out" | jget pulled)" $((TOTAL - kept))
  eq "$n: the server sent only the rest" "$(out_of "$n")" $((TOTAL - kept))
  eq "$n: every op once" "$(hh_ops "$n")" "$TOTAL"
  eq "$n: digest" "$(hh_digest "$n")" "$(srv_digest)"
}

# b: the end of the stream inside the first run of frames (~22,000 ops),
# before any commit: only the store at the cut keeps anything.
cut b 3500000 fin 0 "$COMMIT"
# c: the end after the first commit, inside the second run (~48,000 ops):
# what was received since that commit is kept too.
cut c 7700000 fin "$COMMIT" $((2 * COMMIT))
# d: a reset later on, wherever the handheld got to (it may be committing).
cut d 14000000 rst -1 "$TOTAL"

out=$(hh_sync b --json)
eq "nothing left to pull" "$(echo "$out" | jget pulled)" 0
eq "the server holds every op once" \
  "$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')" \
  "$TOTAL"
finish
