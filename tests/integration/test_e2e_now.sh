#!/usr/bin/env bash
# test_e2e_now.sh BIN: the Now document (`rounds now --json`, issue 16), end
# to end. A real roundsd (loopback TLS) hands two real handhelds the
# office's master data: a day route L1 (08:00-20:00, every 2 hours,
# checkpoints CP-01..03 at offsets 0, 20, 40 min, 10 min tolerance) with
# guard-a rostered on it, a second route P1 nobody holds, a vacant unit
# never inspected. guard-a, offline with a pinned clock, reads Now at
# three times of the 08:00 round:
#  - 08:05: L1 (by the roster, not P1) is due, CP-01 with 5 min left; the
#    work order guard-a took at 08:00 runs its on-site clock ("arrive",
#    15 min, not breached); the vacant units due this month, soonest
#    first (inspected 40 days ago, never, 20 days ago; not the one of 5
#    days ago); nothing to acknowledge yet; 2 records unsynced;
#  - 08:35 (CP-01 scanned at 08:07): CP-02 is 5 min overdue: the round is
#    overdue, 1 of 3 done; the work order's on-site clock is breached;
#  - 08:50 (CP-02 at 08:36, CP-03 at 08:45): the round is done; arrived at
#    08:46, the order's next clock is "feedback" (to the resident within
#    4 hours); at 10:05 the 10:00 round is due; at 20:30, off the roster,
#    the route she walked shows its next round (08:00) upcoming;
# then guard-b hands over to guard-a and syncs: only after guard-a's own
# sync does her Now list the handover (from guard-b, its items) and say
# nothing unsynced, with the sync's time.
# The day is 2026-11-17 at +08:00 (TZ is pinned: active hours are local).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock
export TZ=Asia/Shanghai

D=1794844800000 # 2026-11-17 00:00 +08:00
at() { echo $((D + ($1 * 60 + $2) * 60000)); }
MIN=60000
SETUP=$(at 7 0)
rd() { ROUNDSD_CLOCK_MS=$SETUP "$ROUNDSD" "$@" --data "$SRV"; }
# py EXPR: EXPR of the JSON on stdin (d; r its first round, w its first
# work order), printed as Python prints it (a string bare).
py() {
  python3 -c "import json,sys
d=json.load(sys.stdin)
r=(d.get('rounds') or [None])[0]
w=(d.get('workorders') or [None])[0]
v=($1)
print(v if isinstance(v, str) else repr(v))"
}
now_at() { # now_at NAME TIME: guard NAME's Now as of TIME
  ROUNDS_CLOCK_MS=$2 hh "$1" now --json --at "$2"
}
rec() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh a "$@" >/dev/null ||
  fail "record: $*"; }

ROUNDSD_CLOCK_MS=$SETUP server_init
ROUNDSD_CLOCK_MS=$SETUP server_start
ROUNDSD_CLOCK_MS=$SETUP hh_new a
ROUNDSD_CLOCK_MS=$SETUP hh_new b
for i in 1 2 3 4; do
  check "checkpoint add $i" rd checkpoint add --site S1 --tag "CP-0$i" \
    --name "Point $i" --place "block $i" >/dev/null
done
check "day route" rd route add --site S1 --route L1 --name Lobby \
  --interval-min 120 --checkpoints CP-01,CP-02,CP-03 --active-from 08:00 \
  --active-to 20:00 --offsets 0,20,40 --tolerance-min 10 >/dev/null
check "another route" rd route add --site S1 --route P1 --name Park \
  --interval-min 60 --checkpoints CP-04 >/dev/null
check "roster: guard-a on L1" rd roster add --site S1 --day daily \
  --shift day --route L1 --staff guard-a --start 08:00 --end 20:00 >/dev/null
for u in 1201 1202 1203 1204; do
  check "vacant unit $u" rd unit add --site S1 --unit "3-2-$u" --vacant true \
    >/dev/null
done
# guard-a inspected 1202 40 days ago (overdue), 1204 20 days ago (due in
# 10 days: this month), 1203 5 days ago (due next month); 1201 never.
DAY=$((24 * 60 * MIN))
for x in 1202:40 1204:20 1203:5; do
  ROUNDS_CLOCK_MS=$((D - ${x#*:} * DAY)) hh a inspect --unit "3-2-${x%:*}" \
    >/dev/null || fail "inspect ${x%:*}"
done
for n in a b; do
  ROUNDS_CLOCK_MS=$SETUP hh_sync "$n" >/dev/null || fail "$n pulls"
done
server_stop

# ---- 08:05: due -------------------------------------------------------------
wo=$(ROUNDS_CLOCK_MS=$(at 8 0) hh a --json workorder create --place 1-1-101 \
  --category plumbing --description "tap drips" | jget id)
rec "$(at 8 1)" workorder dispatch "$wo" --assignee guard-a
j=$(now_at a "$(at 8 5)")
echo "$j" >"$WORK/now-0805.json"
eq "08:05 user" "$(echo "$j" | py 'd["user"]')" guard-a
eq "08:05 routes by the roster" "$(echo "$j" | py 'd["routes_by"]')" roster
eq "08:05 my rounds: L1 only" \
  "$(echo "$j" | py '[r["route"] for r in d["rounds"]]')" "['L1']"
eq "08:05 round" "$(echo "$j" | py 'd["rounds"][0]["state"],
  d["rounds"][0]["start_ms"], d["rounds"][0]["end_ms"], d["rounds"][0]["done"],
  d["rounds"][0]["total"]')" "('due', $(at 8 0), $(at 10 0), 0, 3)"
eq "08:05 CP-01" "$(echo "$j" | py '[(c["tag"], c["name"], c["place"],
  c["state"], c["due_ms"], c["left_ms"], c["late_ms"]) for c in r["next"]][0]'
  )" "('CP-01', 'Point 1', 'block 1', 'due', $(at 8 0), \
$((5 * MIN)), 0)"
eq "08:05 CP-03 at its offset" \
  "$(echo "$j" | py 'd["rounds"][0]["next"][2]["due_ms"]')" "$(at 8 40)"
eq "08:05 work order" "$(echo "$j" | py 'len(d["workorders"]), w["id"],
  w["unit"], w["category"], w["status"],
  w["clock"], w["due_ms"], w["left_ms"], w["breached"]')" \
  "(1, '$wo', '1-1-101', 'plumbing', 'dispatched', 'arrive', $(at 8 15), \
$((10 * MIN)), False)"
eq "08:05 vacant due this month, soonest first" "$(echo "$j" |
  py '[(v["unit"], v["due_ms"], v["last_ms"]) for v in d["vacant_due"]]')" \
  "[('3-2-1202', $((D - 10 * DAY)), $((D - 40 * DAY))), \
('3-2-1201', $(at 8 5), None), \
('3-2-1204', $((D + 10 * DAY)), $((D - 20 * DAY)))]"
eq "08:05 nothing to acknowledge" \
  "$(echo "$j" | py 'd["handovers_to_ack"]')" "[]"
eq "08:05 unsynced" "$(echo "$j" | py 'd["unsynced"], d["last_sync_ms"]')" \
  "(2, $SETUP)"
check "08:05 text form names the route" \
  grep -q "L1 Lobby" <<<"$(ROUNDS_CLOCK_MS=$(at 8 5) hh a now)"

# ---- 08:35: overdue, the order breached -------------------------------------
rec "$(at 8 7)" scan --tag CP-01 --route L1
j=$(now_at a "$(at 8 35)")
echo "$j" >"$WORK/now-0835.json"
eq "08:35 round overdue" "$(echo "$j" |
  py 'd["rounds"][0]["state"], d["rounds"][0]["done"]')" "('overdue', 1)"
eq "08:35 checkpoints" "$(echo "$j" |
  py '[(c["tag"], c["state"], c["late_ms"], c["left_ms"])
       for c in d["rounds"][0]["next"]]')" \
  "[('CP-01', 'done', 0, 0), ('CP-02', 'overdue', $((5 * MIN)), 0), \
('CP-03', 'due', 0, $((15 * MIN)))]"
eq "08:35 order breached" "$(echo "$j" |
  py 'w["clock"], w["left_ms"], w["breached"]')" \
  "('arrive', $((-20 * MIN)), True)"

# ---- 08:50: done; the order's next clock ------------------------------------
rec "$(at 8 36)" scan --tag CP-02 --route L1
rec "$(at 8 45)" scan --tag CP-03 --route L1
rec "$(at 8 46)" workorder arrive "$wo"
j=$(now_at a "$(at 8 50)")
echo "$j" >"$WORK/now-0850.json"
eq "08:50 round done" "$(echo "$j" |
  py 'd["rounds"][0]["state"], d["rounds"][0]["done"],
  [c["state"] for c in d["rounds"][0]["next"]]')" \
  "('done', 3, ['done', 'done', 'done'])"
eq "08:50 order: feedback (4 h) runs out next" "$(echo "$j" |
  py 'w["status"], w["clock"], w["due_ms"], w["breached"]')" \
  "('arrived', 'feedback', $(at 12 0), False)"
eq "10:05: the next round is due again" "$(now_at a "$(at 10 5)" |
  py 'r["state"], r["start_ms"], r["done"]')" \
  "('due', $(at 10 0), 0)"
eq "20:30: off the roster, the route walked; its next round upcoming" \
  "$(now_at a "$(at 20 30)" | py 'd["routes_by"],
  r["route"], r["state"], r["start_ms"], r["next"][0]["left_ms"]')" \
  "('scanned', 'L1', 'upcoming', $(at 32 0), $((11 * 60 * MIN + 40 * MIN)))"

# ---- a handover reaches guard-a at her sync ---------------------------------
ROUNDS_CLOCK_MS=$(at 8 52) hh b handover create --to guard-a \
  --items "master key=3;radio=2" --notes "gate B lock sticks" >/dev/null ||
  fail "b hands over"
ROUNDSD_CLOCK_MS=$(at 9 0) server_start
ROUNDS_CLOCK_MS=$(at 8 55) hh_sync b >/dev/null || fail "b syncs"
eq "before a's sync: nothing to acknowledge" \
  "$(now_at a "$(at 8 56)" | py 'd["handovers_to_ack"], d["unsynced"]')" \
  "([], 6)"
ROUNDS_CLOCK_MS=$(at 8 57) hh_sync a >/dev/null || fail "a syncs"
j=$(now_at a "$(at 8 58)")
echo "$j" >"$WORK/now-0858.json"
eq "after a's sync: the handover to acknowledge" "$(echo "$j" |
  py '[(h["from"], h["items"], h["created_ms"])
       for h in d["handovers_to_ack"]]')" \
  "[('guard-b', 'master key=3;radio=2', $(at 8 52))]"
eq "after a's sync: unsynced, last sync" \
  "$(echo "$j" | py 'd["unsynced"], d["last_sync_ms"]')" "(0, $(at 8 57))"
eq "b's Now lists no handover for b" "$(now_at b "$(at 8 58)" |
  py 'd["handovers_to_ack"], d["workorders"]')" "([], [])"
ho=$(echo "$j" | py 'd["handovers_to_ack"][0]["id"]')
rec "$(at 8 59)" handover ack "$ho" --confirm "master key=3;radio=2"
eq "acknowledged: gone from Now" \
  "$(now_at a "$(at 9 0)" | py 'd["handovers_to_ack"]')" "[]"
eq "--user guard-b on a: no roster, no scans: every route running now" \
  "$(ROUNDS_CLOCK_MS=$(at 9 0) hh a now --json --user guard-b |
  py 'd["user"], d["routes_by"], [r["route"] for r in d["rounds"]],
  d["workorders"]')" "('guard-b', 'active', ['L1', 'P1'], [])"
server_stop
finish
