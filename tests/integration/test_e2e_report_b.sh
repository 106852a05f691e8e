#!/usr/bin/env bash
# test_e2e_report_b.sh BIN: `roundsd report workorders|vacant|devices|
# integrity` end to end, on the store a real roundsd (loopback TLS) merged
# from real handhelds that recorded a scripted day offline with pinned
# clocks:
#  - a (honest clock) files a normal work order whose technician arrived 20
#    minutes after the call (on_site breached by 5; notify too: no handheld
#    of the technician received it, the arrival 18 minutes after the record
#    is the first sign it reached him), an urgent one 26
#    minutes old and not on site (at risk; notify breached: dispatched, not
#    delivered), inspects one vacant unit today
#    (water: fail, which opens a work order) and one 40 days ago;
#  - b's clock is 5 hours fast (flagged ahead); c is enrolled and never
#    syncs; d syncs once and is revoked; a and b are then behind by what
#    was pushed after their last pull;
#  - every report in text, CSV and JSON, figures checked with python3;
#    integrity exits 0 on the real store.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
M=60000
H=$((60 * M))
D=$((24 * H))
# The reports' "now", a fixed day (2026-11-28T12:00Z); the office's clock
# (serve, enroll, revoke) is pinned 5 minutes before it, so every sync
# below happens before it and every record is well behind it.
T=1795867200000
at() { echo $((T - $1)); } # at MS_BEFORE_T
export ROUNDSD_CLOCK_MS=$((T - 5 * M))

server_init
server_start
for u in 3-1-101 3-1-102 3-1-103; do
  check "unit $u" rd unit add --site S1 --unit $u --vacant true >/dev/null
done
check "unit occupied" rd unit add --site S1 --unit 3-1-104 >/dev/null
for n in a b c d; do hh_new $n; done

# ---- a: the scripted day, offline, clock pinned ---------------------------
# In time order: a clock that writes an op older than one it wrote before
# is what the server flags as "behind".
ha() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh a "$@"; }
check "old inspection" ha "$(at $((40 * D)))" inspect --unit 3-1-103 >/dev/null
wo1=$(ha "$(at $((3 * H - 2 * M)))" --json workorder create --place 1-1-101 \
  --category plumbing --description "tap leaks" \
  --called-at "$(at $((3 * H)))" | jget id)
check "wo1 dispatch" ha "$(at $((3 * H - 3 * M)))" workorder dispatch "$wo1" --assignee zhang
check "wo1 arrive" ha "$(at $((3 * H - 20 * M)))" workorder arrive "$wo1"
insp=$(ha "$(at $((2 * H)))" --json inspect --unit 3-1-102 --water fail \
  --note "pipe dripping")
wo3=$(echo "$insp" | jget workorder)
check "wo1 complete" ha "$(at $((2 * H)))" workorder complete "$wo1" \
  --signature li --labour-min 30
check "wo1 callback" ha "$(at $((1 * H)))" workorder callback "$wo1" \
  --satisfaction satisfied
wo2=$(ha "$(at $((25 * M)))" --json workorder create --place "elevator 2" \
  --category elevator --description "people trapped" \
  --urgent-reason elevator_trapped --called-at "$(at $((26 * M)))" | jget id)
check "wo2 dispatch" ha "$(at $((24 * M)))" workorder dispatch "$wo2" --assignee wang
check "a syncs" hh_sync a >/dev/null

# ---- b: 5 hours fast; d: syncs once, then revoked; c: never syncs ---------
hb() { ROUNDS_CLOCK_MS=$((T - 5 * M + 5 * H)) hh b "$@"; }
check "b syncs first" hb sync >/dev/null
for i in 1 2 3; do check "b scans" hb scan --tag CP-0$i --route R1 >/dev/null; done
check "b logs" hb log --text "round done" >/dev/null
check "b pushes" hb sync >/dev/null
hd() { ROUNDS_CLOCK_MS=$((T - 5 * M)) hh d "$@"; } # an honest clock
check "d logs" hd log --text "one" >/dev/null
check "d logs 2" hd log --text "two" >/dev/null
check "d syncs" hh_sync d >/dev/null
check "d revoked" rd revoke --site S1 --device d >/dev/null

R() { rd report "$@" --site S1 --now "$T" --hours 24 --tz +08:00; }

# ---- workorders -----------------------------------------------------------
j=$(R workorders --json)
eq "wo orders" "$(echo "$j" | jq_py 'd["summary"]["orders"]')" 3
eq "wo open" "$(echo "$j" | jq_py 'd["summary"]["open"]')" 3
eq "wo urgent" "$(echo "$j" | jq_py 'd["summary"]["urgent"]')" 1
eq "wo breached" "$(echo "$j" | jq_py 'd["summary"]["breached"]')" 3
eq "wo at_risk" "$(echo "$j" | jq_py 'd["summary"]["at_risk"]')" 1
eq "wo completed" "$(echo "$j" | jq_py 'd["summary"]["completed_in_window"]')" 1
eq "wo coverage" "$(echo "$j" | jq_py 'd["summary"]["callback_coverage"]')" 1.0
row() { echo "$j" | jq_py "[r for r in d['sections']['orders'] if r['id']=='$1'][0]['$2']"; }
eq "wo1 clocks" "$(row "$wo1" record),$(row "$wo1" notify),$(row "$wo1" on_site),$(row "$wo1" resolve),$(row "$wo1" callback)" \
  met,breached,breached,met,met
eq "wo1 status" "$(row "$wo1" status)" called_back
eq "wo2 clocks" "$(row "$wo2" record),$(row "$wo2" notify),$(row "$wo2" on_site),$(row "$wo2" resolve),$(row "$wo2" callback)" \
  met,breached,at_risk,running,n/a
eq "wo2 priority" "$(row "$wo2" priority)" urgent
eq "wo3 clocks" "$(row "$wo3" record),$(row "$wo3" notify),$(row "$wo3" on_site),$(row "$wo3" resolve)" \
  n/a,breached,breached,running
eq "wo1 breach" "$(echo "$j" | jq_py "[(r['limit_min'],r['elapsed_min'],r['over_min']) for r in d['sections']['breaches'] if r['order']=='$wo1']")" \
  "[(2, 18, 16), (15, 20, 5)]"
eq "wo2 at risk" "$(echo "$j" | jq_py "[(r['clock'],r['minutes_left']) for r in d['sections']['at_risk']]")" \
  "[('on_site', 4)]"
# CSV: one table per file (--table), BOM and CRLF stripped by plain_csv.
plain_csv() { sed '1s/^\xef\xbb\xbf//; s/\r$//'; }
csv=$(R workorders --table summary | plain_csv)
check "wo csv breached" grep -qx "breached,3" <<<"$csv"
csv=$(R workorders --table at_risk | plain_csv)
check "wo csv at risk row" grep -q "^$wo2,on_site," <<<"$csv"
txt=$(R workorders)
check "wo text breached" grep -Eq "^  breached +3$" <<<"$txt"
check "wo text wo1 row" grep -Eq "^  $wo1 +1-1-101 +plumbing +normal" <<<"$txt"

# ---- vacant ---------------------------------------------------------------
j=$(R vacant --json)
eq "vacant units" "$(echo "$j" | jq_py 'd["summary"]["vacant_units"]')" 3
eq "overdue" "$(echo "$j" | jq_py 'd["summary"]["overdue"]')" 2
eq "never" "$(echo "$j" | jq_py 'd["summary"]["never_inspected"]')" 1
eq "inspections in window" "$(echo "$j" | jq_py 'd["summary"]["inspections_in_window"]')" 1
eq "failed" "$(echo "$j" | jq_py 'd["summary"]["failed_inspections"]')" 1
eq "overdue units" "$(echo "$j" | jq_py '",".join("%s:%s" % (r["unit"], r["days_since"]) for r in d["sections"]["overdue"])')" \
  "3-1-101:None,3-1-103:40"
eq "failed row" "$(echo "$j" | jq_py '[(r["unit"],r["failed"],r["workorder"],r["workorder_status"],r["by"]) for r in d["sections"]["failed_items"]]')" \
  "[('3-1-102', 'water', '$wo3', 'reported', 'guard-a')]"
check "vacant csv" grep -qx "overdue,2" <<<"$(R vacant --table summary | plain_csv)"
check "vacant text" grep -Eq "^  3-1-103 +3 +- +[0-9-]+ [0-9:]+ +40 +guard-a +- +- +[0-9-]+ [0-9:]+ +yes$" <<<"$(R vacant)"

# ---- devices --------------------------------------------------------------
j=$(R devices --json)
total=$(R integrity --json | jq_py 'd["summary"]["ops"]')
dv() { echo "$j" | jq_py "[r for r in d['sections']['devices'] if r['name']=='$1'][0]['$2']"; }
eq "devices" "$(echo "$j" | jq_py 'd["summary"]["devices"]')" 4
eq "revoked" "$(echo "$j" | jq_py 'd["summary"]["revoked"]')" 1
eq "never synced" "$(echo "$j" | jq_py 'd["summary"]["never_synced"]')" 1
eq "not synced in window" "$(echo "$j" | jq_py 'd["summary"]["not_synced_in_window"]')" 1
eq "clock flags" "$(echo "$j" | jq_py 'd["summary"]["clock_flags"]')" 1
eq "chains broken" "$(echo "$j" | jq_py 'd["summary"]["chains_broken"]')" 0
eq "b ahead" "$(dv b clock_flag)" ahead
eq "a ok" "$(dv a clock_flag)" ok
eq "c never synced" "$(dv c last_sync)" None
eq "d revoked" "$(dv d revoked)" True
eq "a behind by b's 4 and d's 2" "$(dv a ops_behind)" 6
eq "b behind by d's 2" "$(dv b ops_behind)" 2
eq "d behind by nothing" "$(dv d ops_behind)" 0
eq "c behind by everything" "$(dv c ops_behind)" "$total"
eq "a ops held" "$(dv a ops_held)" 10
eq "a chain verified" "$(dv a chain_verified)" True
check "devices csv" grep -qx "never_synced,1" <<<"$(R devices --table summary | plain_csv)"
check "devices text b ahead" grep -Eq "^  b +[0-9a-f]{16} .* ahead [45]h[0-9]+m +ahead +yes +no$" <<<"$(R devices)"

# ---- integrity on the real store --------------------------------------------
R integrity --json >"$WORK/integ.json"
eq "integrity exit" "$?" 0
eq "integrity ok" "$(jq_py 'd["summary"]["ok"]' <"$WORK/integ.json")" True
eq "integrity devices" "$(jq_py 'd["summary"]["devices"]' <"$WORK/integ.json")" 4
check "integrity csv" grep -qx "ok,true" <<<"$(R integrity --table summary | plain_csv)"
check "integrity text" grep -Eq "^  ok +yes$" <<<"$(R integrity)"
finish
