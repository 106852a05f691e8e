#!/usr/bin/env bash
# test_e2e_registers.sh BIN: the registers and recurring tasks, end to end
# (issue 15). A real roundsd (loopback TLS, clock pinned at S) merges what
# two real handhelds recorded offline with pinned clocks; the office reads
# `roundsd report registers|tasks --json`:
#  - each register (incident, owner's key, lost and found, exit slip) is
#    recorded offline, synced, converges (digests equal) and shows in the
#    office's report with the right open/closed status;
#  - a key handed out on handheld a and brought back on handheld b merges:
#    "back", with both signatures, and is no longer out;
#  - an incident time in the future is refused, naming occurred_at;
#  - a monthly task plan done last month shows overdue this month; a
#    quarterly one done this quarter does not;
#  - a phone of a register is masked on the handheld and in the report;
#    the office opens the sealed original with `roundsd pii show`, also a
#    lost item's claimant ID number sealed on its return op.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
M=60000
H=$((60 * M))
D=$((24 * H))
S=1795825200000 # 2026-11-28T08:20:00+08:00: the server's clock
at() { echo $((S - $1)); } # at MS_BEFORE_S
export ROUNDSD_CLOCK_MS=$S

server_init
server_start
hh_new a
hh_new b
ha() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh a "$@"; }
hb() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh b "$@"; }

# ---- the office's task plans (made in September), synced down ---------------
ROUNDSD_CLOCK_MS=$(at $((80 * D))) check "taskplan add FIRE-EXT" \
  rd taskplan add --site S1 --plan FIRE-EXT --name "fire extinguishers" \
  --recurrence monthly --place "all buildings"
ROUNDSD_CLOCK_MS=$(at $((80 * D))) check "taskplan add TANK" \
  rd taskplan add --site S1 --plan TANK --name "water tank cleaning" \
  --recurrence quarterly --place "plant room"
ROUNDS_CLOCK_MS=$S hh_sync a >/dev/null || fail "a pulls plans"
eq "a has the plans" "$(hh a list taskplans --json | jq_py 'len(d)')" 2
# FIRE-EXT done last month (Oct 20), TANK this quarter (Oct 21).
check "FIRE-EXT done in October" ha "$(at $((39 * D)))" task done \
  --plan FIRE-EXT --note "42 checked"
check "TANK done in October" ha "$(at $((38 * D)))" task done --plan TANK

# ---- a, offline ---------------------------------------------------------------
inc=$(ha "$(at $((3 * H)))" --json incident report --type flood \
  --place "B2 car park" --description "pipe burst, water 5 cm" \
  --occurred-at "$(at $((3 * H + 20 * M)))" --people "Wang (resident)" \
  --phone 13800138000 --actions "valve shut, area cordoned" | jget id)
check "incident escalated" ha "$(at $((2 * H + 50 * M)))" incident escalate \
  "$inc" --to "manager Zhao"
inc2=$(ha "$(at $((2 * H)))" --json incident report --type dispute \
  --place "gate A" --description "parking row" | jget id)
check "incident 2 closed" ha "$(at $((H + 50 * M)))" incident close "$inc2" \
  --note "settled"
key=$(ha "$(at $((2 * H)))" --json key out --unit 3-2-1201 \
  --key-label "front door" --to "Li (cleaner)" --signature "Li" \
  --phone 13900139000 | jget id)
key2=$(ha "$(at $((90 * M)))" --json key out --unit 5-1-301 \
  --key-label "mailbox" --to "Chen" --signature "Chen" | jget id)
lost=$(ha "$(at $((4 * H)))" --json lost found --item "black wallet" \
  --place "lobby 3" --finder "cleaner Liu" --kept-at "desk drawer" | jget id)
lost2=$(ha "$(at $((3 * H)))" --json lost found --item "umbrella" \
  --place "gym" | jget id)
check "wallet returned" ha "$(at $((60 * M)))" lost return "$lost" \
  --claimant "Sun" --id-no 110101199001011234 --phone 13700137000 \
  --signature "Sun"
slip=$(ha "$(at $((80 * M)))" --json exitslip check --slip X-0012 \
  --unit 3-2-1201 --items "sofa, 2 boxes" --result passed | jget id)
slip2=$(ha "$(at $((70 * M)))" --json exitslip check --slip X-0013 \
  --unit 6-1-101 --items "fridge, bed" --moving-out yes --result stopped \
  --reason "no release from the office" | jget id)

# ---- what is refused ------------------------------------------------------------
out=$(ha "$(at $((30 * M)))" incident report --type fire --place x \
  --description y --occurred-at "$(at $((20 * M)))" 2>&1)
eq "future incident time refused (exit 2)" "$?" 2
check "the message names occurred_at ($out)" grep -q "occurred_at" <<<"$out"
check "5 minutes ahead is taken" ha "$(at $((30 * M)))" incident report \
  --type other --place x --description y \
  --occurred-at "$(at $((26 * M)))" >/dev/null
out=$(ha "$(at $((30 * M)))" exitslip check --slip X-1 --unit 1-1-1 \
  --items bed --moving-out yes --result passed 2>&1)
eq "moving out without release refused" "$?" 2
check "the message names release ($out)" grep -q "release" <<<"$out"
out=$(ha "$(at $((30 * M)))" key back "$key2" 2>&1)
eq "key back without a signature refused" "$?" 2
key3=$(ha "$(at $((85 * M)))" --json key out --unit 5-1-301 \
  --key-label "back door" --to "Chen" --signature "Chen" | jget id)
out=$(ha "$(at $((30 * M)))" key back 5-1-301 --signature Chen 2>&1)
eq "two keys of a unit out: the unit is refused" "$?" 2
check "the message asks for the id ($out)" grep -q "give the key's id" \
  <<<"$out"
check "key 3 back by id" ha "$(at $((29 * M)))" key back "$key3" \
  --signature Chen
eq "masked phone on the handheld" "$(hh a show "$key" --json |
  jq_py "d['fields']['phone']")" "*******9000"

# ---- sync; b brings back a's key by its unit ----------------------------------
ROUNDS_CLOCK_MS=$S hh_sync a >/dev/null || fail "a syncs"
ROUNDS_CLOCK_MS=$S hh_sync b >/dev/null || fail "b pulls"
check "key back on b by unit" hb "$((S + M))" key back --unit 3-2-1201 \
  --signature "Li" --note "all fine"
check "lost umbrella disposed on b" hb "$((S + M))" lost dispose "$lost2" \
  --reason "unclaimed 30 days"
ROUNDS_CLOCK_MS=$((S + 2 * M)) hh_sync b >/dev/null || fail "b pushes"
ROUNDS_CLOCK_MS=$((S + 2 * M)) hh_sync a >/dev/null || fail "a pulls"
eq "a and the server agree" "$(hh_digest a)" "$(srv_digest)"
eq "b and the server agree" "$(hh_digest b)" "$(srv_digest)"
eq "keys out on a" "$(hh a list keys --json | jq_py 'len(d)')" 1

# ---- the office's registers report ---------------------------------------------
j=$(rd report registers --site S1 --now "$((S + 5 * M))" --hours 24 \
  --tz +08:00 --json)
echo "$j" >"$WORK/registers.json"
row() { echo "$j" | jq_py "[r for r in d['sections']['$1'] if r['id']=='$2'][0]['$3']"; }
eq "incident status" "$(row incidents "$inc" status)" escalated
eq "incident escalated to" "$(row incidents "$inc" escalated_to)" "manager Zhao"
eq "incident occurred at" "$(row incidents "$inc" occurred_at)" \
  "2026-11-28T05:00:00+08:00"
eq "incident phone masked" "$(row incidents "$inc" phone)" "*******8000"
eq "incident 2 status" "$(row incidents "$inc2" status)" closed
eq "key status (back on b)" "$(row keys "$key" status)" back
eq "key signature out" "$(row keys "$key" signature)" Li
eq "key back signature" "$(row keys "$key" back_signature)" Li
eq "key back by b's user" "$(row keys "$key" back_by)" guard-b
eq "key 2 still out" "$(row keys "$key2" status)" out
eq "wallet returned" "$(row lostfound "$lost" status)" returned
eq "wallet claimant" "$(row lostfound "$lost" claimant)" Sun
eq "umbrella disposed" "$(row lostfound "$lost2" status)" disposed
eq "slip passed" "$(row exitslips "$slip" result)" passed
eq "slip 2 stopped" "$(row exitslips "$slip2" result)" stopped
sum() { echo "$j" | jq_py "d['summary']['$1']"; }
eq "summary keys_out" "$(sum keys_out)" 1
eq "summary incidents_open" "$(sum incidents_open)" 2
eq "summary lostfound_returned" "$(sum lostfound_returned)" 1
eq "summary exitslips_stopped" "$(sum exitslips_stopped)" 1
# the office opens a register's sealed personal data, with a reason
got=$(rd pii show "$inc" --site S1 --reason "insurer asks" --json)
eq "office opens the incident's phone" "$(jq_py "d['fields']['phone']" \
  <<<"$got")" 13800138000
got=$(rd pii show "$lost" --site S1 --reason "claim disputed" --json)
eq "office opens the claimant's ID number" "$(jq_py "d['fields']['id_no']" \
  <<<"$got")" 110101199001011234
check "registers as CSV" rd report registers --site S1 --now "$S" \
  --hours 24 --table keys >/dev/null

# ---- the tasks report: monthly done last month is overdue this month --------
t=$(rd report tasks --site S1 --at "$S" --tz +08:00 --json)
echo "$t" >"$WORK/tasks.json"
plan() { echo "$t" | jq_py "[r for r in d['sections']['plans'] if r['plan']=='$1'][0]['$2']"; }
eq "FIRE-EXT overdue" "$(plan FIRE-EXT overdue)" True
eq "FIRE-EXT status" "$(plan FIRE-EXT status)" overdue
eq "FIRE-EXT last done" "$(plan FIRE-EXT last_done)" \
  "2026-10-20T08:20:00+08:00"
eq "FIRE-EXT due" "$(plan FIRE-EXT due)" "2026-11-20T08:20:00+08:00"
eq "FIRE-EXT period" "$(plan FIRE-EXT period_start)" \
  "2026-11-01T00:00:00+08:00"
eq "TANK not overdue" "$(plan TANK overdue)" False
eq "TANK done this quarter" "$(plan TANK status)" done
eq "summary overdue" "$(echo "$t" | jq_py "d['summary']['overdue']")" 1
check "FIRE-EXT done now" ha "$((S + 10 * M))" task done --plan FIRE-EXT
ROUNDS_CLOCK_MS=$((S + 11 * M)) hh_sync a >/dev/null || fail "a pushes task"
t=$(rd report tasks --site S1 --at "$((S + 20 * M))" --tz +08:00 --json)
eq "FIRE-EXT done after the check" "$(plan FIRE-EXT status)" done

finish
