#!/usr/bin/env bash
# test_e2e_patrol.sh BIN: patrol schedules and the roster, end to end (issue
# 15). The office writes routes with active hours and per-checkpoint
# offsets and a roster with `roundsd`; one real handheld records a night
# and a day offline with pinned clocks (--by names each guard), syncs with
# a real roundsd (loopback TLS, clock pinned), and the office reads
# `roundsd report patrol|handover --json`:
#  - a night-only route (22:00-06:00) counts only its night rounds: day
#    TQI 7/8 and month TQI 9/16 (main counted every 2 hours around the
#    clock: 7/24 and 9/46);
#  - CP-05, due 40 minutes into the round with 10 minutes' tolerance, is on
#    time at +45 (main: late 30 from the round's start), and CP-04 at +12
#    is late 2 against its own offset (main: on time in a 15-minute window);
#  - the rounds nobody walked name the rostered guard, a date entry
#    overriding the daily one (main: no roster, guard null and nothing
#    else);
#  - a manual scan and scans of unknown tags are shown apart;
#  - the handover lists the outgoing shift's missed checkpoints and whether
#    it happened before the incoming shift's start (unknown off roster);
#  - bad schedules are refused, exit 2, naming the flag.
# The night is 2026-11-16/17 (D = 2026-11-17, a Tuesday) at +08:00.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

OLDTEXT="$BIN/tests/integration/oldtext"
M=1794844800000 # D 00:00 +08:00
at() { echo $((M + ($1 * 60 + $2) * 60000)); }
SETUP=$(at -12 0)
END=$(at 33 0) # D+1 09:00: the report's now
rd() { ROUNDSD_CLOCK_MS=$SETUP "$ROUNDSD" "$@" --data "$SRV"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
W=(--site S1 --tz +08:00 --now 2026-11-18T09:00)

ROUNDSD_CLOCK_MS=$SETUP server_init
ROUNDSD_CLOCK_MS=$SETUP server_start
ROUNDSD_CLOCK_MS=$SETUP hh_new w

for i in 1 2 3 4 5; do
  check "checkpoint add $i" rd checkpoint add --site S1 --tag "CP-0$i" \
    --name "Point $i" --place "block $i" >/dev/null
done
check "night route" rd route add --site S1 --route N1 --name Night \
  --interval-min 120 --checkpoints CP-01,CP-02 --active-from 22:00 \
  --active-to 06:00 >/dev/null
check "day route with offsets" rd route add --site S1 --route L1 --name Lobby \
  --interval-min 120 --checkpoints CP-04,CP-05 --active-from 10:00 \
  --active-to 14:00 --offsets 0,40 --tolerance-min 10 >/dev/null
check "roster: nights" rd roster add --site S1 --day daily --shift night \
  --route N1 --staff guard-wang --start 20:00 --end 08:00 >/dev/null
check "roster: D's night" rd roster add --site S1 --day 2026-11-17 \
  --shift night --route N1 --staff guard-zhao --start 20:00 --end 08:00 \
  >/dev/null
check "roster: days" rd roster add --site S1 --day daily --shift day \
  --route L1 --staff guard-li --start 08:00 --end 20:00 >/dev/null

# ---- refusals: exit 2, the flag named -------------------------------------
refused() { # refused FLAG DESCRIPTION COMMAND...
  local flag=$1 what=$2 out rc
  shift 2
  out=$("$@" 2>&1 >/dev/null)
  rc=$?
  eq "$what: exit 2" "$rc" 2
  check "$what: names $flag ($out)" grep -q -- "$flag" <<<"$out"
}
refused --offsets "offsets count" rd route add --site S1 --route X1 \
  --name X --interval-min 60 --checkpoints CP-01,CP-02,CP-03 --offsets 0,10
refused --offsets "offset past the round" rd route set --site S1 --route L1 \
  --offsets 0,130
refused --tolerances "tolerances count" rd route set --site S1 --route L1 \
  --tolerances 5
refused --active-from "active-to alone" rd route add --site S1 --route X3 \
  --name X --interval-min 60 --checkpoints CP-01 --active-to 07:00
refused --active-to "active-from alone" rd route add --site S1 --route X2 \
  --name X --interval-min 60 --checkpoints CP-01 --active-from 22:00
refused --active-days "bad weekday" rd route set --site S1 --route N1 \
  --active-days mon-fry
refused --day "bad roster day" rd roster add --site S1 --day 2026-02-30 \
  --shift night --route N1 --staff guard-wang --start 20:00 --end 08:00
refused --post "route or post" rd roster add --site S1 --day daily \
  --shift night --staff guard-wang --start 20:00 --end 08:00

check "w pulls master data" env ROUNDS_CLOCK_MS=$SETUP \
  ROUNDS_DATA="$WORK/hh-w" "$ROUNDS" sync >/dev/null
eq "roster on the handheld" "$(hh w list roster --json |
  py '",".join(e["fields"]["roster"] for e in d)')" \
  "2026-11-17/night/route:N1,daily/day/route:L1,daily/night/route:N1"
server_stop

# ---- the night and the day, offline -----------------------------------------
rec() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh w "$@" >/dev/null ||
  fail "record: $*"; }
old() { # old TIME FIELD=VALUE...: a scan with fields rounds does not take
  "$OLDTEXT" "$WORK/hh-w" "$1" scan "${@:2}" >/dev/null || fail "old: $*"; }
# guard-wang walks the night of D-1, but not CP-02 at 02:00.
for r in -2 0 2 4; do
  rec "$(at $r 5)" scan --tag CP-01 --route N1 --by guard-wang
  [ "$r" = 2 ] || rec "$(at $r 10)" scan --tag CP-02 --route N1 --by guard-wang
done
# handover wang -> li at 07:50, 10 minutes before li's day shift.
rec "$(at 7 50)" handover create --to guard-li --by guard-wang
# a handover between two people the roster does not know
rec "$(at 9 0)" handover create --to guard-y --by guard-x
# guard-li on L1: CP-04 at 10:02 with a verified tag payload, CP-05 typed
# by hand at 10:45 (due 10:40 +10), an unknown tag let through, a tag on no
# route; at 12:12 CP-04 (due 12:00 +10), and no CP-05.
old "$(at 10 2)" tag=CP-04 route=L1 by=guard-li method=nfc verified:=true
rec "$(at 10 45)" scan --tag CP-05 --route L1 --by guard-li --method manual
old "$(at 11 0)" tag=CP-99 route=L1 by=guard-li method=qr unknown_tag:=true
old "$(at 11 5)" tag=CP-98 by=guard-li method=manual
rec "$(at 12 12)" scan --tag CP-04 --route L1 --by guard-li
# a night-route scan in the afternoon: outside its schedule
rec "$(at 14 0)" scan --tag CP-01 --route N1 --by guard-li
# handover li -> zhao at 20:10, after zhao's 20:00 start
rec "$(at 20 10)" handover create --to guard-zhao --by guard-li
# guard-zhao walks D's 22:00 round, then nothing until morning.
rec "$(at 22 5)" scan --tag CP-01 --route N1 --by guard-zhao
rec "$(at 22 10)" scan --tag CP-02 --route N1 --by guard-zhao

ROUNDSD_CLOCK_MS=$END server_start
check "w syncs" env ROUNDS_CLOCK_MS=$END ROUNDS_DATA="$WORK/hh-w" \
  "$ROUNDS" sync >/dev/null
eq "w and the server agree" "$(hh_digest w)" "$(srv_digest)"

# ---- night-only route: only scheduled rounds count ----------------------------
j=$(rd report patrol "${W[@]}" --route N1 --day 2026-11-17 --json)
echo "$j" >"$WORK/n1-day.json"
eq "N1 day: rounds" "$(echo "$j" | py 'd["summary"]["rounds"]')" 4
eq "N1 day: round starts" "$(echo "$j" |
  py '",".join(r["round_start"][11:16] for r in d["sections"]["rounds"])')" \
  "00:00,02:00,04:00,22:00"
eq "N1 day: required" "$(echo "$j" | py 'd["summary"]["required"]')" 8
eq "N1 day: tqi" "$(echo "$j" | py 'd["summary"]["tqi"]')" 0.875
eq "N1 day: the afternoon scan is unscheduled" "$(echo "$j" |
  py '[(r["time"][11:16], r["what"]) for r in d["sections"]["exceptions"]]')" \
  "[('14:00', 'unscheduled')]"
eq "N1 day: unscheduled_scans" \
  "$(echo "$j" | py 'd["summary"]["unscheduled_scans"]')" 1

j=$(rd report patrol "${W[@]}" --route N1 --month 2026-11 --json)
echo "$j" >"$WORK/n1-month.json"
eq "N1 month: rounds" "$(echo "$j" | py 'd["summary"]["rounds"]')" 8
eq "N1 month: tqi" "$(echo "$j" | py 'd["summary"]["tqi"]')" 0.5625

# ---- missed rounds name the rostered guard ----------------------------------
eq "N1 month: unwalked rounds and their guard" "$(echo "$j" | py '";".join(
  "%s %s %s" % (r["round_start"][5:16], r["guard"], r["rostered"])
  for r in d["sections"]["rounds"] if r["guard"] is None)')" \
  "11-18T00:00 None guard-zhao;11-18T02:00 None guard-zhao;11-18T04:00 None guard-zhao"
eq "N1 month: walked rounds' roster" "$(echo "$j" | py '",".join(
  r["rostered"] for r in d["sections"]["rounds"] if r["guard"])')" \
  "guard-wang,guard-wang,guard-wang,guard-wang,guard-zhao"
eq "N1 month: missed CP-02 at 02:00 is wang's" "$(echo "$j" | py '[
  (r["tag"], r["rostered"]) for r in d["sections"]["missed"]
  if r["round_start"][5:16] == "11-17T02:00"]')" "[('CP-02', 'guard-wang')]"
eq "N1 month: zhao's rostered rounds and misses" "$(echo "$j" | py '[
  (g["rostered_rounds"], g["rostered_missed"]) for g in d["sections"]["guards"]
  if g["guard"] == "guard-zhao"]')" "[(4, 6)]"
eq "--guard guard-zhao keeps the rounds rostered to zhao" \
  "$(rd report patrol "${W[@]}" --route N1 --month 2026-11 --guard guard-zhao \
  --json | py 'd["summary"]["rounds"], d["summary"]["missed"]')" "4 6"
t=$(rd report patrol "${W[@]}" --route N1 --month 2026-11)
check "text shows the rostered guard" \
  grep -Eq "^  N1 +2026-11-18 02:00 .* guard-zhao *$" <<<"$t"

# ---- each checkpoint against its own offset and tolerance -------------------
j=$(rd report patrol "${W[@]}" --route L1 --day 2026-11-17 --json)
echo "$j" >"$WORK/l1-day.json"
eq "L1 rounds: on_time/late/missed" "$(echo "$j" | py '";".join(
  "%s %s/%s/%s" % (r["round_start"][11:16], r["on_time"], r["late"],
  r["missed"]) for r in d["sections"]["rounds"])')" "10:00 2/0/0;12:00 0/1/1"
eq "L1 late: CP-04 by 2, due 12:00" "$(echo "$j" | py '[
  (r["tag"], r["minutes_late"], r["due"][11:16], r["rostered"])
  for r in d["sections"]["exceptions"] if r["what"] == "late"]')" \
  "[('CP-04', 2, '12:00', 'guard-li')]"
eq "L1 missed CP-05 due 12:40, li's" "$(echo "$j" | py '[
  (r["tag"], r["due"][11:16], r["rostered"]) for r in d["sections"]["missed"]]')" \
  "[('CP-05', '12:40', 'guard-li')]"

# ---- manual and unknown-tag scans apart ----------------------------------------
eq "L1 10:00: manual scans (verified CP-04 is not)" "$(echo "$j" | py '[
  r["manual"] for r in d["sections"]["rounds"]
  if r["round_start"][11:16] == "10:00"]')" "[2]"
eq "L1 manual_scans" "$(echo "$j" | py 'd["summary"]["manual_scans"]')" 3
j=$(rd report patrol "${W[@]}" --day 2026-11-17 --json)
echo "$j" >"$WORK/day.json"
eq "unknown tags apart" "$(echo "$j" | py '[(r["tag"], r["route"],
  r["method"], r["flagged"]) for r in d["sections"]["unknown_tags"]]')" \
  "[('CP-99', 'L1', 'qr', True), ('CP-98', None, 'manual', False)]"
eq "unknown_tag_scans" "$(echo "$j" | py 'd["summary"]["unknown_tag_scans"]')" 2

# ---- handover: the outgoing shift's misses, before the shift start -----------
j=$(rd report handover "${W[@]}" --day 2026-11-17 --json)
echo "$j" >"$WORK/handover.json"
eq "handovers: missed, shift start, before" "$(echo "$j" | py '";".join(
  "%s>%s %s %s %s" % (r["from"], r["to"], r["missed_checkpoints"],
  (r["shift_start"] or "-")[11:16], r["before_shift_start"])
  for r in d["sections"]["handovers"])')" \
  "guard-wang>guard-li 1 08:00 yes;guard-x>guard-y None  unknown;guard-li>guard-zhao 1 20:00 no"
eq "handover items: the missed checkpoints" "$(echo "$j" | py '[r["text"]
  for r in d["sections"]["items"] if r["kind"] == "missed_checkpoint"]')" \
  "['N1 2026-11-17 02:00 CP-02', 'L1 2026-11-17 12:00 CP-05']"

finish
