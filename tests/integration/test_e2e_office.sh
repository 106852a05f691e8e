#!/usr/bin/env bash
# test_e2e_office.sh BIN: the office side end to end, with a real roundsd
# on loopback TLS and real rounds handhelds:
#  - master data written by roundsd admin commands WHILE `roundsd serve`
#    runs in another process reaches the handhelds through sync and is
#    listed offline;
#  - blacklist hits offline: recorded with blacklist_hit and a WARNING;
#    a resident plate is refused (exit 4) and nothing is written;
#  - two handhelds dispatch one work order to different technicians
#    offline: one conflict on "assignee" with 2 candidates, listed by
#    roundsd and by rounds on both; roundsd resolve settles it; after
#    syncs it is gone everywhere, the chosen assignee holds, digests equal;
#  - device clocks 6 h ahead and 6 h behind are flagged in roundsd devices,
#    an honest one is "ok" (even after it pulled the fast clock's ops).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

jq_py() { # jq_py PYEXPR < json: prints the expression over d
  python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
rd() { "$ROUNDSD" "$@" --data "$SRV"; }

server_init
server_start
for n in a b; do hh_new $n; done

# ---- master data, written while serve runs -------------------------------
check "site add" rd site add --site S1 --name "Jade Garden" >/dev/null
check "unit add vacant" rd unit add --site S1 --unit 3-2-1201 --vacant true >/dev/null
check "unit add" rd unit add --site S1 --unit 1-1-101 --resident "Li Ming" >/dev/null
rd unit add --site S1 --unit 1-1-101 >/dev/null 2>&1
eq "unit add twice refused" "$?" 4
check "unit set" rd unit set --site S1 --unit 1-1-101 --cluster north >/dev/null
for cp in 01 02 03; do
  check "checkpoint add $cp" rd checkpoint add --site S1 --tag "CP-$cp" \
    --name "Point $cp" --place "block $cp" >/dev/null
done
check "route add" rd route add --site S1 --route R1 --name "North loop" \
  --interval-min 120 --window-min 10 --checkpoints CP-01,CP-02,CP-03 >/dev/null
check "staff add" rd staff add --site S1 --staff T-01 --name "Zhang Wei" \
  --role technician >/dev/null
check "staff add 2" rd staff add --site S1 --staff T-02 --name "Wang Fang" \
  --role technician >/dev/null
check "plate add" rd plate add --site S1 --plate "京A·12345" --unit 1-1-101 >/dev/null
check "blacklist person+id" rd blacklist add --site S1 --person "Qian Bao" \
  --id-no 110101199001011234 --reason "theft in 2025" >/dev/null
check "blacklist person by name" rd blacklist add --site S1 --person "Zhao Si" \
  --reason "harassed residents" >/dev/null
check "blacklist plate" rd blacklist add --site S1 --plate "沪B 99999" \
  --reason "illegal dumping" >/dev/null
rd blacklist add --site S1 --plate P1 --person X --reason r >/dev/null 2>&1
eq "blacklist person and plate refused" "$?" 2
eq "office lists units" "$(rd list units --site S1 --json | jq_py 'len(d)')" 2
eq "office lists vacant" "$(rd list vacant --site S1 --json | jq_py 'd[0]["key"]')" 3-2-1201

out=$(hh_sync a --json)
check "a pulled the master data" test "$(echo "$out" | jget pulled)" -ge 14
check "b syncs" hh_sync b >/dev/null

# ---- offline on the handheld ---------------------------------------------
server_stop
eq "units on a" "$(hh a list units --json | jq_py 'len(d)')" 2
eq "vacant on a" "$(hh a list vacant --json | jq_py 'd[0]["fields"]["unit"]')" 3-2-1201
eq "route on a" "$(hh a list routes --json | jq_py 'd[0]["fields"]["checkpoints"]')" \
  CP-01,CP-02,CP-03
eq "route interval" "$(hh a list routes --json | jq_py 'd[0]["fields"]["interval_min"]')" 120
eq "checkpoints on a" "$(hh a list checkpoints --json | jq_py 'len(d)')" 3
eq "staff on a" "$(hh a list staff --json | jq_py 'd[0]["fields"]["role"]')" technician
eq "plates on a" "$(hh a list plates --json | jq_py 'd[0]["fields"]["plate"]')" 京A12345
eq "blacklist on a" "$(hh a list blacklist --json | jq_py 'len(d)')" 3
check "blacklist id_no masked" bash -c "ROUNDS_DATA=$WORK/hh-a $ROUNDS list blacklist | grep -q '110\*\**34'"
eq "cluster set on a" "$(hh a list units --json | jq_py '[u for u in d if u["fields"]["unit"]=="1-1-101"][0]["fields"]["cluster"]')" north

own0=$(hh_own a)
# By ID number (the name differs in case and spacing: the ID decides).
out=$(hh a visit enter --name "qian  bao" --id-type id_card \
  --id-no 110101199001011234 --unit 1-1-101 --purpose visit --json \
  2>"$WORK/warn1")
eq "blacklisted visitor recorded" "$(echo "$out" | jget ok)" true
eq "blacklist_hit in json" "$(echo "$out" | jget blacklist_hit)" true
check "WARNING on stderr" grep -q "WARNING: blacklist hit" "$WORK/warn1"
check "warning names the reason" grep -q "theft in 2025" "$WORK/warn1"
vid=$(echo "$out" | jget id)
eq "visit carries blacklist_hit" \
  "$(hh a show "$vid" --json | jq_py 'd["fields"]["blacklist_hit"]')" True
eq "visit carries the reason" \
  "$(hh a show "$vid" --json | jq_py 'd["fields"]["blacklist_reason"]')" "theft in 2025"
# By name, when the entry has no ID number.
out=$(hh a visit enter --name "ZHAO SI" --id-type passport --id-no E123 \
  --unit 3-2-1201 --purpose delivery --json 2>"$WORK/warn2")
eq "name match" "$(echo "$out" | jget blacklist_hit)" true
# Same name as an entry that has an ID number, but another ID: no hit.
out=$(hh a visit enter --name "Qian Bao" --id-type id_card --id-no 999 \
  --unit 1-1-101 --purpose visit --json 2>"$WORK/warn3")
eq "other ID number: no hit" "$(echo "$out" | jget blacklist_hit)" false
check "no warning without a hit" test ! -s "$WORK/warn3"
# A visitor arriving in a blacklisted car.
out=$(hh a visit enter --name "Sun Li" --id-type id_card --id-no 321 \
  --unit 1-1-101 --purpose visit --plate "沪b-99999" --json 2>/dev/null)
eq "visitor's plate matches" "$(echo "$out" | jget blacklist_hit)" true
# Vehicles.
out=$(hh a vehicle enter --plate "沪B99999" --gate A --json 2>"$WORK/warn4")
eq "blacklisted vehicle recorded" "$(echo "$out" | jget blacklist_hit)" true
check "vehicle WARNING" grep -q "WARNING: blacklist hit: plate" "$WORK/warn4"
own1=$(hh_own a)
hh a vehicle enter --plate "京a 12345" --gate A >/dev/null 2>"$WORK/res"
eq "resident plate refused" "$?" 4
check "resident message" grep -q "plate 京a 12345 is a resident vehicle of unit 1-1-101: no registration needed" "$WORK/res"
eq "nothing written for a resident" "$(hh_own a)" "$own1"
eq "four visits and a vehicle written" "$own1" $((own0 + 5))
out=$(hh a vehicle enter --plate "粤C55555" --gate A --json 2>/dev/null)
eq "unknown vehicle: no hit" "$(echo "$out" | jget blacklist_hit)" false

# ---- conflict on a work order's assignee, and its resolution -------------
server_start
wo=$(hh a workorder create --place 1-1-101 --category plumbing \
  --description "burst pipe" --json | jget id)
check "a syncs the order" hh_sync a >/dev/null
check "b gets it" hh_sync b >/dev/null
# Two different people dispatch: who dispatched is attribution, never a
# conflict; the assignee is the one conflict.
check "a dispatches offline" hh a workorder dispatch "$wo" --assignee T-01 \
  --by desk-a >/dev/null
check "b dispatches offline" hh b workorder dispatch "$wo" --assignee T-02 \
  --by desk-b >/dev/null
check "a syncs" hh_sync a >/dev/null
check "b syncs" hh_sync b >/dev/null
check "a syncs again" hh_sync a >/dev/null
cj=$(rd conflicts --site S1 --json)
eq "server: one conflict" "$(echo "$cj" | jq_py 'len(d)')" 1
eq "on assignee" "$(echo "$cj" | jq_py 'd[0]["field"]')" assignee
eq "of the order" "$(echo "$cj" | jq_py 'd[0]["id"]')" "$wo"
eq "2 candidates" "$(echo "$cj" | jq_py 'len(d[0]["candidates"])')" 2
eq "candidate values" "$(echo "$cj" | jq_py '",".join(sorted(c["value"] for c in d[0]["candidates"]))')" T-01,T-02
eq "candidate devices named" "$(echo "$cj" | jq_py '",".join(sorted(c["device_name"] for c in d[0]["candidates"]))')" a,b
check "text listing" bash -c "'$ROUNDSD' conflicts --site S1 --data '$SRV' | grep -q 'field assignee: 2 candidates'"
for n in a b; do
  eq "conflict on $n" "$(hh $n conflicts --json | jq_py 'd[0]["field"]+":"+str(len(d[0]["candidates"]))')" assignee:2
done
rd resolve --site S1 "$wo" --field assignee --value nobody-listed --reason x \
  --field2 y >/dev/null 2>&1
eq "resolve: unknown flag" "$?" 2
rd resolve --site S1 "$wo" --field priority --value urgent >/dev/null 2>&1
eq "resolve: no conflict on that field" "$?" 3
check "resolve" rd resolve --site S1 "$wo" --field assignee --value T-02 \
  --reason "T-02 is on site" >/dev/null
eq "server: no conflict left" "$(rd conflicts --site S1 --json | jq_py 'len(d)')" 0
for n in a b; do
  check "$n syncs the resolution" hh_sync $n >/dev/null
  eq "no conflict on $n" "$(hh $n conflicts --json | jq_py 'len(d)')" 0
  eq "assignee on $n" "$(hh $n show "$wo" --json | jq_py 'd["fields"]["assignee"]')" T-02
  eq "resolve_reason on $n" "$(hh $n show "$wo" --json | jq_py 'd["fields"]["resolve_reason"]')" "T-02 is on site"
done
want=$(srv_digest)
for n in a b; do eq "digest of $n" "$(hh_digest $n)" "$want"; done

# A retired blacklist entry stops warning once synced.
check "blacklist retire" rd blacklist retire --site S1 --plate "沪B99999" \
  --reason "fine paid" >/dev/null
check "a syncs the retirement" hh_sync a >/dev/null
out=$(hh a vehicle enter --plate "沪B99999" --gate B --json 2>/dev/null)
eq "retired entry: no hit" "$(echo "$out" | jget blacklist_hit)" false
bid=$(rd list blacklist --site S1 --json | jq_py '[e for e in d if e["fields"]["type"]=="person" and "id_no" not in e["fields"]][0]["id"]')
check "blacklist retire by id" rd blacklist retire --site S1 "$bid" >/dev/null

# ---- device clocks --------------------------------------------------------
now=$(date +%s%3N)
hh_new ahead
hh_new behind
h6=$((6 * 3600 * 1000))
ahead() { ROUNDS_CLOCK_MS=$((now + h6)) hh ahead "$@"; }
behind() { ROUNDS_CLOCK_MS=$((now - h6)) hh behind "$@"; }
# Both pull the site first (that is how a device learns what time it is).
check "ahead syncs" ahead sync >/dev/null
check "behind syncs" behind sync >/dev/null
check "ahead records" ahead log --text "ahead of time" >/dev/null
check "behind records" behind log --text "behind the times" >/dev/null
check "ahead pushes" ahead sync >/dev/null
check "behind pushes" behind sync >/dev/null
# The honest device pulls the fast clock's ops, then records and syncs.
check "a pulls ahead's ops" hh_sync a >/dev/null
check "a records" hh a log --text "on time" >/dev/null
check "a pushes" hh_sync a >/dev/null
dj=$(rd devices --site S1 --json)
flag_of() { echo "$dj" | jq_py "[x for x in d if x['device']=='$1'][0]['clock_flag']"; }
eq "ahead flagged" "$(flag_of ahead)" ahead
eq "behind flagged" "$(flag_of behind)" behind
eq "honest a ok" "$(flag_of a)" ok
ahead_ms=$(echo "$dj" | jq_py "[x for x in d if x['device']=='ahead'][0]['clock_ahead_ms']")
check "ahead by about 6 h" test "$ahead_ms" -gt $((h6 - 600000)) -a "$ahead_ms" -le "$h6"
behind_ms=$(echo "$dj" | jq_py "[x for x in d if x['device']=='behind'][0]['clock_behind_ms']")
# The device's own measure (_clk, at WELCOME) counts too: it includes the
# seconds the test has run since "now", hence the minute's margin.
check "behind by about 6 h" test "$behind_ms" -gt $((h6 - 600000)) -a "$behind_ms" -le $((h6 + 60000))
rd devices --site S1 >"$WORK/devices.txt"
check "CLOCK column" grep -q "CLOCK" "$WORK/devices.txt"
check "ahead shown" grep -Eq "^S1 +ahead .* ahead [56]h[0-9]+m" "$WORK/devices.txt"
check "behind shown" grep -Eq "^S1 +behind .* behind [56]h[0-9]+m" "$WORK/devices.txt"
check "a shown ok" grep -Eq "^S1 +a .* ok +no" "$WORK/devices.txt"
# A limit of 7 h clears the last sync's skew, but not what is kept for
# good: the fast device pushed ops stamped 6 h past this server's clock,
# beyond its max_clock_offset_min (5), so it stays flagged "beyond".
eq "a limit of 7 h clears the skew, not the stamps beyond the bound" \
  "$(rd devices --site S1 --skew-limit-min 420 --json | jq_py '",".join(x["device"]+"="+x["clock_flag"] for x in d if x["clock_flag"]!="unknown")')" \
  "a=ok,ahead=beyond,b=ok,behind=ok"
finish
