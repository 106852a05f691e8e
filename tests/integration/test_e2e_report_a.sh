#!/usr/bin/env bash
# test_e2e_report_a.sh BIN: the patrol, inside and handover reports and the
# handheld's shift report end to end: a real roundsd on loopback TLS,
# master data by `roundsd route add` / `checkpoint add` / `blacklist add`,
# two handhelds recording a scripted day offline with pinned clocks (b's
# clock 5 hours fast), `rounds sync`, then `roundsd report ...` in text,
# CSV and JSON (figures asserted with python3), `rounds report shift` on a
# handheld, and usage errors (exit 2, the message names the flag).
# The day is 2026-03-10 at +08:00; times below are local.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

M=1773072000000 # 2026-03-10T00:00+08:00
at() { echo $((M + ($1 * 60 + $2) * 60000)); }
FAST=$((5 * 3600 * 1000))
A() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh a "$@"; }
B() { local t=$1; shift; ROUNDS_CLOCK_MS=$((t + FAST)) hh b "$@"; }
# The office set the site up the evening before (routes count from then).
rd() { ROUNDSD_CLOCK_MS=$(at -6 0) "$ROUNDSD" "$@" --data "$SRV"; }
py() { # py EXPR < json: prints EXPR over d
  python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"
}
NOW=2026-03-10T11:00
W=(--site S1 --tz +08:00 --now "$NOW")

# Every clock of the day is pinned, the server's included: a sync is where
# a handheld learns the time (its offset from WELCOME, and stamps that move
# its clock), so syncing on today's real clock and then recording at
# 2026-03-10 would rightly flag every record as made with a wrong clock.
# serve_at T: (re)starts roundsd with its clock pinned at T.
serve_at() {
  [ -n "$SRV_PID" ] && server_stop
  ROUNDSD_CLOCK_MS=$1 server_start
}
ROUNDSD_CLOCK_MS=$(at -6 0) server_init
serve_at "$(at 5 0)"
for n in a b; do ROUNDSD_CLOCK_MS=$(at -6 0) hh_new $n; done

for i in 1 2 3; do
  check "checkpoint add $i" rd checkpoint add --site S1 --tag "CP-0$i" \
    --name "Point $i" --place "block $i" >/dev/null
done
check "route add" rd route add --site S1 --route R1 --name "Inner loop" \
  --interval-min 120 --window-min 15 --checkpoints CP-01,CP-02,CP-03 >/dev/null
check "blacklist add" rd blacklist add --site S1 --person "Wang Wu" \
  --reason theft >/dev/null
check "a pulls master data" A "$(at 5 0)" sync >/dev/null
check "b pulls master data" B "$(at 5 0)" sync >/dev/null

# ---- the scripted day, offline ---------------------------------------------
rec() { "$@" >/dev/null 2>>"$WORK/rec.err" || fail "record: $*"; }
rec A "$(at 6 5)" scan --tag CP-01
rec A "$(at 6 20)" scan --tag CP-03
rec A "$(at 6 25)" scan --tag CP-02
rec A "$(at 6 26)" scan --tag CP-02
rec A "$(at 7 0)" visit enter --name "Li Lei" --id-type id_card \
  --id-no 110101199003071234 --unit 1-1-101 --purpose delivery --gate A
wid=$(A "$(at 7 10)" visit enter --name "Wang Wu" --id-type other --id-no - \
  --unit 3-1-301 --purpose visit --gate A --json 2>/dev/null | jget id)
rec A "$(at 7 30)" vehicle enter --plate AB123 --type van --unit 2-1-202 --gate B
rec A "$(at 7 40)" visit exit "$wid" --gate A
rec A "$(at 7 50)" visit refuse --name "Zhang San" --reason "no host" --gate A
rec A "$(at 8 5)" scan --tag CP-01
ho1=$(A "$(at 8 30)" handover create --to guard-b --keys "2 keys" --json | jget id)
serve_at "$(at 8 35)"
check "a syncs" A "$(at 8 35)" sync >/dev/null
check "b syncs (gets the handover)" B "$(at 8 35)" sync >/dev/null
rec B "$(at 8 40)" handover ack "$ho1"
rec B "$(at 8 10)" scan --tag CP-02 # device 13:10: a round not begun at 11:00
rec B "$(at 9 0)" visit enter --name "Skew Visitor" --id-type other --id-no - \
  --unit 1-1-105 --purpose visit --gate B
ho2=$(A "$(at 10 0)" handover create --to guard-c --json | jget id)
serve_at "$(at 10 30)"
check "b syncs" B "$(at 10 30)" sync >/dev/null
check "a syncs" A "$(at 10 30)" sync >/dev/null
check "a pulls b's ops" A "$(at 10 30)" sync >/dev/null

# The server keeps serving while the reports read the store.
# ---- patrol -------------------------------------------------------------------
PW=("${W[@]}" --from 2026-03-10T06:00 --to 2026-03-10T12:00)
pj=$(rd report patrol "${PW[@]}" --json)
eq "patrol summary" "$(echo "$pj" | py '",".join(str(d["summary"][k]) for k in ["routes","rounds","required","visited","on_time","late","missed","pending","out_of_order","duplicates","anomalies","tqi"])')" \
  "1,3,6,4,2,2,2,3,1,1,0,0.6667"
eq "patrol rounds" "$(echo "$pj" | py '";".join("%s %s %s %s/%s/%s/%s/%s/%s/%s %s" % (r["round_start"][11:16], r["guard"], r["required"], r["on_time"], r["late"], r["missed"], r["pending"], r["out_of_order"], r["duplicates"], r["tqi"], r["route"]) for r in d["sections"]["rounds"])')" \
  "06:00 guard-a 3 1/2/0/0/1/1/1.0 R1;08:00 guard-a 3 1/0/2/0/0/0/0.3333 R1;10:00 None 0 0/0/0/3/0/0/None R1"
eq "patrol missed" "$(echo "$pj" | py '",".join(r["tag"] + "@" + r["round_start"][11:16] for r in d["sections"]["missed"])')" \
  "CP-02@08:00,CP-03@08:00"
eq "patrol exceptions" "$(echo "$pj" | py '",".join("%s %s %s %s" % (r["time"][11:16], r["tag"], r["what"], r["minutes_late"]) for r in d["sections"]["exceptions"])')" \
  "06:20 CP-03 late 5,06:25 CP-02 late 10,06:25 CP-02 out_of_order None,06:26 CP-02 duplicate None"
eq "patrol guards" "$(echo "$pj" | py '[list(r.values()) for r in d["sections"]["guards"]]')" \
  "[['guard-a', 2, 5, 2, 2, 1, 1, 5, 0, 0]]"
# CSV: one table per file (--table), BOM and CRLF stripped by plain_csv.
plain_csv() { sed '1s/^\xef\xbb\xbf//; s/\r$//'; }
pc=$(rd report patrol "${PW[@]}" --table summary | plain_csv)
check "patrol csv summary" grep -qx "tqi,0.67" <<<"$pc"
pc=$(rd report patrol "${PW[@]}" --table rounds | plain_csv)
check "patrol csv row" grep -qx "R1,2026-03-10T08:00:00+08:00,2026-03-10T10:00:00+08:00,guard-a,3,1,0,2,0,0,0,0.33,0,1," <<<"$pc"
pc=$(rd report patrol "${PW[@]}" --table exceptions | plain_csv)
eq "patrol csv parses" "$(python3 -c 'import csv,sys; rows=list(csv.reader(sys.stdin)); print(len(rows) - 1)' <<<"$pc")" 4
pt=$(rd report patrol "${PW[@]}")
check "patrol text title" grep -q "^Patrol report, site S1" <<<"$pt"
check "patrol text missed" grep -Eq "^  R1 +2026-03-10 08:00 +CP-03 +Point 3 +block 3" <<<"$pt"
eq "patrol --guard nobody" "$(rd report patrol "${PW[@]}" --guard nobody --json | py 'd["summary"]["rounds"]')" 0

# ---- inside -------------------------------------------------------------------
IW=("${W[@]}" --day 2026-03-10 --overstay 3h)
ij=$(rd report inside "${IW[@]}" --json)
eq "inside summary" "$(echo "$ij" | py '",".join(str(d["summary"][k]) for k in ["visitors_inside","vehicles_inside","people_inside","overstays","blacklist_hits","refused"])')" \
  "2,1,2,2,1,1"
# b's clock is 5 h fast: its visitor "entered" at 14:00 device time.
eq "inside visitors" "$(echo "$ij" | py '";".join("%s %s %s %s %s %s" % (r["name"], r["id_no"], r["time_in"][11:16], r["inside_min"], r["overstay"], r["guard"]) for r in d["sections"]["visitors"])')" \
  "Li Lei 110*************34 07:00 240 True guard-a;Skew Visitor * 14:00 -180 False guard-b"
eq "inside vehicles" "$(echo "$ij" | py '[(r["plate"], r["inside_min"], r["overstay"]) for r in d["sections"]["vehicles"]]')" \
  "[('AB123', 210, True)]"
eq "inside blacklist" "$(echo "$ij" | py '[(r["who"], r["reason"], r["status"]) for r in d["sections"]["blacklist_hits"]]')" \
  "[('Wang Wu', 'theft', 'left')]"
eq "inside refused" "$(echo "$ij" | py '[(r["name"], r["reason"], r["time"][11:16]) for r in d["sections"]["refused"]]')" \
  "[('Zhang San', 'no host', '07:50')]"
ic=$(rd report inside "${IW[@]}" --table summary | plain_csv)
check "inside csv summary" grep -qx "overstays,2" <<<"$ic"
rd report inside "${IW[@]}" --out-dir "$WORK/inside-csv" >/dev/null
ic=$(cat "$WORK"/inside-csv/*.csv) # every table
check "inside csv no raw id" bash -c "! grep -q 110101199003071234 <<<'$ic'"
eq "inside default overstay" "$(rd report inside "${W[@]}" --day 2026-03-10 --json | py 'd["summary"]["overstays"]')" 0
it=$(rd report inside "${IW[@]}")
check "inside text" grep -Eq "^  [0-9a-f]{32} +AB123 +van" <<<"$it"

# ---- handover -----------------------------------------------------------------
hj=$(rd report handover "${W[@]}" --day 2026-03-10 --json)
eq "handover summary" "$(echo "$hj" | py '",".join(str(d["summary"][k]) for k in ["handovers","acknowledged","pending","oldest_pending"])')" \
  "2,1,1,2026-03-10T10:00:00+08:00"
# The ack came from b's fast clock: 08:40 true, 13:40 device, 310 min.
eq "handover rows" "$(echo "$hj" | py '";".join("%s %s %s %s %s %s %s %s" % (r["id"]==sys.argv[0] or r["id"], r["time"][11:16], r["from"], r["to"], r["status"], r["ack_by"], r["ack_delay_min"], r["keys"]) for r in d["sections"]["handovers"])' | sed "s/$ho1/ho1/; s/$ho2/ho2/")" \
  "ho1 08:30 guard-a guard-b acknowledged guard-b 310 2 keys;ho2 10:00 guard-a guard-c pending None None None"
eq "handover items" "$(echo "$hj" | py '",".join(r["kind"] + ":" + r["text"] for r in d["sections"]["items"])')" \
  "visit:Li Lei@1-1-101,vehicle:AB123,visit:Li Lei@1-1-101,vehicle:AB123"
hc=$(rd report handover "${W[@]}" --day 2026-03-10 --table summary | plain_csv)
check "handover csv" grep -qx "pending,1" <<<"$hc"
check "handover text" bash -c "$ROUNDSD report handover --data $SRV --site S1 --tz +08:00 --now $NOW --day 2026-03-10 | grep -Eq '^  $ho1 +2026-03-10 08:30 +guard-a +guard-b +acknowledged'"

# ---- rounds report shift on handheld a (offline: the server is stopped) ---------
server_stop
sj=$(A "$(at 11 0)" report shift --since 2026-03-10T06:00 --tz +08:00 --json)
eq "shift summary" "$(echo "$sj" | py '",".join(str(d["summary"][k]) for k in ["my_scans","on_time","late","duplicates","out_of_order","missed","overdue","visitors_inside","vehicles_inside"])')" \
  "5,2,2,1,1,2,3,1,1"
eq "shift scans" "$(echo "$sj" | py '",".join(r["tag"] + ":" + r["status"] for r in d["sections"]["my_scans"])')" \
  "CP-01:on_time,CP-03:late,CP-02:late,CP-02:duplicate,CP-01:on_time"
eq "shift missed" "$(echo "$sj" | py '",".join(r["tag"] + "@" + r["round_start"][11:16] + ":" + r["state"] for r in d["sections"]["missed_so_far"])')" \
  "CP-02@08:00:missed,CP-03@08:00:missed,CP-01@10:00:overdue,CP-02@10:00:overdue,CP-03@10:00:overdue"
eq "shift inside" "$(echo "$sj" | py '",".join(r["who"] + ":" + str(r["inside_min"]) for r in d["sections"]["my_visitors_inside"])')" \
  "Li Lei:240,AB123:210"
# Default window: since a's last handover (10:00).
eq "shift default from" "$(A "$(at 11 0)" report shift --tz +08:00 --json | jget from)" \
  "2026-03-10T10:00:00+08:00"
sc=$(A "$(at 11 0)" report shift --since 2026-03-10T06:00 --tz +08:00 --format csv)
check "shift csv" grep -qx "summary,overdue,3" <<<"$sc"
st=$(A "$(at 11 0)" report shift --since 2026-03-10T06:00 --tz +08:00)
check "shift text" grep -q "^Shift report, site S1" <<<"$st"
check "shift help" bash -c "ROUNDS_DATA=$WORK/hh-a $ROUNDS report shift --help | grep -q -- --since"

# ---- usage errors ----------------------------------------------------------------
usage() { # usage DESCRIPTION FLAG-TEXT COMMAND...: exit 2, stderr names it
  local d=$1 want=$2; shift 2
  "$@" >/dev/null 2>"$WORK/usage.err"
  eq "$d exit" "$?" 2
  check "$d names $want" grep -q -- "$want" "$WORK/usage.err"
}
usage "bad --day" "--day" rd report patrol --site S1 --day 2026-13-45
usage "unknown report" "weekly" rd report weekly --site S1
usage "missing --site" "--site" rd report inside
usage "bad --overstay" "--overstay" rd report inside --site S1 --overstay soon
usage "bad --format" "--format" rd report handover --site S1 --format xml
usage "shift bad --since" "--since" hh a report shift --since yesterday
usage "shift unknown report" "weekly" hh a report weekly
usage "shift unknown flag" "--colour" hh a report shift --colour red
rd report patrol --site NOPE >/dev/null 2>&1
eq "no such site" "$?" 3

# A route the office adds at 09:30 owes no round that began before it: the
# 08:00 round is not reported, the 10:00 one is (and is running at 11:00).
check "route added mid-morning" env ROUNDSD_CLOCK_MS="$(at 9 30)" \
  "$ROUNDSD" route add --data "$SRV" --site S1 --route R9 --name "Late loop" \
  --interval-min 120 --window-min 15 --checkpoints CP-01 >/dev/null
eq "R9: only rounds after it existed" "$(rd report patrol "${W[@]}" \
  --route R9 --from 2026-03-10T06:00 --to 2026-03-10T12:00 --json \
  | py '",".join(r["round_start"][11:16] for r in d["sections"]["rounds"])')" \
  "10:00"
finish
