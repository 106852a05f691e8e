#!/usr/bin/env bash
# test_e2e_stats.sh BIN: what `roundsd serve` counts, read back with
# `roundsd stats`: two handhelds sync (3 ops each; the second pulls the
# first's 3), a revoked one is refused; DATA/stats.json (written every 5 s
# while serving, and at exit) gives the exact counts as JSON and as
# Prometheus text, and says whether the server still runs. `roundsd
# migrate` is refused while it does.
BIN=$1
. "$(dirname "$0")/lib.sh"

sget() { # sget PATH < json: a dotted path of the stats JSON
  python3 -c 'import json,sys
v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v=v[k]
print(str(v).lower() if isinstance(v,bool) else v)' "$1"
}

server_init
server_start
eq "stats file written at start" "$("$ROUNDSD" stats --data "$SRV" --json | sget syncs.ok)" 0

hh_new a
hh_new b
hh_new lost
record a 1
record b 1
check "a syncs" hh_sync a >/dev/null
check "b syncs" hh_sync b >/dev/null
"$ROUNDSD" revoke --data "$SRV" --site S1 --device lost >/dev/null || fail revoke
out=$(hh_sync lost 2>&1); rc=$?
eq "revoked device refused" "$rc" 7
grep -q EREVOKED <<<"$out" || fail "EREVOKED not in: $out"

# While serving: the periodic write (every 5 s) brings the counts.
ok=""
for _ in $(seq 80); do
  j=$("$ROUNDSD" stats --data "$SRV" --json)
  if [ "$(sget syncs.failed <<<"$j")" = 1 ]; then ok=1; break; fi
  sleep 0.1
done
eq "stats updated while serving" "$ok" 1
eq "serving" "$(sget serving <<<"$j")" true
eq "running" "$(sget running <<<"$j")" true
eq "connections accepted" "$(sget connections.accepted <<<"$j")" 3
eq "connections open" "$(sget connections.open <<<"$j")" 0
eq "refused busy" "$(sget connections.refused_busy <<<"$j")" 0
eq "syncs ok" "$(sget syncs.ok <<<"$j")" 2
eq "syncs failed" "$(sget syncs.failed <<<"$j")" 1
eq "ops in" "$(sget ops.in <<<"$j")" 6
# Out: a's 3 to b, and the office's key to each (OFFICE_OPS, lib.sh).
eq "ops out" "$(sget ops.out <<<"$j")" $((3 + 2 * OFFICE_OPS))
eq "errors" "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["errors"])' <<<"$j")" "{'EREVOKED': 1}"
eq "commits" "$(sget commits.count <<<"$j")" 2
eq "bucket total" "$(python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["commits"]["buckets_us"].values()))' <<<"$j")" 2
python3 - "$j" <<'PY' || fail "latency figures inconsistent: $j"
import json, sys
c = json.loads(sys.argv[1])["commits"]
b = json.loads(sys.argv[1])["bytes"]
assert 0 < c["p50_us"] <= c["p99_us"] <= c["max_us"] <= c["sum_us"], c
assert b["in"] > 1000 and b["out"] > 1000, b
PY
# The sync log says the same.
eq "log: ok syncs" "$(grep -c 'result=ok' "$WORK/server.log.new")" 2
eq "log: in" "$(sed -n 's/.*device=a .* in=\([0-9]*\) out=\([0-9]*\).*/\1+\2/p' "$WORK/server.log.new")" "3+$OFFICE_OPS"
eq "log: b in/out" "$(sed -n 's/.*device=b .* in=\([0-9]*\) out=\([0-9]*\).*/\1+\2/p' "$WORK/server.log.new")" "3+$((3 + OFFICE_OPS))"

p=$("$ROUNDSD" stats --data "$SRV" --prometheus)
for line in 'roundsd_up 1' 'roundsd_connections_accepted_total 3' \
  'roundsd_syncs_total{result="ok"} 2' 'roundsd_syncs_total{result="failed"} 1' \
  'roundsd_ops_in_total 6' "roundsd_ops_out_total $((3 + 2 * OFFICE_OPS))" \
  'roundsd_errors_total{error="EREVOKED"} 1' \
  'roundsd_commit_latency_seconds_bucket{le="+Inf"} 2' \
  'roundsd_commit_latency_seconds_count 2' \
  '# TYPE roundsd_commit_latency_seconds histogram'; do
  grep -qxF "$line" <<<"$p" || fail "prometheus: no line '$line'"
done
eq "prometheus: one TYPE per metric" "$(grep -c '^# TYPE' <<<"$p")" \
  "$(grep '^# TYPE' <<<"$p" | sort -u | wc -l)"
t=$("$ROUNDSD" stats --data "$SRV")
grep -q "syncs         ok 2, failed 1" <<<"$t" || fail "text: $t"
grep -q "(serving)" <<<"$t" || fail "text, serving: $t"

# migrate is refused while serve runs on the data directory.
out=$("$ROUNDSD" migrate --data "$SRV" 2>&1); rc=$?
eq "migrate while serving: exit" "$rc" 4
grep -q "is running on" <<<"$out" || fail "migrate while serving: $out"

# At a clean stop the last write says so; the counts stay.
server_stop
j=$("$ROUNDSD" stats --data "$SRV" --json)
eq "after stop: running" "$(sget running <<<"$j")" false
eq "after stop: serving" "$(sget serving <<<"$j")" false
eq "after stop: syncs ok" "$(sget syncs.ok <<<"$j")" 2
eq "after stop: prometheus up" "$("$ROUNDSD" stats --data "$SRV" --prometheus | grep '^roundsd_up ')" "roundsd_up 0"
grep -q "stopped cleanly" <<<"$("$ROUNDSD" stats --data "$SRV")" || fail "text after stop"

# A restart counts from zero.
server_start
eq "restart: syncs ok" "$("$ROUNDSD" stats --data "$SRV" --json | sget syncs.ok)" 0
server_stop

# No stats file: exit 3, naming it; both output flags: usage.
"$ROUNDSD" init --data "$WORK/empty" >/dev/null
"$ROUNDSD" stats --data "$WORK/empty" >/dev/null 2>&1
eq "no stats: exit" "$?" 3
"$ROUNDSD" stats --data "$SRV" --json --prometheus >/dev/null 2>&1
eq "--json --prometheus: exit" "$?" 2
finish
