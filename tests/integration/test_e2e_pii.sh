#!/usr/bin/env bash
# Personal data end to end (proto/pii.h): a handheld that has synced seals a
# visitor's ID number and phone to the office's key and keeps only masked
# forms, so neither its store nor the server's holds them readable; the
# office opens them only with a reason, and that access is an op synced to
# the handhelds; after the retention period the key is purged and nothing
# can open them again. A handheld with no key yet keeps the masked forms
# only and says so.
BIN=${1:?usage: test_e2e_pii.sh BUILD_DIR}
. "$(dirname "$0")/lib.sh"
need_test_clock

IDNO=110101199003071234
PHONE=13812345678
DRIVER=13987654321
DAY=86400000
T0=1795824000000 # 2026-11-28T00:00Z
rd() { ROUNDSD_CLOCK_MS=${CLOCK:-$T0} "$ROUNDSD" "$@" --data "$SRV"; }
# Every roundsd command, serve and enroll included, runs at T0 unless rd
# says otherwise: the site's first key is made at T0, so the retention
# below counts from a fixed day, not from the day the test runs.
export ROUNDSD_CLOCK_MS=$T0

server_init
server_start
hh_new A
# Before its first sync the handheld has no office key: masked only.
out=$(ROUNDS_CLOCK_MS=$T0 hh A visit enter --name "Early Bird" --id-type id_card \
  --id-no 110101198001010011 --unit 1-1-101 --purpose visit 2>&1)
check "no key: warned" grep -q "no office key for personal data" <<<"$out"
early=$(sed -n 's/^visit.enter \([0-9a-f]*\)$/\1/p' <<<"$out")

check "first sync" hh_sync A
vid=$(ROUNDS_CLOCK_MS=$((T0 + 1000)) hh A visit enter --name "Wang Wei" \
  --id-type id_card --id-no $IDNO --phone $PHONE --unit 3-2-1201 \
  --purpose delivery --json | jget id)
eq "sealed visit recorded" "${#vid}" 32
vh=$(ROUNDS_CLOCK_MS=$((T0 + 2000)) hh A vehicle enter --plate "沪A12345" \
  --phone $DRIVER --json | jget id)
json=$(hh A show "$vid" --json)
eq "id_no masked on the handheld" "$(jget fields <<<"$json" | python3 -c \
  'import ast,sys; print(ast.literal_eval(sys.stdin.read())["id_no"])')" \
  "110*************34"
check "phone masked on the handheld" grep -q '\*\*\*\*\*\*\*5678' <<<"$json"

# At rest: neither number is anywhere in the handheld's store file.
for s in $IDNO $PHONE $DRIVER; do
  check "handheld store holds no $s" bash -c "! grep -qa $s $WORK/hh-A/data.mdb"
done
check "sync up" hh_sync A
for s in $IDNO $PHONE $DRIVER; do
  check "server store holds no $s" bash -c \
    "! grep -qa $s $SRV/sites/S1/data.mdb"
done

# The office: a reason is required; the access is recorded first.
rd pii show "$vid" --site S1 >/dev/null 2>&1
eq "show without --reason: usage" "$?" 2
got=$(rd pii show "$vid" --site S1 --reason "police request 2026-118" \
  --by clerk-zhou --json)
eq "office opens the ID number" "$(python3 -c \
  'import json,sys; print(json.load(sys.stdin)["fields"]["id_no"])' <<<"$got")" $IDNO
eq "office opens the phone" "$(python3 -c \
  'import json,sys; print(json.load(sys.stdin)["fields"]["phone"])' <<<"$got")" $PHONE
got=$(rd pii show "$vh" --site S1 --reason "parking complaint" --json)
eq "driver's phone" "$(python3 -c \
  'import json,sys; print(json.load(sys.stdin)["fields"]["phone"])' <<<"$got")" $DRIVER
log=$(rd pii log --site S1 --json)
eq "two accesses logged" "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$log")" 2
check "log names who and why" python3 -c '
import json,sys
d=json.loads(sys.argv[1])
a=[e for e in d if e["target"]==sys.argv[2]][0]
assert a["by"]=="clerk-zhou" and a["reason"]=="police request 2026-118", a
assert a["fields"]=="id_no,phone", a' "$log" "$vid"
rd pii show "$early" --site S1 --reason x >/dev/null 2>&1
eq "masked-only record: not found" "$?" 3
rd pii show 00000000000000000000000000000001 --site S1 --reason x >/dev/null 2>&1
eq "no such record" "$?" 3

# The accesses reach the handhelds like any office op.
check "sync down" hh_sync A
eq "access ops on the handheld" "$(hh A list pii_access --json 2>/dev/null \
  | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2
eq "digests equal" "$(hh_digest A)" "$(srv_digest)"

# Retention: 31 days on, purge rotates the key (older than 30 days) and
# publishes the new one; the old one is deleted 180 days after it retired.
CLOCK=$((T0 + 31 * DAY)) rd pii purge --json >"$WORK/purge1.json"
first() { python3 -c 'import json,sys; v=json.load(sys.stdin)[0][sys.argv[1]]; print(str(v).lower() if isinstance(v,bool) else v)' "$1"; }
eq "rotated" "$(first rotated <"$WORK/purge1.json")" true
eq "nothing deleted yet" "$(first deleted <"$WORK/purge1.json")" 0
eq "still opens within retention" "$(CLOCK=$((T0 + 100 * DAY)) rd pii show \
  "$vid" --site S1 --reason audit --json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["fields"]["id_no"])')" $IDNO
check "handheld learns the new key" hh_sync A
v2=$(ROUNDS_CLOCK_MS=$((T0 + 40 * DAY)) hh A visit enter --name "Li Na" \
  --id-type passport --id-no E98765432 --unit 2-2-202 --purpose visit --json \
  | jget id)
check "sync the new visit" hh_sync A
CLOCK=$((T0 + 212 * DAY)) rd pii purge --json >"$WORK/purge2.json"
eq "old key deleted after 180 days" "$(first deleted <"$WORK/purge2.json")" 1
CLOCK=$((T0 + 212 * DAY)) rd pii show "$vid" --site S1 --reason late \
  >/dev/null 2>"$WORK/purged.err"
eq "purged: not found" "$?" 3
check "purged: says so" grep -q "purged" "$WORK/purged.err"
eq "the newer visit still opens" "$(CLOCK=$((T0 + 212 * DAY)) rd pii show \
  "$v2" --site S1 --reason audit --json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["fields"]["id_no"])')" E98765432
eq "the purged visit keeps its facts" "$(hh A show "$vid" --json | python3 -c '
import json,sys
f=json.load(sys.stdin)["fields"]
print(f["name"], f["unit"], f["id_no"])')" "Wang Wei 3-2-1201 110*************34"
eq "keys listed" "$(rd pii keys --json | python3 -c \
  'import json,sys; print(sorted(k["status"] for k in json.load(sys.stdin)))')" \
  "['current', 'retired']"
# Retention per site from the configuration: S2 keeps 30 days.
hh_new B S2
check "B syncs S2's key" hh_sync B
v3=$(ROUNDS_CLOCK_MS=$((T0 + 213 * DAY)) hh B visit enter --name "Zhou" \
  --id-type id_card --id-no 310101199505050022 --unit 9-1-101 --purpose x \
  --json | jget id)
check "sync S2" hh_sync B
printf 'retention_days = 180\nretention_days.S2 = 30\n' >"$WORK/rd.conf"
CLOCK=$((T0 + 244 * DAY)) rd pii purge --config "$WORK/rd.conf" --json \
  >"$WORK/purge3.json"
check "S2 rotated and nothing of S1 deleted" python3 -c '
import json,sys
d={e["site"]: e for e in json.load(open(sys.argv[1]))}
assert d["S2"]["rotated"] and d["S2"]["deleted"] == 0, d
assert d["S1"]["deleted"] == 0, d' "$WORK/purge3.json"
CLOCK=$((T0 + 275 * DAY)) rd pii purge --config "$WORK/rd.conf" --json \
  >"$WORK/purge4.json"
check "S2's key deleted after 30 days, S1's kept" python3 -c '
import json,sys
d={e["site"]: e for e in json.load(open(sys.argv[1]))}
assert d["S2"]["deleted"] == 1 and d["S1"]["deleted"] == 0, d' \
  "$WORK/purge4.json"
CLOCK=$((T0 + 275 * DAY)) rd pii show "$v3" --site S2 --reason x >/dev/null 2>&1
eq "S2's visit purged" "$?" 3
eq "S1's newer visit still opens" "$(CLOCK=$((T0 + 275 * DAY)) rd pii show \
  "$v2" --site S1 --reason audit --json | python3 -c \
  'import json,sys; print(json.load(sys.stdin)["fields"]["id_no"])')" E98765432
finish
