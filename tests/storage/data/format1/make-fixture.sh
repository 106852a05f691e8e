#!/usr/bin/env bash
# make-fixture.sh: how the format-1 stores beside this script were made
# (issue 8: a store written by an older release must open in a newer one).
# It needs a build of the last format-1 code (commit e4002b6) and mdb_copy
# (Debian's lmdb-utils). Usage: make-fixture.sh BUILD_DIR OUT_DIR
#   OUT_DIR/handheld/data.mdb  a handheld (HH-GATE) with records of several
#                              kinds and the office's master data it pulled
#   OUT_DIR/server/data.mdb    the site store of roundsd: the ops of three
#                              handhelds and the office
# Entity ids and times come from the clock, so each run makes different
# stores; tests/storage/test_store_migrate.c records the digest and counts
# of the ones checked in. Never re-run it with a newer build.
set -euo pipefail
build=$1 out=$2
R="$build/handheld/rounds" D="$build/server/roundsd"
work=$(mktemp -d)
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
hh() { local d=$1; shift; ROUNDS_DATA="$work/$d" "$R" "$@"; }
id_of() { sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p'; }

"$D" init --data "$work/srv" >/dev/null
"$D" serve --data "$work/srv" --listen 127.0.0.1:0 2>"$work/srv.log" &
srv_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/srv.log" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$work/srv.log")
for dev in HH-GATE HH-BUTLER HH-PATROL; do
  cred=$("$D" enroll --data "$work/srv" --site S1 --device $dev --json |
    sed -n 's/.*"credential":"\([^"]*\)".*/\1/p')
  hh $dev init --site S1 --name $dev --user "u-$dev" >/dev/null
  hh $dev enroll --server "127.0.0.1:$port" --cert "$work/srv/server.crt" \
    --credential "$cred" >/dev/null
done
for i in 1 2 3 4; do
  "$D" checkpoint add --data "$work/srv" --site S1 --tag "CP-0$i" \
    --name "checkpoint $i" --place "place $i" >/dev/null
done
"$D" route add --data "$work/srv" --site S1 --route R1 --name "Night" \
  --interval-min 120 --checkpoints CP-01,CP-02,CP-03,CP-04 >/dev/null
"$D" plate add --data "$work/srv" --site S1 --plate 沪A88888 --unit 3-2-1201 \
  --owner "Mr Wang" >/dev/null
for dev in HH-GATE HH-BUTLER HH-PATROL; do hh $dev sync >/dev/null; done

for r in 1 2 3; do
  for cp in CP-01 CP-02 CP-03; do hh HH-GATE scan --tag $cp --route R1 >/dev/null; done
  hh HH-GATE scan --tag CP-04 --route R1 --anomaly true --note "door ajar $r" \
    --workorder door_window >/dev/null
done
v1=$(hh HH-GATE --json visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199001011234 --unit 3-2-1201 --purpose delivery --gate A | id_of)
hh HH-GATE visit enter --name "Zhang San" --id-type id_card \
  --id-no 310101198502023456 --unit 5-1-301 --purpose renovation --pass P7 >/dev/null
hh HH-GATE visit refuse --name "unknown" --reason "no ID" --gate A >/dev/null
hh HH-GATE vehicle enter --plate 沪B12345 --type van --unit 5-1-301 --gate A >/dev/null
hh HH-GATE visit exit "$v1" --gate B >/dev/null
hh HH-GATE log --text "quiet night" >/dev/null
wo=$(hh HH-BUTLER --json workorder create --place 3-2-1201 --category plumbing \
  --description "burst pipe" --urgent-reason pump_pipe_leak | id_of)
hh HH-BUTLER workorder dispatch "$wo" --assignee tech-zhang >/dev/null
hh HH-BUTLER inspect --unit 7-2-1702 --leaks fail --note "stain" >/dev/null
for i in $(seq 1 12); do
  hh HH-PATROL scan --tag "CP-0$((i % 4 + 1))" --route R1 >/dev/null
done
for dev in HH-GATE HH-BUTLER HH-PATROL HH-GATE; do hh $dev sync >/dev/null; done
hh HH-BUTLER workorder arrive "$wo" --by tech-zhang >/dev/null
hh HH-BUTLER workorder complete "$wo" --by tech-zhang --signature W \
  --labour-min 40 >/dev/null
hh HH-BUTLER sync >/dev/null
hh HH-GATE sync >/dev/null
ho=$(hh HH-GATE --json handover create --to guard-chen --keys "keys x3" | id_of)
hh HH-GATE handover ack "$ho" --by guard-chen >/dev/null
# Two records the server never sees: the handheld's chain runs ahead of it.
hh HH-GATE scan --tag CP-01 --route R1 >/dev/null
hh HH-GATE log --text "unsynced entry" >/dev/null
kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""

rm -rf "$out/handheld" "$out/server"
mkdir -p "$out/handheld" "$out/server"
mdb_copy -c "$work/HH-GATE" "$out/handheld"
mdb_copy -c "$work/srv/sites/S1" "$out/server"
ROUNDS_DATA="$out/handheld" "$R" dump | tail -1
ROUNDS_DATA="$out/handheld" "$R" status
"$D" dump --data "$work/srv" --site S1 --ops | tail -2
