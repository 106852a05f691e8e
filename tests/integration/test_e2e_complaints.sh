#!/usr/bin/env bash
# test_e2e_complaints.sh BIN: complaints, callbacks and working days, end
# to end (issue 15). A real roundsd (loopback TLS, clock pinned at S,
# Thursday 2026-11-26 12:00 +08:00) merges what two real handhelds
# recorded with pinned clocks: a (the desk) files and works the orders, b
# (a butler) makes callbacks; the office keeps the holiday calendar with
# `roundsd holiday add` and reads `roundsd report complaints|callbacks
# --json`:
#  - a complaint whose feedback came 4 h 30 after the call is breached on
#    feedback (270 min);
#  - a serious complaint called on Wednesday 11-18 10:00, with Thursday
#    and Friday holidays and Saturday 11-21 a worked weekend day (调休),
#    is due on Thursday 11-26 10:00 (Monday to Friday: 11-25; without the
#    worked Saturday: 11-27), and solved at 09:30 it is met; it was
#    escalated; its deferred reply is due at the agreed time; a reply
#    on the phone is feedback;
#  - a serious complaint nobody escalated shows escalation "missing";
#  - callbacks: 8 completions need one (an anonymous complaint needs
#    none), 7 have one: coverage 0.875, the one missing listed; of 7
#    callback records 4 are door-to-door signed and 1 is a fourth
#    callback by phone (phone is enough): door share 4/6;
#  - a door-to-door callback without the resident's signature is refused
#    (exit 2, naming signature); a holiday that is no day is refused.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
M=60000
H=$((60 * M))
NOV1=1793462400000 # 2026-11-01T00:00+08:00
# at DAY HH:MM: ms of 2026-11-DAY HH:MM +08:00
at() {
  local h=${2%:*} m=${2#*:}
  echo $((NOV1 + ($1 - 1) * 24 * H + 10#$h * H + 10#$m * M))
}
S=$(at 26 12:00)
T=$((S + 5 * M))
export ROUNDSD_CLOCK_MS=$S

server_init
server_start
hh_new a
hh_new b
ha() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh a "$@"; }
hb() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh b "$@"; }
wo() { # wo TIME ARGS...: creates an order, prints its id
  local t=$1; shift
  ha "$t" --json workorder create --called-at "$t" "$@" | jget id
}
work() { # work ORDER DAY FROM..: dispatch, arrive, complete at DAY HH:MM
  local o=$1 d=$2
  check "$o dispatch" ha "$(at "$d" "$3")" workorder dispatch "$o" \
    --assignee tech-zhou
  check "$o arrive" ha "$(at "$d" "$4")" workorder arrive "$o"
  check "$o complete" ha "$(at "$d" "$5")" workorder complete "$o" \
    --signature resident --labour-min 20
}

# ---- the holiday calendar, kept by the office -------------------------------
check "holiday 11-19" rd holiday add --site S1 --date 2026-11-19 \
  --name "estate day" >/dev/null
check "holiday 11-20" rd holiday add --site S1 --date 2026-11-20 >/dev/null
check "worked Saturday 11-21" rd holiday add --site S1 --date 2026-11-21 \
  --type workday --name "in exchange for 11-20" >/dev/null
out=$(rd holiday add --site S1 --date 2026-11-31 2>&1)
eq "no such day refused (exit 2)" "$?" 2
check "the message names --date ($out)" grep -q -- "--date" <<<"$out"
eq "three days listed" "$(rd list holidays --site S1 --json |
  jq_py "[r['key'] for r in d]")" "['2026-11-19', '2026-11-20', '2026-11-21']"

# ---- b: the serious complaint across the holidays (Wed 11-18 10:00) ---------
cB=$(wo "$(at 18 10:00)" --place 2-1-201 --category complaint \
  --description "noise from the pump room" --contact "li 138" \
  --channel letter --severity serious)
check "cB assessed valid" ha "$(at 18 10:05)" workorder assess "$cB" \
  --valid true --severity serious
check "cB dispatch" ha "$(at 18 10:10)" workorder dispatch "$cB" \
  --assignee tech-zhou
check "cB arrive (40 min)" ha "$(at 18 10:40)" workorder arrive "$cB"
check "cB escalated" ha "$(at 18 11:00)" workorder escalate "$cB" \
  --to manager-wang --note "pump noise at night"
check "cB feedback (2 h)" ha "$(at 18 12:00)" workorder feedback "$cB" \
  --method phone --note "engineer came"
check "cB reply deferred" ha "$(at 18 12:01)" workorder reply "$cB" \
  --text "will check with the pump maker" --answer-by "$(at 20 10:00)"
check "cB replied" ha "$(at 19 09:00)" workorder reply "$cB" \
  --text "new mounts ordered" --method letter

# ---- R4: four callbacks, three unsatisfied (11-24) --------------------------
r4=$(wo "$(at 24 08:00)" --place 3-1-301 --category plumbing \
  --description "drain")
work "$r4" 24 08:05 08:10 09:00
check "r4 callback 1 door" ha "$(at 24 09:30)" workorder callback "$r4" \
  --satisfaction unsatisfied --method door --signature zhang
work "$r4" 24 09:40 09:45 10:00
check "r4 callback 2 phone" ha "$(at 24 10:30)" workorder callback "$r4" \
  --satisfaction unsatisfied --method phone
work "$r4" 24 10:40 10:45 11:00
check "r4 callback 3 door" ha "$(at 24 11:30)" workorder callback "$r4" \
  --satisfaction unsatisfied --method door --signature zhang
work "$r4" 24 11:40 11:45 12:00
check "r4 callback 4 phone" ha "$(at 24 12:30)" workorder callback "$r4" \
  --satisfaction satisfied --method phone --result "fixed for good"

# ---- 11-25: three repairs and an anonymous serious complaint ----------------
r1=$(wo "$(at 25 08:00)" --place 1-1-101 --category plumbing --description a)
work "$r1" 25 08:05 08:15 10:00
r2=$(wo "$(at 25 08:30)" --place 1-1-102 --category electrical --description b)
work "$r2" 25 08:35 08:45 11:00
r3=$(wo "$(at 25 09:00)" --place 1-1-103 --category door_window --description c)
work "$r3" 25 09:05 09:15 11:30
cC=$(wo "$(at 25 09:00)" --place "gate A" --category complaint \
  --description "rude guard" --channel online --anonymous true \
  --severity serious)
work "$cC" 25 09:05 09:30 15:00
out=$(ha "$(at 25 09:01)" workorder create --place x --category complaint \
  --description x --anonymous true --contact "li 138" 2>&1)
eq "anonymous with a contact refused (exit 2)" "$?" 2

# ---- 11-26: a complaint whose feedback came after 4 h 30 --------------------
cA=$(wo "$(at 26 06:00)" --place 5-1-501 --category complaint \
  --description "lift smells" --contact "wu 139" --channel phone)
cD=$(wo "$(at 26 07:00)" --place 5-1-502 --category complaint \
  --description "bin not emptied" --contact "he 137" --channel desk)
check "cD answered on the phone at 09:00" ha "$(at 26 09:00)" workorder reply \
  "$cD" --text "emptied this morning" --method phone
check "cB complete 11-26 09:30" ha "$(at 26 09:30)" workorder complete "$cB" \
  --signature li --labour-min 90
check "cA feedback at 10:30" ha "$(at 26 10:30)" workorder feedback "$cA"

# ---- b calls back ---------------------------------------------------------------
ROUNDS_CLOCK_MS=$S hh_sync a >/dev/null || fail "a syncs"
ROUNDS_CLOCK_MS=$S hh_sync b >/dev/null || fail "b pulls"
out=$(hb $((S + M)) workorder callback "$cB" --satisfaction satisfied \
  --method door 2>&1)
eq "door callback without signature refused (exit 2)" "$?" 2
check "the message names signature ($out)" grep -q "signature" <<<"$out"
check "cB callback door signed" hb $((S + M)) workorder callback "$cB" \
  --satisfaction satisfied --method door --signature li --result "quiet now"
check "r1 callback phone" hb $((S + 2 * M)) workorder callback "$r1" \
  --satisfaction satisfied --method phone
check "r3 callback door signed" hb $((S + 2 * M)) workorder callback "$r3" \
  --satisfaction satisfied --method door --signature chen
ROUNDS_CLOCK_MS=$((S + 3 * M)) hh_sync b >/dev/null || fail "b pushes"
ROUNDS_CLOCK_MS=$((S + 3 * M)) hh_sync a >/dev/null || fail "a pulls"
eq "a and the server agree" "$(hh_digest a)" "$(srv_digest)"
eq "b and the server agree" "$(hh_digest b)" "$(srv_digest)"
eq "the calendar synced down" "$(hh a list holidays --json |
  jq_py "len(d)")" 3

# ---- the complaint register ---------------------------------------------------
win=(--site S1 --now "$T" --from 2026-11-18 --to "$T" --tz +08:00)
j=$(rd report complaints "${win[@]}" --json)
echo "$j" >"$WORK/complaints.json"
row() { echo "$j" | jq_py "[r for r in d['sections']['complaints'] if r['id']=='$1'][0]$2"; }
clk() { # clk ORDER CYCLE CLOCK FIELD
  row "$1" "['clocks']" | python3 -c "
import ast,sys; c=[x for x in ast.literal_eval(sys.stdin.read()) if x['cycle']==$2 and x['clock']=='$3'][0]; print(c['$4'])"
}
eq "complaints listed" "$(echo "$j" | jq_py 'd["summary"]["complaints"]')" 4
eq "cA feedback" "$(row "$cA" "['feedback']")" breached
eq "cA feedback elapsed" "$(clk "$cA" 1 feedback elapsed_min)" 270
eq "cA feedback limit" "$(clk "$cA" 1 feedback limit_min)" 240
eq "cA channel" "$(row "$cA" "['channel']")" phone
eq "cD feedback: a reply told the resident" "$(row "$cD" "['feedback']")" met
eq "cD feedback stopped by" "$(clk "$cD" 1 feedback stopped_by)" reply
eq "cD reply: answered on the spot" "$(row "$cD" "['reply']")" n/a
eq "cB resolve due (5 working days by the calendar)" \
  "$(clk "$cB" 1 resolve due)" "2026-11-26T10:00:00+08:00"
eq "cB resolve" "$(row "$cB" "['resolve']")" met
eq "cB feedback" "$(row "$cB" "['feedback']")" met
eq "cB on_site" "$(row "$cB" "['on_site']")" met
eq "cB escalation" "$(row "$cB" "['escalation']")" done
eq "cB escalated to" "$(row "$cB" "['escalated_to']")" manager-wang
eq "cB valid" "$(row "$cB" "['valid']")" True
eq "cB reply" "$(row "$cB" "['reply']")" met
eq "cB reply due (the agreed time)" "$(row "$cB" "['reply_due']")" \
  "2026-11-20T10:00:00+08:00"
eq "cC escalation" "$(row "$cC" "['escalation']")" missing
eq "cC anonymous" "$(row "$cC" "['anonymous']")" True
eq "serious not escalated" \
  "$(echo "$j" | jq_py 'd["summary"]["serious_not_escalated"]')" 1
eq "feedback breaches" \
  "$(echo "$j" | jq_py 'd["summary"]["feedback_breached"]')" 1
check "CSV of the register" rd report complaints "${win[@]}" \
  --table complaints >/dev/null
check "text of the register" rd report complaints "${win[@]}" >/dev/null

# Retiring the worked Saturday moves the deadline to Friday 11-27.
check "retire 11-21" rd holiday retire --site S1 --date 2026-11-21 >/dev/null
eq "cB due without the worked Saturday" "$(rd report complaints "${win[@]}" \
  --json | jq_py "[c['due'] for r in d['sections']['complaints'] if r['id']=='$cB' for c in r['clocks'] if c['clock']=='resolve'][0]")" \
  "2026-11-27T10:00:00+08:00"

# ---- callbacks ------------------------------------------------------------------
j=$(rd report callbacks "${win[@]}" --json)
echo "$j" >"$WORK/callbacks.json"
sm() { echo "$j" | jq_py "d['summary']['$1']"; }
eq "completions needing a callback" "$(sm completed)" 8
eq "called back" "$(sm called_back)" 7
eq "coverage" "$(sm coverage)" 0.875
eq "missing" "$(echo "$j" | jq_py "[r['order'] for r in d['sections']['missing']]")" \
  "['$r2']"
eq "callback records" "$(sm callbacks)" 7
eq "door-to-door signed" "$(sm door_signed)" 4
eq "phone enough (a fourth callback)" "$(sm phone_enough)" 1
eq "door share" "$(sm door_share)" 0.6667
eq "door share target" "$(sm door_share_target)" 0.4
eq "reopened by a callback" "$(sm reopened)" 3
eq "per method" "$(echo "$j" | jq_py "{r['method']: r['callbacks'] for r in d['sections']['by_method']}")" \
  "{'door': 4, 'phone': 3, 'letter': 0, '-': 0}"
check "CSV of callbacks" rd report callbacks "${win[@]}" --table missing \
  >/dev/null

finish
