#!/usr/bin/env bash
# test_e2e_signatures.sh BIN: signatures that mean something (issue 15),
# end to end. A real roundsd (loopback TLS, clock pinned) keeps a staff
# list; real handhelds (clocks pinned) record offline; the office reads its
# reports as JSON:
#  - a handover is acknowledged only by its named recipient: guard-li
#    acknowledging his own handover to guard-chen is refused (exit 2,
#    naming by, nothing written); an ack that an older handheld wrote by
#    someone else reaches the office and the handover report shows it
#    invalid and the handover pending;
#  - dispatch only to staff on the site's list: ghost-person is refused
#    (exit 2, naming assignee, with a did-you-mean for a typo), and so is a
#    handover to someone off the list; an order dispatched by a handheld
#    that had not synced the list yet is flagged by the workorders report;
#  - a visitor with --id-type none is not let in (exit 2, naming id_type,
#    pointing at visit refuse); visit refuse keeps taking none;
#  - keys and tools as counted items, confirmed by the recipient: the
#    handover report shows each item's handed and confirmed count and the
#    mismatch;
#  - vacant units show their last inspection and due date (rounds list
#    vacant, roundsd report vacant);
#  - the duty log at the office (roundsd report dutylog);
#  - month end per person and category (roundsd report month).
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
OLDACK="$BIN/tests/integration/oldack"
M=60000
H=$((60 * M))
S=1795825200000 # 2026-11-28T08:20:00+08:00: the server's clock
at() { echo $((S - $1)); } # at MS_BEFORE_S
# The office's master data and the handhelds' first pull at S-11h, on
# one clock: no handheld measures an offset, so no record is clock-flagged
# (the month's figures come from verified records). Then the server runs
# at S.
export ROUNDSD_CLOCK_MS=$(at $((11 * H)))

server_init
server_start
check "site add" rd site add --site S1 --name "Jade Garden" >/dev/null
for p in guard-li:guard guard-chen:guard tech-wang:technician; do
  check "staff add ${p%%:*}" rd staff add --site S1 --staff "${p%%:*}" \
    --name "${p%%:*}" --role "${p##*:}" >/dev/null
done
for u in 3-2-1201 3-2-1202 3-2-1203; do
  check "vacant unit $u" rd unit add --site S1 --unit "$u" --vacant true >/dev/null
done
check "checkpoint CP-01" rd checkpoint add --site S1 --tag CP-01 \
  --name gate --place gate >/dev/null
ROUNDSD_CLOCK_MS=$(at $((10 * H))) check "route R1 (since S-10h)" rd route add \
  --site S1 --route R1 --name loop --interval-min 120 --checkpoints CP-01 >/dev/null
hh_new li   # its user is guard-li
hh_new chen # guard-chen
hh_new old  # guard-old: a handheld that has not pulled the staff list
hh_new bu   # guard-bu: the butler, inspections in time order
bu() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh bu "$@"; }
D=$((24 * H))
check "3-2-1201 inspected 35 days ago" bu "$(at $((35 * D)))" inspect \
  --unit 3-2-1201
check "3-2-1202 inspected 3 hours ago" bu "$(at $((3 * H)))" inspect \
  --unit 3-2-1202
ROUNDS_CLOCK_MS=$(at $((2 * H))) hh_sync bu >/dev/null || fail "bu syncs"
li() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh li "$@"; }
chen() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh chen "$@"; }
old() { local t=$1; shift; ROUNDS_CLOCK_MS=$t hh old "$@"; }
ROUNDS_CLOCK_MS=$(at $((11 * H))) hh_sync li >/dev/null || fail "li pulls"
ROUNDS_CLOCK_MS=$(at $((11 * H))) hh_sync chen >/dev/null || fail "chen pulls"
server_stop
export ROUNDSD_CLOCK_MS=$S
server_start

# ---- 2: dispatch only to staff on the list ----------------------------------
check "li scans CP-01" li "$(at $((3 * H + 50 * M)))" scan --tag CP-01 \
  --route R1
wo1=$(li "$(at $((3 * H)))" --json workorder create --place 1-1-101 \
  --category plumbing --description "tap drips" | jget id)
own=$(hh_own li)
out=$(li "$(at $((3 * H - M)))" workorder dispatch "$wo1" \
  --assignee ghost-person 2>&1)
eq "dispatch to ghost-person refused (exit 2)" "$?" 2
check "the message names assignee ($out)" grep -q "assignee" <<<"$out"
out=$(li "$(at $((3 * H - M)))" workorder dispatch "$wo1" \
  --assignee tech-wnag 2>&1)
eq "a typo is refused too" "$?" 2
check "with a did-you-mean ($out)" grep -q "did you mean 'tech-wang'" <<<"$out"
eq "nothing written" "$(hh_own li)" "$own"
check "dispatch to tech-wang" li "$(at $((3 * H - M)))" workorder dispatch \
  "$wo1" --assignee tech-wang
check "wo1 arrive" li "$(at $((2 * H + 55 * M)))" workorder arrive "$wo1" \
  --by tech-wang
check "wo1 complete" li "$(at $((2 * H + 50 * M)))" workorder complete \
  "$wo1" --signature resident --labour-min 10 --by tech-wang
check "wo1 called back by guard-li" li "$(at $((2 * H + 45 * M)))" \
  workorder callback "$wo1" --satisfaction satisfied
out=$(li "$(at $((2 * H)))" handover create --to guard-ghost 2>&1)
eq "handover to someone off the list refused (exit 2)" "$?" 2
check "the message names to ($out)" grep -q "'to'" <<<"$out"
# A handheld without the list (never pulled it) dispatches offline: the
# office's report flags it.
wo2=$(old "$(at $((3 * H)))" --json workorder create --place 2-1-201 \
  --category electrical --description "no power" | jget id)
check "old dispatches offline to ghost-person" old "$(at $((3 * H - M)))" \
  workorder dispatch "$wo2" --assignee ghost-person

# ---- 4: a visitor without an ID is not let in ------------------------------
own=$(hh_own li)
out=$(li "$(at $((2 * H + 30 * M)))" visit enter --name "Wang Wu" \
  --id-type none --id-no 123 --unit 1-1-101 --purpose visit 2>&1)
eq "visit enter --id-type none refused (exit 2)" "$?" 2
check "names id_type ($out)" grep -q "id_type" <<<"$out"
check "points at visit refuse" grep -q "visit refuse" <<<"$out"
eq "nothing written" "$(hh_own li)" "$own"
check "visit refuse takes none" li "$(at $((2 * H + 30 * M)))" visit refuse \
  --name "Wang Wu" --reason "no ID" --id-type none
check "a duty log entry" li "$(at $((2 * H + 20 * M)))" log \
  --text "fire door 3 propped open"

# ---- 1 and 3: handover to guard-chen with counted items ---------------------
out=$(li "$(at $((2 * H)))" handover create --to guard-chen \
  --items "master key=3;radio=x" 2>&1)
eq "a count that is not a number refused (exit 2)" "$?" 2
check "names items ($out)" grep -q "'items'" <<<"$out"
ho1=$(li "$(at $((2 * H)))" --json handover create --to guard-chen \
  --items "master key=3; radio=2" --notes "lift 2 noisy" | jget id)
[ -n "$ho1" ] || fail "handover created"
ho2=$(li "$(at $((H + 50 * M)))" --json handover create --to guard-chen \
  --notes "second" | jget id)
own=$(hh_own li)
out=$(li "$(at $((H + 49 * M)))" handover ack "$ho2" 2>&1)
eq "li acknowledging his own handover refused (exit 2)" "$?" 2
check "the message names by ($out)" grep -q "'by'" <<<"$out"
out=$(li "$(at $((H + 49 * M)))" handover ack "$ho2" --by guard-li 2>&1)
eq "--by guard-li refused too" "$?" 2
eq "nothing written" "$(hh_own li)" "$own"
# An older handheld's wrong ack (by guard-li) reaches the office.
check "an old-style ack by guard-li" "$OLDACK" "$WORK/hh-li" \
  "$(at $((H + 49 * M)))" "$ho2" guard-li
ROUNDS_CLOCK_MS=$(at $((H + 45 * M))) hh_sync li >/dev/null || fail "li syncs"
ROUNDS_CLOCK_MS=$(at $((H + 45 * M))) hh_sync old >/dev/null || fail "old syncs"
ROUNDS_CLOCK_MS=$(at $((H + 40 * M))) hh_sync chen >/dev/null || fail "chen pulls"
out=$(chen "$(at $((H + 30 * M)))" handover ack "$ho1" 2>&1)
eq "chen must confirm the counts (exit 2)" "$?" 2
check "names confirm ($out)" grep -q "confirm" <<<"$out"
out=$(chen "$(at $((H + 30 * M)))" handover ack "$ho1" \
  --confirm "master key=3" 2>&1)
eq "every item needs a count (exit 2)" "$?" 2
check "chen acknowledges, counting one radio" chen "$(at $((H + 30 * M)))" \
  handover ack "$ho1" --confirm "master key=3;radio=1"
ROUNDS_CLOCK_MS=$(at $((H + 20 * M))) hh_sync chen >/dev/null || fail "chen pushes"

j=$(rd report handover --site S1 --now "$S" --hours 24 --tz +08:00 --json)
echo "$j" >"$WORK/handover.json"
ho() { echo "$j" | jq_py "[r for r in d['sections']['handovers'] if r['id']=='$1'][0]['$2']"; }
eq "ho1 acknowledged by guard-chen" "$(ho "$ho1" status):$(ho "$ho1" ack_by)" \
  acknowledged:guard-chen
eq "ho1 ack valid" "$(ho "$ho1" ack_valid)" True
eq "ho2: the ack by guard-li is invalid" "$(ho "$ho2" ack_valid)" False
eq "ho2 is not acknowledged" "$(ho "$ho2" status)" pending
eq "invalid acks" "$(echo "$j" | jq_py 'd["summary"]["invalid_acks"]')" 1
eq "acknowledged" "$(echo "$j" | jq_py 'd["summary"]["acknowledged"]')" 1
item() { echo "$j" | jq_py "[r for r in d['sections']['counted_items'] if r['handover']=='$ho1' and r['item']=='$1'][0]['$2']"; }
eq "master key: 3 handed, 3 confirmed, ok" \
  "$(item "master key" handed) $(item "master key" confirmed) $(item "master key" status)" "3 3 ok"
eq "radio: 2 handed, 1 confirmed, mismatch" \
  "$(item radio handed) $(item radio confirmed) $(item radio status)" "2 1 mismatch"
eq "ho1 item mismatches" "$(ho "$ho1" item_mismatches)" 1
check "the text report shows the mismatch" bash -c "'$ROUNDSD' report handover --site S1 --now $S --hours 24 --tz +08:00 --data '$SRV' | grep -q 'radio.*mismatch'"
# chen can still acknowledge ho2 (the invalid ack does not count).
ROUNDS_CLOCK_MS=$(at $((H + 10 * M))) hh_sync chen >/dev/null || fail "chen pulls"
check "chen acknowledges ho2 after guard-li's invalid ack" \
  chen "$(at $((H + 10 * M)))" handover ack "$ho2"
out=$(chen "$(at $((H + 9 * M)))" handover ack "$ho2" 2>&1)
eq "a second valid ack is refused (exit 4)" "$?" 4

wj=$(rd report workorders --site S1 --now "$S" --hours 24 --tz +08:00 --json)
eq "ghost-person flagged by the workorders report" \
  "$(echo "$wj" | jq_py "[r['assignee'] for r in d['sections']['assignee_not_on_staff'] if r['id']=='$wo2']")" \
  "['ghost-person']"
eq "tech-wang is not flagged" \
  "$(echo "$wj" | jq_py 'd["summary"]["assignee_not_on_staff"]')" 1

# ---- 5: vacant units: last inspection and due date --------------------------
vj=$(ROUNDS_CLOCK_MS=$S hh bu list vacant --json)
vu() { echo "$vj" | jq_py "[u for u in d if u['fields']['unit']=='$1'][0]['$2']"; }
iso() { python3 -c "import datetime as t; print(t.datetime.fromtimestamp($1/1000, t.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))"; }
eq "handheld: 3-2-1201 due 30 days after its inspection" "$(vu 3-2-1201 due_ms)" \
  $((S - 5 * D))
eq "handheld: 3-2-1201 overdue" "$(vu 3-2-1201 overdue)" True
eq "handheld: 3-2-1202 due" "$(vu 3-2-1202 due_ms)" $((S - 3 * H + 30 * D))
eq "handheld: 3-2-1202 not overdue" "$(vu 3-2-1202 overdue)" False
eq "handheld: 3-2-1203 never inspected, due now" \
  "$(vu 3-2-1203 due):$(vu 3-2-1203 last_inspected):$(vu 3-2-1203 overdue)" \
  now:None:True
check "handheld text shows the due date" bash -c "ROUNDS_CLOCK_MS=$S ROUNDS_DATA=$WORK/hh-bu '$ROUNDS' list vacant | grep 3-2-1201 | grep -q OVERDUE"
rj=$(rd report vacant --site S1 --now "$S" --tz +08:00 --json)
ru() { echo "$rj" | jq_py "[u for s in ('overdue','inspected') for u in d['sections'][s] if u['unit']=='$1'][0]['$2']"; }
iso8() { python3 -c "import datetime as t; print(t.datetime.fromtimestamp($1/1000, t.timezone(t.timedelta(hours=8))).isoformat())"; }
eq "office: 3-2-1201 due" "$(ru 3-2-1201 due)" "$(iso8 $((S - 5 * D)))"
eq "office: 3-2-1201 overdue" "$(ru 3-2-1201 overdue)" True
eq "office: 3-2-1202 due" "$(ru 3-2-1202 due)" "$(iso8 $((S - 3 * H + 30 * D)))"
eq "office: 3-2-1203 due now" "$(ru 3-2-1203 due)" "$(iso8 "$S")"

# ---- 6: the duty log at the office -----------------------------------------
dj=$(rd report dutylog --site S1 --now "$S" --hours 24 --tz +08:00 --json)
dev=$(hh li status --json | jget device_id)
eq "duty log entry: time, person, device, text" \
  "$(echo "$dj" | jq_py "'|'.join(str(d['sections']['entries'][0][k]) for k in ('time','by','device','text'))")" \
  "$(iso8 $((S - 2 * H - 20 * M)))|guard-li|$dev|fire door 3 propped open"
eq "duty log entries" "$(echo "$dj" | jq_py 'd["summary"]["entries"]')" 1
check "duty log as CSV" bash -c "'$ROUNDSD' report dutylog --site S1 --now $S --hours 24 --tz +08:00 --data '$SRV' --table entries | grep -q 'fire door 3'"

# ---- 7: month end -----------------------------------------------------------
mj=$(rd report month --site S1 --month 2026-11 --now "$S" --tz +08:00 --json)
echo "$mj" >"$WORK/month.json"
pj=$(rd report patrol --site S1 --month 2026-11 --now "$S" --tz +08:00 --json)
wj=$(rd report workorders --site S1 --month 2026-11 --now "$S" --tz +08:00 --json)
mp() { echo "$mj" | jq_py "([r for r in d['sections']['people'] if r['person']=='$1'] or [{}])[0].get('$2')"; }
eq "month: guard-li's scans are the patrol report's" \
  "$(mp guard-li scans_on_time)+$(mp guard-li scans_late)" \
  "$(echo "$pj" | jq_py "'%d+%d' % tuple(sum(r[k] for r in d['sections']['guards'] if r['guard']=='guard-li') for k in ('on_time','late'))")"
eq "month: guard-li's one scan is counted" \
  "$(($(mp guard-li scans_on_time) + $(mp guard-li scans_late)))" 1
eq "month: checkpoints missed are the patrol report's" \
  "$(echo "$mj" | jq_py 'd["summary"]["checkpoints_missed"]')" \
  "$(echo "$pj" | jq_py "sum(r['missed'] for r in d['sections']['rounds'])")"
eq "month: tech-wang's orders" "$(mp tech-wang orders)" 1
eq "month: ghost-person's orders" "$(mp ghost-person orders)" 1
eq "month: tech-wang's clocks are wo1's" \
  "$(mp tech-wang clocks_met):$(mp tech-wang clocks_breached)" \
  "$(echo "$wj" | jq_py "'%d:%d' % tuple(sum(1 for c in [c for o in d['sections']['orders'] if o['id']=='$wo1' for cy in o['cycles'] for c in cy['clocks']] if c['status']==s) for s in ('met','breached'))")"
eq "month: guard-li's callbacks" "$(mp guard-li callbacks)" 1
eq "month: wo1's category clocks" \
  "$(echo "$mj" | jq_py "sum(r['met']+r['breached'] for r in d['sections']['clocks_by_category'] if r['category']=='plumbing')")" \
  "$(echo "$wj" | jq_py "sum(1 for o in d['sections']['orders'] if o['category']=='plumbing' for cy in o['cycles'] for c in cy['clocks'] if c['status'] in ('met','breached'))")"
check "month as CSV, one table" bash -c "'$ROUNDSD' report month --site S1 --month 2026-11 --now $S --tz +08:00 --data '$SRV' --table people | grep -q 'person,rounds,scans_on_time'"
check "month as text" bash -c "'$ROUNDSD' report month --site S1 --month 2026-11 --now $S --tz +08:00 --data '$SRV' | grep -q 'Per person'"

finish
