#!/usr/bin/env bash
# test_dash_office.sh BIN: the office's dashboard API (dash/api_office.c)
# on real stores. tests/dash/office_drive calls each handler the way the
# web core does (a request, a context with the account web:mgr, the
# site's store), and roundsd / rounds check what it wrote:
#  - /api/md/kinds is srv_md_kinds(): every kind, fields, choices;
#  - a unit added, changed and retired through POST /api/md shows in
#    `roundsd list units --json` (by web:mgr); a bad value is refused
#    naming the field; `by` cannot be given;
#  - /api/md lists with entity ids; the staff listing says whether a PIN
#    is set, never its hash; /api/staff/pin checks the digits, sets and
#    clears;
#  - /api/tags/sheet is the sheet `roundsd tags print` makes: its QR codes
#    decode (zbarimg) to payloads a synced `rounds` accepts as verified;
#    a route's sheet holds that route's checkpoints only;
#  - /api/conflicts lists the assignee conflict two handhelds make;
#    /api/resolve settles it (`roundsd conflicts` then lists none);
#  - /api/workorders shows open orders with their next clock and time
#    left; /api/workorder their op history (who, what), clocks and the
#    steps open to them now; a category, priority, status, clock, state
#    or stop is a value with its words in its column's labels (English
#    and Chinese);
#  - /api/workorder/forms is the verb table's work-order verbs (as
#    `rounds verbs --json` prints them), with words from the catalogue.
BIN=$1
. "$(dirname "$0")/lib.sh"
need_test_clock
DRIVE="$BIN/tests/dash/office_drive"

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
jq_py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# api METHOD PATH [QUERY [BODY]]: status in $WORK/status, body on stdout.
api() {
  "$DRIVE" "$SRV" S1 "$@" >"$WORK/api.out" || return 1
  sed -n 1p "$WORK/api.out" >"$WORK/status"
  sed -n 2p "$WORK/api.out" >"$WORK/disp"
  sed 1,2d "$WORK/api.out"
}
status() { cat "$WORK/status"; }
S=1795825200000 # 2026-11-28T08:20:00+08:00
export ROUNDSD_CLOCK_MS=$S
export ROUNDS_CLOCK_MS=$((S + 60000))

server_init

# ---- kinds ------------------------------------------------------------------
k=$(api GET /api/md/kinds)
eq "kinds: 200" "$(status)" 200
eq "kinds: every master-data kind" \
  "$(echo "$k" | jq_py '",".join(x["noun"] for x in d["kinds"])')" \
  "site,unit,route,checkpoint,staff,plate,blacklist,holiday,taskplan,roster"
eq "unit: its key field, required" \
  "$(echo "$k" | jq_py '[(f["flag"],f["type"],f["key"],f["required"]) for x in d["kinds"] if x["noun"]=="unit" for f in x["fields"]][0]')" \
  "('unit', 'str', True, True)"
eq "staff role: choices" \
  "$(echo "$k" | jq_py '[f["choices"] for x in d["kinds"] if x["noun"]=="staff" for f in x["fields"] if f["flag"]=="role"][0]')" \
  "['guard', 'butler', 'technician', 'office']"
eq "titles in the page's language (the roundsd catalogue)" \
  "$(ROUNDS_LOCALEDIR="$BIN/locale" OFFICE_LANG=zh-CN api GET /api/md/kinds | jq_py '[x["title"] for x in d["kinds"] if x["noun"]=="unit"][0]')" \
  "楼栋中的一户；空置房清单取自其空置标记"
eq "and in English" \
  "$(ROUNDS_LOCALEDIR="$BIN/locale" OFFICE_LANG=en api GET /api/md/kinds | jq_py '[x["title"] for x in d["kinds"] if x["noun"]=="unit"][0]')" \
  "a unit (flat) of a building; the vacant-unit list is its vacant flag"
eq "route interval: range" \
  "$(echo "$k" | jq_py '[(f["min"],f["max"]) for x in d["kinds"] if x["noun"]=="route" for f in x["fields"] if f["flag"]=="interval-min"][0]')" \
  "(1, 1440)"

# ---- units: add, set, retire ---------------------------------------------------
out=$(api POST /api/md "" '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"3-2-1201","vacant":true,"cluster":"C1"}}')
eq "unit add: 200" "$(status)" 200
uid=$(echo "$out" | jget id)
eq "unit add: created" "$(echo "$out" | jget action)" create
lu() { rd list units --site S1 --json "$@"; }
eq "roundsd list units: the unit, by web:mgr" \
  "$(lu | jq_py '[(r["key"],r["fields"]["vacant"],r["fields"]["building"],r["fields"]["by"]) for r in d]')" \
  "[('3-2-1201', True, '3', 'web:mgr')]"
eq "the id is the entity's" "$(lu | jq_py 'd[0]["id"]')" "$uid"
api POST /api/md "" "{\"site\":\"S1\",\"kind\":\"unit\",\"mode\":\"set\",\"target\":\"$uid\",\"values\":{\"resident\":\"Li Lei\",\"vacant\":false}}" >/dev/null
eq "unit set: 200" "$(status)" 200
eq "roundsd list units: changed" \
  "$(lu | jq_py '[(r["fields"]["resident"],r["fields"]["vacant"],r["fields"]["set_by"]) for r in d]')" \
  "[('Li Lei', False, 'web:mgr')]"
api POST /api/md "" '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"3-2-1201"}}' >"$WORK/dup"
eq "a second add: 409 EEXIST" "$(status) $(jq_py 'd["error"]["code"]' <"$WORK/dup")" "409 EEXIST"
api POST /api/md "" '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"1-1-101","vacant":true}}' >/dev/null
t=$(api GET /api/md "kind=units&vacant=1")
eq "vacant listing: a TABLE of the vacant unit" \
  "$(echo "$t" | jq_py '(d["kind"],d["table"]["name"],[r["cells"][0] for r in d["table"]["rows"]])')" \
  "('unit', 'units', ['1-1-101'])"
eq "table columns" \
  "$(echo "$t" | jq_py '[c["key"] for c in d["table"]["columns"]]')" \
  "['key', 'unit', 'building', 'cluster', 'vacant', 'resident', 'status']"
api POST /api/md "" "{\"site\":\"S1\",\"kind\":\"unit\",\"mode\":\"retire\",\"target\":\"$uid\",\"reason\":\"merged\"}" >/dev/null
eq "unit retire: 200" "$(status)" 200
eq "roundsd list units: retired" "$(lu | jq_py '[r["key"] for r in d]')" "['1-1-101']"
eq "roundsd list units --all: retired by web:mgr, with the reason" \
  "$(lu --all | jq_py '[(r["status"],r["fields"].get("retire_by"),r["fields"].get("retire_reason")) for r in d if r["key"]=="3-2-1201"]')" \
  "[('retired', 'web:mgr', 'merged')]"

# ---- refusals name the field --------------------------------------------------
err() { jq_py '(d["error"]["code"], d["error"].get("field"))'; }
api POST /api/md "" '{"site":"S1","kind":"route","mode":"add","values":{"route":"R9","name":"x","interval-min":"abc","checkpoints":"CP-01"}}' >"$WORK/e"
eq "bad interval: 400 naming interval-min" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'interval-min')"
api POST /api/md "" '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"2-1-1","colour":"red"}}' >"$WORK/e"
eq "unknown field: named" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'colour')"
api POST /api/md "" '{"site":"S1","kind":"staff","mode":"add","values":{"staff":"X1","name":"X"}}' >"$WORK/e"
eq "missing required role: named" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'role')"
api POST /api/md "" '{"site":"S1","kind":"staff","mode":"add","values":{"staff":"X1","name":"X","role":"pilot"}}' >"$WORK/e"
eq "bad choice: named" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'role')"
api POST /api/md "" '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"2-1-1","by":"someone"}}' >"$WORK/e"
eq "by is the account's, never a value" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'by')"
api POST /api/md "" '{"site":"S1","kind":"lift","mode":"add","values":{}}' >"$WORK/e"
eq "unknown kind: named" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'kind')"
api POST /api/md "" '{"site":"S1","kind":"unit","mode":"set","target":"00ff","values":{"vacant":true}}' >"$WORK/e"
eq "bad target: named" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'target')"
eq "nothing written by the refusals" "$(lu --all | jq_py 'len(d)')" 2

# ---- staff and PINs -----------------------------------------------------------
api POST /api/md "" '{"site":"S1","kind":"staff","mode":"add","values":{"staff":"G-01","name":"Wang","role":"guard"}}' >/dev/null
eq "staff add: 200" "$(status)" 200
api POST /api/staff/pin "" '{"site":"S1","staff":"G-01","pin":"12ab"}' >"$WORK/e"
eq "PIN not digits: 400 naming pin" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'pin')"
api POST /api/staff/pin "" '{"site":"S1","staff":"G-01","pin":"123"}' >"$WORK/e"
eq "PIN too short: 400 naming pin" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'pin')"
api POST /api/staff/pin "" '{"site":"S1","staff":"NOBODY","pin":"24681357"}' >"$WORK/e"
eq "PIN of no one: 404 naming staff" "$(status) $(err <"$WORK/e")" "404 ('ENOTFOUND', 'staff')"
api POST /api/staff/pin "" '{"site":"S1","staff":"G-01","pin":"24681357"}' >/dev/null
eq "PIN set: 200" "$(status)" 200
eq "roundsd list staff: a PIN set, by web:mgr" \
  "$(rd list staff --site S1 --json | jq_py '[(r["fields"].get("pin_hash"),r["fields"].get("pin_set_by")) for r in d]')" \
  "[('set', 'web:mgr')]"
st=$(api GET /api/md "kind=staff")
check "staff listing: no pin_hash anywhere" bash -c "! grep -q -e pin_hash -e argon2 <<<'$st'"
eq "staff listing: PIN set, and when" \
  "$(echo "$st" | jq_py '[(r["cells"][0],r["cells"][-2],r["cells"][-1]) for r in d["table"]["rows"]]')" \
  "[('G-01', True, '2026-11-28T08:20:00+08:00')]"
check "the PIN itself is nowhere in the store" bash -c \
  "! grep -rqa 24681357 '$SRV'"
api POST /api/staff/pin "" '{"site":"S1","staff":"G-01","clear":true}' >/dev/null
eq "PIN clear: 200" "$(status)" 200
eq "staff listing: PIN not set" \
  "$(api GET /api/md "kind=staff" | jq_py '[r["cells"][-2] for r in d["table"]["rows"]]')" "[False]"

for t in T-01 T-02; do
  api POST /api/md "" "{\"site\":\"S1\",\"kind\":\"staff\",\"mode\":\"add\",\"values\":{\"staff\":\"$t\",\"name\":\"Tech $t\",\"role\":\"technician\"}}" >/dev/null
  eq "technician $t added" "$(status)" 200
done

# ---- tag sheets -----------------------------------------------------------------
for i in 1 2 3; do
  api POST /api/md "" "{\"site\":\"S1\",\"kind\":\"checkpoint\",\"mode\":\"add\",\"values\":{\"tag\":\"CP-0$i\",\"name\":\"Point $i\",\"place\":\"Block $i\"}}" >/dev/null
done
api POST /api/md "" '{"site":"S1","kind":"route","mode":"add","values":{"route":"R1","name":"North","interval-min":120,"checkpoints":"CP-01, CP-02"}}' >/dev/null
eq "route add (a number for interval-min): 200" "$(status)" 200
api GET /api/tags/sheet "format=svg" >"$WORK/sheet.svg"
eq "sheet: 200, a download" "$(status) $(cat "$WORK/disp")" \
  '200 attachment; filename="tags-S1.svg"'
eq "sheet: an SVG" "$(file -b "$WORK/sheet.svg" | grep -c SVG)" 1
eq "sheet: one code per checkpoint" "$(grep -c '<path' "$WORK/sheet.svg")" 3
key=$(rd tags keys --site S1 --json | jq_py 'd[0]["key_id"]')
eq "the key made at first use, as tags print" \
  "$(rd tags payload --site S1 --tag CP-02 | cut -d. -f4)" "$key"
rd tags payload --site S1 --json | jq_py '"\n".join(sorted(r["payload"] for r in d))' >"$WORK/want.txt"
eq "sheet: the payloads roundsd tags gives" "$(grep -o 'data-payload="[^"]*"' \
  "$WORK/sheet.svg" | sed 's/data-payload="//; s/"$//' | sort)" \
  "$(cat "$WORK/want.txt")"
api GET /api/tags/sheet "route=R1&format=svg" >"$WORK/r1.svg"
eq "route R1's sheet: its two checkpoints" "$(grep -o 'data-payload="RT1\.S1\.[^.]*' \
  "$WORK/r1.svg" | sed 's/.*S1\.//' | sort | tr '\n' ' ')" "CP-01 CP-02 "
api GET /api/tags/sheet "route=R7" >"$WORK/e"
eq "sheet of no route: 404 naming route" "$(status) $(err <"$WORK/e")" "404 ('ENOTFOUND', 'route')"
api GET /api/tags/sheet "format=png" >"$WORK/e"
eq "sheet format png: 400" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'format')"
api GET /api/tags/sheet "format=pdf" >"$WORK/sheet.pdf"
eq "pdf sheet: a PDF" "$(status) $(file -b "$WORK/sheet.pdf" | grep -c '^PDF document')" "200 1"
P=""
if command -v zbarimg >/dev/null; then
  # The SVG's paths drawn as a bitmap (8 px per mm), then decoded (the
  # drawing of test_e2e_tags.sh).
  python3 - "$WORK/sheet.svg" "$WORK/svg.pgm" <<'PY'
import re, sys
svg = open(sys.argv[1]).read()
k = 8
w, h = 210 * k, int(re.search(r'viewBox="0 0 210 (\d+)"', svg).group(1)) * k
px = bytearray([255]) * (w * h)
for tx, ty, s, d in re.findall(
        r'<path transform="translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)"'
        r'[^>]* d="([^"]*)"', svg):
    tx, ty, s = float(tx), float(ty), float(s)
    for x, y, run in re.findall(r'M(\d+) (\d+)h(\d+)v1h-\d+z', d):
        x0, y0 = int((tx + int(x) * s) * k), int((ty + int(y) * s) * k)
        x1 = int((tx + (int(x) + int(run)) * s) * k)
        y1 = int((ty + (int(y) + 1) * s) * k)
        for yy in range(y0, y1):
            px[yy * w + x0:yy * w + x1] = bytes(x1 - x0)
open(sys.argv[2], 'wb').write(b'P5\n%d %d\n255\n' % (w, h) + bytes(px))
PY
  zbarimg -q --raw "$WORK/svg.pgm" 2>/dev/null | sort >"$WORK/got.txt"
  eq "sheet: the QR codes decode to the payloads" "$(cat "$WORK/got.txt")" \
    "$(cat "$WORK/want.txt")"
  P=$(grep 'CP-02' "$WORK/got.txt")
else
  echo "note: zbarimg missing (scripts/deps.sh): QR codes not decoded"
  P=$(grep 'CP-02' "$WORK/want.txt")
fi

# ---- a handheld accepts a decoded payload ----------------------------------------
PW='a long password'
for u in mgr:S1=manager clerk1:S1=clerk; do
  echo "$PW" | "$ROUNDSD" user add "${u%%:*}" --grant "${u#*:}" \
    --password-stdin --data "$SRV" >/dev/null || fail "user add ${u%%:*}"
done
server_start --web-listen 127.0.0.1:0
web_port
hh_new a
hh_new b
hh_sync a >/dev/null || fail "a syncs"
hh_sync b >/dev/null || fail "b syncs"
sid=$(hh a --json scan --payload "$P" --route R1 | jget id)
eq "rounds accepts the sheet's payload: nfc, verified" \
  "$(hh a show "$sid" --json | jq_py "[d['fields'].get(k) for k in ('tag','method','verified')]")" \
  "['CP-02', 'nfc', True]"

# ---- work orders and a conflict ------------------------------------------------
wo=$(hh a --json workorder create --place 1-1-101 --category plumbing \
  --description "burst pipe in the kitchen" --priority urgent \
  --urgent-reason pump_pipe_leak --by guard-a | jget id)
wo2=$(hh a --json workorder create --place 2-2-202 --category electrical \
  --description "socket sparks" --by guard-a | jget id)
check "a syncs the orders" hh_sync a >/dev/null
check "b gets them" hh_sync b >/dev/null
check "a dispatches offline" hh a workorder dispatch "$wo" --assignee T-01 \
  --by desk-a >/dev/null
check "b dispatches offline" hh b workorder dispatch "$wo" --assignee T-02 \
  --by desk-b >/dev/null
check "a syncs" hh_sync a >/dev/null
check "b syncs" hh_sync b >/dev/null

c=$(api GET /api/conflicts)
eq "conflicts: 200" "$(status)" 200
eq "conflicts: the order's assignee, both candidates" \
  "$(echo "$c" | jq_py '[(r["id"],r["cells"][0],r["cells"][1],sorted(x["value"] for x in r["candidates"])) for r in d["table"]["rows"]]')" \
  "[('$wo', 'workorder', 'assignee', ['T-01', 'T-02'])]"
api POST /api/resolve "" "{\"site\":\"S1\",\"id\":\"$wo\",\"field\":\"status\",\"value\":\"x\",\"reason\":\"r\"}" >"$WORK/e"
eq "resolve a field not in conflict: 404 naming field" "$(status) $(err <"$WORK/e")" "404 ('ENOTFOUND', 'field')"
api POST /api/resolve "" "{\"site\":\"S1\",\"id\":\"$wo\",\"field\":\"assignee\",\"value\":\"T-02\"}" >"$WORK/e"
eq "resolve without a reason: 400 naming reason" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'reason')"
api POST /api/resolve "" "{\"site\":\"S1\",\"id\":\"$wo\",\"field\":\"assignee\",\"value\":\"T-02\",\"reason\":\"T-02 is on shift\"}" >/dev/null
eq "resolve: 200" "$(status)" 200
eq "roundsd conflicts: none left" "$(rd conflicts --site S1 --json | jq_py 'len(d)')" 0
eq "the office's choice stands" \
  "$(rd list units --site S1 --json >/dev/null; api GET /api/workorder "id=$wo" | jq_py '(d["fields"]["assignee"],d["fields"]["resolve_by"])')" \
  "('T-02', 'web:mgr')"
eq "conflicts: empty table" "$(api GET /api/conflicts | jq_py 'len(d["table"]["rows"])')" 0

# An hour and a half later: the urgent order's technician was told late
# (2 min: dispatched, never delivered to a handheld of T-02) and is not
# on site (30 min).
export ROUNDSD_CLOCK_MS=$((S + 90 * 60000))
w=$(api GET /api/workorders)
eq "workorders: 200" "$(status)" 200
eq "workorders: both open" \
  "$(echo "$w" | jq_py '" ".join(sorted(r["id"] for r in d["table"]["rows"]))')" \
  "$(printf '%s\n' "$wo" "$wo2" | sort | tr '\n' ' ' | sed 's/ $//')"
eq "the urgent one: notify breached first, bad, time left negative" \
  "$(echo "$w" | jq_py '[(r["cells"][7],r["state"],r["cells"][9]<0) for r in d["table"]["rows"] if r["id"]=="'$wo'"]')" \
  "[('notify', 'bad', True)]"
eq "columns: the clock's time left is a duration" \
  "$(echo "$w" | jq_py '[c["type"] for c in d["table"]["columns"] if c["key"]=="left_ms"]')" "['duration']"
# A category, priority, status or clock is a value in the cells (scripts
# read it) and words in its column's labels (the page shows them).
eq "workorders: the urgent one's values in words" \
  "$(echo "$w" | jq_py '[[(c["key"],c["labels"][r["cells"][i]]) for i,c in enumerate(d["table"]["columns"]) if "labels" in c] for r in d["table"]["rows"] if r["id"]=="'$wo'"]')" \
  "[[('category', 'Plumbing'), ('priority', 'Urgent'), ('status', 'Dispatched'), ('clock', 'Notify')]]"
zw=$(ROUNDS_LOCALEDIR="$BIN/locale" OFFICE_LANG=zh-CN api GET /api/workorders)
eq "workorders in Chinese: the urgent one's values in words" \
  "$(echo "$zw" | jq_py '[[c["labels"][r["cells"][i]] for i,c in enumerate(d["table"]["columns"]) if "labels" in c] for r in d["table"]["rows"] if r["id"]=="'$wo'"]')" \
  "[['水暖', '紧急', '已派工', '通知']]"
eq "workorders in Chinese: every label has words" \
  "$(echo "$zw" | jq_py '[w for c in d["table"]["columns"] for w in (c.get("labels") or {}).values() if not any("\u4e00"<=ch<="\u9fff" for ch in w)]')" \
  "[]"
eq "search q over the place and description" \
  "$(api GET /api/workorders "q=SOCKET" | jq_py '[r["id"] for r in d["table"]["rows"]]')" "['$wo2']"
api GET /api/workorders "status=done" >"$WORK/e"
eq "bad status: 400 naming it" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'status')"
o=$(api GET /api/workorder "id=$wo")
eq "workorder: 200" "$(status)" 200
eq "history: who did what" \
  "$(echo "$o" | jq_py '[(h["action"],h["by"]) for h in d["history"]]')" \
  "[('create', 'guard-a'), ('dispatch', 'desk-a'), ('dispatch', 'desk-b'), ('set', 'web:mgr')]"
eq "history: fields, without _seen" \
  "$(echo "$o" | jq_py '[sorted(h["fields"]) for h in d["history"]][3]')" \
  "['assignee', 'resolve_by', 'resolve_reason']"
eq "cycles: cycle 1's clocks, breached ones bad" \
  "$(echo "$o" | jq_py '[(r["cells"][0],r["cells"][1],r["cells"][2],r["state"]) for r in d["cycles"]["rows"] if r["cells"][1] in ("notify","on_site")]')" \
  "[(1, 'notify', 'breached', 'bad'), (1, 'on_site', 'breached', 'bad')]"
eq "cycles: a limit and an elapsed time are spans, the time left counts down" \
  "$(echo "$o" | jq_py '[c["type"] for c in d["cycles"]["columns"] if c["key"].endswith("_ms")]')" \
  "['span', 'span', 'duration']"
eq "cycles: clocks, states and stops in words" \
  "$(echo "$o" | jq_py '[tuple(c["labels"][r["cells"][i]] for i,c in enumerate(d["cycles"]["columns"]) if "labels" in c and r["cells"][i] is not None) for r in d["cycles"]["rows"]]')" \
  "[('Notify', 'Breached', 'Not delivered yet'), ('On site', 'Breached'), ('Resolve', 'Running'), ('Feedback', 'Running')]"
zo=$(ROUNDS_LOCALEDIR="$BIN/locale" OFFICE_LANG=zh-CN api GET /api/workorder "id=$wo")
eq "cycles in Chinese: every label has words" \
  "$(echo "$zo" | jq_py '[w for c in d["cycles"]["columns"] for w in (c.get("labels") or {}).values() if not any("\u4e00"<=ch<="\u9fff" for ch in w)]')" \
  "[]"
eq "cycles: the on-site limit of an urgent order, 30 min" \
  "$(echo "$o" | jq_py '[r["cells"][5] for r in d["cycles"]["rows"] if r["cells"][1]=="on_site"]')" "[1800000]"
api GET /api/workorder "id=0123456789abcdef0123456789abcdef" >"$WORK/e"
eq "no such order: 404 naming id" "$(status) $(err <"$WORK/e")" "404 ('ENOTFOUND', 'id')"
api GET /api/workorder "id=nothex" >"$WORK/e"
eq "bad id: 400 naming id" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'id')"

# ---- the steps' forms: the handheld's verb table, walked by C ------------------
f=$(api GET /api/workorder/forms)
eq "forms: 200" "$(status)" 200
eq "forms: dispatch asks its required assignee, never by" \
  "$(echo "$f" | jq_py '[(x["name"],x["title"],x["office"],[(g["name"],g["type"],g["required"],g["asked"]) for g in x["fields"]]) for x in d["steps"] if x["name"]=="dispatch"]')" \
  "[('dispatch', 'Dispatch', True, [('assignee', 'string', True, True), ('appointment', 'time', False, True), ('by', 'string', False, False)])]"
eq "forms: callback's satisfaction, its choices and their words" \
  "$(echo "$f" | jq_py '[(g["required"],g["choices"],g["labels"]) for x in d["steps"] if x["name"]=="callback" for g in x["fields"] if g["name"]=="satisfaction"]')" \
  "[(True, ['satisfied', 'unsatisfied'], {'satisfied': 'Satisfied', 'unsatisfied': 'unsatisfied (reopens the order)'})]"
eq "forms: a field's stored name (callback's method is callback_method)" \
  "$(echo "$f" | jq_py '[g["op"] for x in d["steps"] if x["name"]=="callback" for g in x["fields"] if g["name"]=="method"]')" \
  "['callback_method']"
eq "forms: arrive and complete are the technician's" \
  "$(echo "$f" | jq_py '[x["name"] for x in d["steps"] if not x["office"]]')" \
  "['arrive', 'complete']"
# The same verbs, fields, types, flags, choices and defaults as the verb
# table the handheld's CLI prints (rounds verbs --json), in its order.
"$ROUNDS" verbs --json >"$WORK/verbs.json"
eq "forms: every work-order verb of the verb table, field for field" \
  "$(echo "$f" | jq_py '[(x["verb"],x["from"],[(g["name"],g["type"],g["required"],g["choices"],g["default"]) for g in x["fields"]]) for x in d["steps"]]')" \
  "$(jq_py '[(v["verb"],v["allowed_from"],[(g["flag"][2:].replace("-","_"),g["type"],g["required"],g.get("choices"),g["default"]) for g in v["fields"]]) for v in d if v["verb"].startswith("workorder.")]' <"$WORK/verbs.json")"
zf=$(ROUNDS_LOCALEDIR="$BIN/locale" OFFICE_LANG=zh-CN api GET /api/workorder/forms)
eq "forms in Chinese (the roundsd catalogue): titles and choices' words" \
  "$(echo "$zf" | jq_py '[(x["title"],[(g["title"],g["labels"]) for g in x["fields"] if g["name"] in ("assignee","satisfaction")]) for x in d["steps"] if x["name"] in ("dispatch","callback")]')" \
  "[('派工', [('维修人员', None)]), ('回访', [('住户评价', {'satisfied': '满意', 'unsatisfied': '不满意（重新打开）'})])]"
# A choice or field added to verbs.c shows at once; this says when its
# words (handheld/verb_words.c, po/zh_CN.po) are still missing.
eq "forms in Chinese: every step, field and choice the office asks has words" \
  "$(echo "$zf" | jq_py '[w for x in d["steps"] if x["office"] for w in [x["title"]]+[v for g in x["fields"] if g["asked"] for v in [g["title"],g["help"]]+list((g["labels"] or {}).values())] if not any("\u4e00"<=ch<="\u9fff" for ch in w)]')" \
  "[]"
OFFICE_ROLE=1 api GET /api/workorder/forms >/dev/null
eq "a clerk reads the forms" "$(status)" 200

# ---- the office's steps on work orders (the handheld's verb table) -----------
new=$(api POST /api/workorder "" '{"site":"S1","action":"create","place":"5-1-501","category":"complaint","description":"noise at night","channel":"phone","contact":"Ms Zhao","called_at":"2026-11-28T09:45"}')
eq "intake of a phone call: 200" "$(status)" 200
cid=$(echo "$new" | jget id)
eq "a reported order's steps now: the office's, by the verb table's from" \
  "$(api GET /api/workorder "id=$cid" | jq_py '" ".join(d["steps"])')" \
  "dispatch feedback escalate reply assess cancel"
api POST /api/workorder "" '{"site":"S1","action":"create","place":"5-1-501","category":"weather","description":"x"}' >"$WORK/e"
eq "a category not in the verb table: 400 naming it" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'category')"
api POST /api/workorder "" '{"site":"S1","action":"create","place":"5-1-501","category":"plumbing"}' >"$WORK/e"
eq "no description: 400 naming it" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'description')"
api POST /api/workorder "" '{"site":"S1","action":"create","place":"5-1-501","category":"plumbing","description":"x","priority":"urgent"}' >"$WORK/e"
eq "urgent without its reason: 400 naming urgent_reason" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'urgent_reason')"
api POST /api/workorder "" '{"site":"S1","action":"create","place":"5-1-501","category":"plumbing","description":"x","by":"T-01"}' >"$WORK/e"
eq "by is the account's: 400" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'by')"
api POST /api/workorder "" '{"site":"S1","action":"arrive","id":"'$cid'"}' >"$WORK/e"
eq "arrive is the technician's: 400 naming action" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'action')"
api POST /api/workorder "" '{"site":"S1","action":"dispatch","id":"'$cid'","assignee":"NOBODY"}' >"$WORK/e"
eq "dispatch to no staff member: 400 naming assignee" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'assignee')"
api POST /api/workorder "" '{"site":"S1","action":"callback","id":"'$cid'","satisfaction":"satisfied"}' >"$WORK/e"
eq "callback of a reported order: 409 ETRANSITION" "$(status) $(err <"$WORK/e")" "409 ('ETRANSITION', None)"
api POST /api/workorder "" '{"site":"S1","action":"dispatch","id":"'$cid'","assignee":"T-01"}' >/dev/null
eq "dispatch to T-01: 200" "$(status)" 200
check "a syncs the office's order" hh_sync a >/dev/null
eq "the handheld has it: channel, who took the call, dispatched" \
  "$(hh a show "$cid" --json | jq_py "[d['status']]+[d['fields'].get(k) for k in ('channel','by','assignee','dispatch_by')]")" \
  "['dispatched', 'phone', 'web:mgr', 'T-01', 'web:mgr']"
export ROUNDS_CLOCK_MS=$((S + 100 * 60000))
check "T-01 arrives" hh a workorder arrive "$cid" --by T-01
check "and completes" hh a workorder complete "$cid" --by T-01 \
  --signature Zhao --labour-min 20
check "a syncs" hh_sync a >/dev/null
export ROUNDSD_CLOCK_MS=$((S + 110 * 60000))
api POST /api/workorder "" '{"site":"S1","action":"callback","id":"'$cid'","satisfaction":"satisfied","method":"door"}' >"$WORK/e"
eq "door-to-door callback without a signature: 400 naming it" "$(status) $(err <"$WORK/e")" "400 ('EFIELD', 'signature')"
api POST /api/workorder "" '{"site":"S1","action":"callback","id":"'$cid'","satisfaction":"satisfied","method":"phone","result":"quiet now"}' >/dev/null
eq "phone callback: 200" "$(status)" 200
o=$(api GET /api/workorder "id=$cid")
eq "history: the office's intake, dispatch and callback by web:mgr" \
  "$(echo "$o" | jq_py '[(h["action"],h["by"]) for h in d["history"]]')" \
  "[('create', 'web:mgr'), ('dispatch', 'web:mgr'), ('arrive', 'T-01'), ('complete', 'T-01'), ('callback', 'web:mgr')]"
eq "called back" "$(echo "$o" | jq_py 'd["status"]')" called_back
eq "a called-back order's steps: no second callback; close or reopen" \
  "$(echo "$o" | jq_py '" ".join(d["steps"])')" \
  "feedback escalate reply assess close reopen"

# ---- roles ------------------------------------------------------------------------
OFFICE_ROLE=1 api POST /api/md "" '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"9-9-9"}}' >/dev/null
eq "a clerk may not write master data" "$(status)" 403
OFFICE_ROLE=1 api GET /api/workorders >/dev/null
eq "a clerk reads work orders" "$(status)" 200
# ---- the same over HTTPS (roundsd serve --web-listen) ----------------------------
if command -v curl >/dev/null; then
  # web [CURL ARGS] PATH: headers and body of the dashboard's answer.
  web() {
    local path=${*: -1}
    curl -s -i --max-time 20 --cacert "$SRV/server.crt" \
      --resolve "roundsd:$WP:127.0.0.1" "${@:1:$#-1}" \
      "https://roundsd:$WP$path"
  }
  hstatus() { head -1 | awk '{print $2}'; }
  hbody() { sed '1,/^\r$/d'; }
  login() { # login NAME: sets TOK (cookie) and CSRF
    local r
    r=$(web -H 'Content-Type: application/json' \
      --data "{\"name\":\"$1\",\"password\":\"$PW\"}" /api/login)
    TOK=$(tr -d '\r' <<<"$r" | sed -n 's/^Set-Cookie: \([^;]*\);.*/\1/Ip')
    CSRF=$(hbody <<<"$r" | jget csrf)
  }
  hpost() { # hpost PATH JSON [CURL ARGS]
    local path=$1 json=$2
    shift 2
    web -H 'Content-Type: application/json' -H "Cookie: $TOK" \
      -H "X-Rounds-CSRF: $CSRF" --data "$json" "$@" "$path"
  }
  login mgr
  r=$(web -H "Cookie: $TOK" "/api/md/kinds?lang=en")
  eq "https: kinds 200" "$(hstatus <<<"$r")" 200
  eq "https: kinds" "$(hbody <<<"$r" | jq_py 'len(d["kinds"])')" 10
  r=$(hpost /api/md '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"7-7-701","vacant":true}}')
  eq "https: unit add by the manager: 200" "$(hstatus <<<"$r")" 200
  eq "https: roundsd list units shows it, by the account" \
    "$(lu | jq_py '[r["fields"]["by"] for r in d if r["key"]=="7-7-701"]')" \
    "['web:mgr']"
  r=$(web -H 'Content-Type: application/json' -H "Cookie: $TOK" \
    --data '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"7-7-702"}}' /api/md)
  eq "https: a POST without its CSRF token: 403" "$(hstatus <<<"$r")" 403
  r=$(hpost /api/md '{"site":"S1","kind":"route","mode":"add","values":{"route":"R8","name":"x","interval-min":0,"checkpoints":"CP-01"}}')
  eq "https: a bad field: 400 naming it" \
    "$(hstatus <<<"$r") $(hbody <<<"$r" | err)" "400 ('EFIELD', 'interval-min')"
  r=$(web -H "Cookie: $TOK" "/api/tags/sheet?site=S1&format=pdf" | tr -d '\r')
  eq "https: the tag sheet, a PDF download" \
    "$(hstatus <<<"$r") $(grep -ci '^Content-Type: application/pdf$' <<<"$r") $(grep -ci '^Content-Disposition: attachment' <<<"$r")" \
    "200 1 1"
  r=$(web -H "Cookie: $TOK" "/api/md?site=S1&kind=staff")
  check "https: the staff listing has no PIN hash" \
    bash -c "! grep -q -e pin_hash -e argon2 <<<'$r'"
  login clerk1
  r=$(hpost /api/md '{"site":"S1","kind":"unit","mode":"add","values":{"unit":"7-7-703"}}')
  eq "https: a clerk may not write master data: 403" "$(hstatus <<<"$r")" 403
  r=$(web -H "Cookie: $TOK" "/api/workorders?site=S1&status=all")
  eq "https: a clerk reads the work orders" \
    "$(hstatus <<<"$r") $(hbody <<<"$r" | jq_py 'len(d["table"]["rows"])')" "200 3"
  r=$(hpost /api/workorder '{"site":"S1","action":"create","place":"6-1-101","category":"door_window","description":"window will not shut","channel":"visit"}')
  eq "https: a clerk takes a walk-in: 200" "$(hstatus <<<"$r")" 200
  wid=$(hbody <<<"$r" | jget id)
  eq "https: its history names the clerk's account" \
    "$(web -H "Cookie: $TOK" "/api/workorder?site=S1&id=$wid" | hbody | jq_py '[(h["action"],h["by"]) for h in d["history"]]')" \
    "[('create', 'web:clerk1')]"
else
  echo "note: no curl: the HTTPS checks did not run"
fi

server_stop
finish
