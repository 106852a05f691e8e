#!/usr/bin/env bash
# test_ops_migrate.sh BIN: `roundsd migrate` on a copy of the checked-in
# format-1 site store (tests/storage/data/format1/server: 45 ops of three
# handhelds and the office, 41 records): it reports format 1 -> 4 for the
# site and 4 (current) for the registry, changes no record (same digest
# and op count as the fixture was made with), a second run has nothing to
# do, and the migrated site serves a new handheld all 45 ops.
BIN=$1
. "$(dirname "$0")/lib.sh"
FIX="$(dirname "$0")/../storage/data/format1/server/data.mdb"
DIGEST=5c37fb6d5c0577d8c3f7cc2c28636b91391b6b29875ab2f41f42e118143da108

server_init
mkdir -p "$SRV/sites/S1"
cp "$FIX" "$SRV/sites/S1/data.mdb"
chmod 600 "$SRV/sites/S1/data.mdb"

# Read-only, the old store reads as it is: no migration.
j=$("$ROUNDSD" dump --data "$SRV" --site S1 --ops --json)
eq "fixture digest" "$(jget digest <<<"$j")" "$DIGEST"
eq "fixture ops" "$(jget ops <<<"$j")" 45
eq "fixture records" "$(jget count <<<"$j")" 41
out=$("$ROUNDSD" check-config --data "$SRV"); rc=$?
eq "check-config on the old store" "$rc" 0
grep -q "1 site store open (S1)" <<<"$out" || fail "check-config: $out"

j=$("$ROUNDSD" migrate --data "$SRV" --json); rc=$?
eq "migrate: exit" "$rc" 0
python3 - "$j" <<'PY' || fail "migrate --json: $j"
import json, sys
d = json.loads(sys.argv[1])
s = {x["store"]: x for x in d["stores"]}
assert list(s) == ["registry", "site S1"], s
assert s["registry"]["format_before"] == 4 and s["registry"]["format_after"] == 4
assert s["registry"]["migrated"] is False
assert s["site S1"]["format_before"] == 1 and s["site S1"]["format_after"] == 4
assert s["site S1"]["migrated"] is True and s["site S1"]["ok"] is True
assert d["migrated"] == 1 and d["failed"] == 0 and d["format"] == 4
PY
j=$("$ROUNDSD" dump --data "$SRV" --site S1 --ops --json)
eq "digest after migration" "$(jget digest <<<"$j")" "$DIGEST"
eq "ops after migration" "$(jget ops <<<"$j")" 45

out=$("$ROUNDSD" migrate --data "$SRV"); rc=$?
eq "second migrate: exit" "$rc" 0
grep -q "site S1 *format 4 (current)" <<<"$out" || fail "second migrate: $out"
grep -q "2 stores, 0 migrated, 0 failed" <<<"$out" || fail "second migrate: $out"

# The migrated site serves: a new handheld pulls every op.
server_start
hh_new HH-NEW
hh HH-NEW scan --tag CP-01 --route R1 >/dev/null || fail scan
out=$(hh_sync HH-NEW) || fail "sync: $out"
# 45 ops of the fixture, the office's key published at the enrollment
# (OFFICE_OPS) and the new scan.
eq "handheld holds the site's ops and its own" "$(hh_ops HH-NEW)" \
  $((46 + OFFICE_OPS))
eq "digests after sync" "$(hh_digest HH-NEW)" "$(srv_digest)"
server_stop

# No data directory: exit 3.
"$ROUNDSD" migrate --data "$WORK/none" >/dev/null 2>&1
eq "migrate without data: exit" "$?" 3
finish
