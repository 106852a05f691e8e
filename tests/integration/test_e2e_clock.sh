#!/usr/bin/env bash
# test_e2e_clock.sh BIN: causality before clocks, end to end. A device's
# credential pushes two dispatches of a work order stamped far ahead (ten
# years past now, then 2^64-1, the largest HLC: tests/integration/hostile.c
# "stamps"). The server keeps both; a handheld that pulled them dispatches
# the order again, and its assignee wins on every replica (it has seen
# them: the fold's rule, storage/fold.c), its own stamp stays near its
# wall clock (a pulled stamp past its time + the max offset does not move
# its HLC), and `roundsd devices` flags the pushing device "beyond".
# Real clocks, checked with wide margins: nothing here depends on the date.
BIN=$1
. "$(dirname "$0")/lib.sh"
HOSTILE="$BIN/tests/integration/hostile"

jq_py() { # jq_py PYEXPR < json: prints the expression over d
  python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
rd() { "$ROUNDSD" "$@" --data "$SRV"; }
srv_ops() { rd dump --site S1 --ops | sed -n 's/^ops //p'; }

server_init
server_start
hh_new a
hh_new b
hh_new x # enrolled, never synced: hostile pushes under its credential

wo=$(hh a workorder create --place 1-1-101 --category plumbing \
  --description "burst pipe" --json | jget id)
check "a dispatches" hh a workorder dispatch "$wo" --assignee T-01 \
  --by desk-a >/dev/null
check "a syncs the order" hh_sync a >/dev/null

# ---- the far stamps --------------------------------------------------------
dev_x=$(hh x status --json | jget device_id)
t0=$(date +%s%3N)
out=$("$HOSTILE" "$PORT" "$SRV/server.crt" stamps S1 x "$dev_x" \
  "$(cat "$WORK/cred-x")" "$wo" "$t0")
eq "the far stamps are acked" "$(head -1 <<<"$out")" ACK
# (a pull sends a device every op but its own)
eq "then it pulls the rest" "$(sed -n 2p <<<"$out")" \
  "OK pulled=$((OFFICE_OPS + $(hh_own a)))"
eq "the server keeps them" "$(srv_ops)" $((OFFICE_OPS + $(hh_own a) + 2))

dj=$(rd devices --site S1 --json)
of_x() { echo "$dj" | jq_py "[v for v in d if v['device']=='x'][0]['$1']"; }
eq "x flagged beyond" "$(of_x clock_flag)" beyond
eq "both its ops counted beyond" "$(of_x clock_beyond_ops)" 2

# ---- a later writer wins ---------------------------------------------------
check "b pulls them" hh_sync b >/dev/null
eq "b holds every op" "$(hh_ops b)" "$(srv_ops)"
eq "b sees x's last word" \
  "$(hh b show "$wo" --json | jq_py 'd["fields"]["assignee"]')" mallory
check "b dispatches again" hh b workorder dispatch "$wo" --assignee T-02 \
  --by desk-b >/dev/null
t1=$(date +%s%3N)
check "b syncs" hh_sync b >/dev/null
check "a syncs" hh_sync a >/dev/null
want=$(srv_digest)
for n in a b; do
  eq "digest of $n" "$(hh_digest $n)" "$want"
  eq "assignee on $n" \
    "$(hh $n show "$wo" --json | jq_py 'd["fields"]["assignee"]')" T-02
done
eq "server ops" "$(srv_ops)" $((OFFICE_OPS + $(hh_own a) + $(hh_own b) + 2))
eq "assignee on the server" "$(rd report workorders --site S1 --json |
  jq_py "[v for v in d['sections']['orders'] if v['id']=='$wo'][0]['assignee']")" T-02
eq "no conflict on the server" "$(rd conflicts --site S1 --json |
  jq_py 'len(d)')" 0

# b's dispatch: stamped at its wall clock (t0..t1 give or take a minute),
# not past 2^64-1 or ten years ahead.
dev_b=$(hh b status --json | jget device_id)
ev=$(hh b show "$wo" --json | jq_py "[(e['hlc'] >> 16, e['device_time_ms'])
  for e in d['events'] if e['device']=='$dev_b'][-1]")
read -r hlc_ms wall_ms < <(tr -d '(),' <<<"$ev")
check "b's stamp near its wall ($hlc_ms vs $wall_ms)" \
  test $((hlc_ms - wall_ms)) -lt 60000 -a $((wall_ms - hlc_ms)) -lt 60000
check "b's wall is now ($wall_ms in $t0..$t1)" \
  test "$wall_ms" -ge $((t0 - 60000)) -a "$wall_ms" -le $((t1 + 60000))
# a's next op too: it pulled x's ops, its clock stays its own.
lid=$(hh a log --text "after the far stamps" --json | jget id)
t2=$(date +%s%3N)
ams=$(hh a show "$lid" --json | jq_py 'd["events"][0]["hlc"] >> 16')
check "a's next stamp near now ($ams in $t0..$t2)" \
  test "$ams" -le $((t2 + 60000)) -a "$ams" -ge $((t0 - 60000))

finish
