#!/usr/bin/env bash
# test_e2e_woclock.sh BIN: work-order clocks per cycle, end to end (issue
# 15). A real roundsd (loopback TLS, clock pinned at S) merges what real
# handhelds recorded with pinned clocks; the office reads
# `roundsd report workorders --json`:
#  - notify stops when the order reaches the assignee's handheld: the desk
#    (a) dispatches wo1 to t's user at S-64 min; t pulls it at S and its
#    library records the receive; the report says breached, stopped by
#    "delivered" after 65 min (not "met" at the dispatch). wo4, dispatched
#    to someone with no handheld, is "dispatched_not_delivered": open and
#    breached, never met;
#  - an agreed appointment sets the on-site deadline (5 minutes before it):
#    wo2, called the evening before (S-12 h 40), appointment at 07:40
#    (S-40 min) agreed at the dispatch, technician there at 07:34: on_site
#    met (a fixed 15 min said breached by 739);
#  - a reopen keeps the first cycle's clocks: wo3's first notify breach
#    stays in cycles[0] and in the order's breaches after an unsatisfied
#    callback began cycle 2 (its own clocks met);
#  - a call time in the future is refused (exit 2, naming called_at).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
M=60000
H=$((60 * M))
S=1795825200000 # 2026-11-28T08:20:00+08:00: the server's clock
T=$((S + 5 * M)) # the report's "now"
at() { echo $((S - $1)); } # at MS_BEFORE_S
export ROUNDSD_CLOCK_MS=$S

server_init
server_start
hh_new a
hh_new t # its user is guard-t: the technician
ha() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh a "$@"; }

# ---- a, offline, pinned clock, in time order --------------------------------
wo2=$(ha "$(at $((12 * H + 39 * M)))" --json workorder create --place 2-1-201 \
  --category plumbing --description "tap drips" \
  --called-at "$(at $((12 * H + 40 * M)))" | jget id)
check "wo2 dispatch with appointment" ha "$(at $((12 * H + 38 * M)))" \
  workorder dispatch "$wo2" --assignee nobody --appointment "$(at $((40 * M)))"
wo3=$(ha "$(at $((5 * H)))" --json workorder create --place 3-1-301 \
  --category plumbing --description "pipe" --called-at "$(at $((5 * H)))" |
  jget id)
check "wo3 dispatch (10 min: notify breached)" ha "$(at $((4 * H + 50 * M)))" \
  workorder dispatch "$wo3" --assignee nobody
check "wo3 arrive" ha "$(at $((4 * H + 45 * M)))" workorder arrive "$wo3"
check "wo3 complete" ha "$(at $((4 * H)))" workorder complete "$wo3" \
  --signature li --labour-min 20
check "wo3 unsatisfied" ha "$(at $((3 * H)))" workorder callback "$wo3" \
  --satisfaction unsatisfied
check "wo3 taken by the desk itself" ha "$(at $((2 * H + 59 * M)))" \
  workorder dispatch "$wo3" --assignee guard-a
check "wo3 arrive again" ha "$(at $((2 * H + 50 * M)))" workorder arrive "$wo3"
wo1=$(ha "$(at $((65 * M)))" --json workorder create --place 1-1-101 \
  --category plumbing --description "burst pipe" \
  --called-at "$(at $((66 * M)))" | jget id)
check "wo1 dispatch to t" ha "$(at $((64 * M)))" workorder dispatch "$wo1" \
  --assignee guard-t
wo4=$(ha "$(at $((60 * M)))" --json workorder create --place 4-1-401 \
  --category electrical --description "no power" \
  --called-at "$(at $((60 * M)))" | jget id)
check "wo4 dispatch to a technician without a handheld" \
  ha "$(at $((59 * M)))" workorder dispatch "$wo4" --assignee nobody
check "wo2 arrive at 09:14 (appointment 09:20)" ha "$(at $((46 * M)))" \
  workorder arrive "$wo2"

# ---- a call in the future is refused ------------------------------------------
out=$(ha "$(at $((30 * M)))" workorder create --place 5-1-501 \
  --category plumbing --description x --called-at "$(at $((20 * M)))" 2>&1)
eq "future call refused (exit 2)" "$?" 2
check "the message names called_at ($out)" grep -q "called_at" <<<"$out"
check "5 minutes ahead is taken" ha "$(at $((30 * M)))" workorder create \
  --place 5-1-502 --category plumbing --description x \
  --called-at "$(at $((26 * M)))" >/dev/null

# ---- sync: a pushes; t pulls (receives wo1 at S), then pushes ---------------
ROUNDS_CLOCK_MS=$S hh_sync a >/dev/null || fail "a syncs"
ROUNDS_CLOCK_MS=$S hh_sync t >/dev/null || fail "t pulls"
eq "t received wo1 once" "$(hh t show "$wo1" --json |
  jq_py "len([e for e in d['events'] if e['action']=='receive'])")" 1
ROUNDS_CLOCK_MS=$S hh_sync t >/dev/null || fail "t pushes"
eq "still once after another pull" "$(ROUNDS_CLOCK_MS=$S hh t show "$wo1" \
  --json | jq_py "len([e for e in d['events'] if e['action']=='receive'])")" 1
ROUNDS_CLOCK_MS=$S hh_sync a >/dev/null || fail "a pulls"
eq "a and the server agree" "$(hh_digest a)" "$(srv_digest)"
eq "t and the server agree" "$(hh_digest t)" "$(srv_digest)"

j=$(rd report workorders --site S1 --now "$T" --hours 24 --tz +08:00 --json)
echo "$j" >"$WORK/report.json"
row() { echo "$j" | jq_py "[r for r in d['sections']['orders'] if r['id']=='$1'][0]$2"; }
clk() { # clk ORDER CYCLE CLOCK FIELD
  row "$1" "['cycles'][$2]['clocks']" | python3 -c "
import ast,sys; c=[x for x in ast.literal_eval(sys.stdin.read()) if x['clock']=='$3'][0]; print(c['$4'])"
}

# notify: delivered at S, 65 min after the record: breached, not met.
eq "wo1 notify" "$(row "$wo1" "['notify']")" breached
eq "wo1 notify stopped by" "$(clk "$wo1" 0 notify stopped_by)" delivered
eq "wo1 notify elapsed" "$(clk "$wo1" 0 notify elapsed_min)" 65
eq "wo4 notify" "$(row "$wo4" "['notify']")" breached
eq "wo4 notify: not delivered" "$(clk "$wo4" 0 notify stopped_by)" \
  dispatched_not_delivered
eq "undelivered orders" "$(echo "$j" | jq_py 'd["summary"]["undelivered"]')" 1

# on_site against the appointment: met.
eq "wo2 on_site" "$(row "$wo2" "['on_site']")" met
eq "wo2 appointment" "$(row "$wo2" "['cycles'][0]['appointment']")" \
  "$(python3 -c "import datetime as t; print(t.datetime.fromtimestamp(($S-40*60000)/1000, t.timezone(t.timedelta(hours=8))).isoformat())")"
eq "wo2 on_site limit (to 5 min before)" "$(clk "$wo2" 0 on_site limit_min)" \
  $((12 * 60 + 40 - 45))

# the reopen keeps cycle 1's breach.
eq "wo3 cycles" "$(row "$wo3" "['cycles'].__len__()")" 2
eq "wo3 cycle 1 notify" "$(clk "$wo3" 0 notify status)" breached
eq "wo3 cycle 2 notify" "$(clk "$wo3" 1 notify status)" met
eq "wo3 cycle 2 notify stopped by" "$(clk "$wo3" 1 notify stopped_by)" \
  dispatched_to_self
eq "wo3 cycle 2 begun by" "$(row "$wo3" "['cycles'][1]['begun_by']")" callback
eq "wo3 breached names" "$(row "$wo3" "['breached']")" notify
eq "wo3 breaches" "$(row "$wo3" "['breaches']")" 1
eq "wo3 in breaches, cycle 1" "$(echo "$j" | jq_py "[(r['clock'],r['cycle']) for r in d['sections']['breaches'] if r['order']=='$wo3']")" \
  "[('notify', 1)]"
eq "summary breaches" "$(echo "$j" | jq_py 'd["summary"]["breaches"]')" \
  "$(echo "$j" | jq_py "sum(r['breaches'] for r in d['sections']['orders'])")"

finish
