#!/usr/bin/env bash
# test_e2e_pgship.sh BIN: roundsd ships every site's ops and merged
# records into PostgreSQL (server/ship.h, docs/POSTGRES.md) while real
# handhelds sync over TLS: PostgreSQL stopped and started (sync goes on,
# the stats show the lag, the shipper catches up), roundsd killed -9 in
# the middle of a shipping transaction, PostgreSQL killed -9 in the
# middle of one, a graceful stop with ops pending. At every check every
# op is in PostgreSQL exactly once and each site's records there equal
# `roundsd dump`'s, field by field.
BIN=$1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
# ROUNDSD_TEST_SHIP_MS (test builds: -DROUNDS_TEST_CLOCK=ON) holds each
# shipping transaction open, so the kills land in the middle of one;
# without it they land wherever they land, and everything else is
# checked the same.
MIDSHIP=0
case "${RND_TEST_CLOCK:-}" in ON | on | 1 | TRUE | true | YES | yes) MIDSHIP=1 ;; esac
# ROUNDSD_TEST_SHIP_BATCH (test builds too) makes batches of 3 ops, so
# every sync here takes several: the shipper reads the next batch while
# PostgreSQL takes one, and the kills below land with a batch read ahead
# (which must be thrown away, not shipped).
export ROUNDSD_TEST_SHIP_BATCH=3
# mid_ship: waits until roundsd's shipping transaction is open.
mid_ship() {
  [ "$MIDSHIP" = 1 ] || return 0
  for _ in $(seq 100); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name =
      'roundsd' AND state = 'idle in transaction'")" = 1 ] && return 0
    sleep 0.05
  done
  fail "no shipping transaction open"
}
pg_start

q() { pg_psql -tAq -c "$1"; }

server_init
server_start --pg-dsn "$PG_DSN"
hh_new a
hh_new b
hh_new c S2
SITES="S1 S2"
for n in a b c; do
  hh "$n" status --json | jget device_id >"$WORK/dev-$n"
  # The office's key for personal data first, so that visits seal theirs.
  hh_sync "$n" >/dev/null || fail "$n's first sync"
done

srv_ops() { # all sites' ops in the stores
  local n=0 s
  for s in $SITES; do
    n=$((n + $("$ROUNDSD" dump --data "$SRV" --site "$s" --ops |
      sed -n 's/^ops //p')))
  done
  echo "$n"
}

# wait_shipped [SECONDS]: until PostgreSQL holds as many ops as the stores.
wait_shipped() {
  local want i
  want=$(srv_ops)
  for i in $(seq $((${1:-20} * 10))); do
    [ "$(q "SELECT count(*) FROM ops")" = "$want" ] && return 0
    sleep 0.1
  done
  fail "PostgreSQL holds $(q "SELECT count(*) FROM ops") ops, the stores $want"
  return 1
}

# verify WHAT [all]: every op exactly once; with all, also every record as
# `roundsd dump` has it and each handheld's ops up to what it was acked.
verify() {
  local what=$1 s n
  eq "$what: ops in PostgreSQL" "$(q "SELECT count(*) FROM ops")" "$(srv_ops)"
  eq "$what: no duplicate op" \
    "$(q "SELECT count(*) - count(DISTINCT (site, device_id, seq)) FROM ops")" 0
  # Each device's seqs are 1..max with no gap (the server's chain) ...
  eq "$what: seqs 1..max per device" "$(q "SELECT count(*) FROM (SELECT site,
    device_id FROM ops GROUP BY 1, 2 HAVING count(*) <> max(seq)
    OR min(seq) <> 1) x")" 0
  [ "${2:-}" = all ] || return 0
  # ... up to what the server acknowledged to each handheld ...
  local got="" want=""
  for n in a b c; do
    got="$got $(q "SELECT coalesce(max(seq), 0) FROM ops WHERE
      lpad(to_hex(device_id), 16, '0') = '$(cat "$WORK/dev-$n")'")"
    want="$want $(hh "$n" status --json | jget acked_seq)"
  done
  eq "$what: each handheld's ops" "$got" "$want"
  # ... and the positions say the same.
  eq "$what: positions" "$(q "SELECT count(*) FROM ship_position p WHERE seq
    <> (SELECT max(seq) FROM ops o WHERE o.site = p.site AND
    o.device_id = p.device_id)")" 0
  for s in $SITES; do
    pg_records_match "$what" "$SRV" "$s"
  done
}

echo "t=$SECONDS s: records made and synced"
# 1. Records made and synced are shipped, and master data the office
# writes beside serve (another process: the shipper finds its ops by
# itself).
"$ROUNDSD" route add --data "$SRV" --site S1 --route R9 --name "Outer loop" \
  --interval-min 120 --checkpoints CP-1,CP-2,CP-3 --window-min 20 \
  >/dev/null || fail "route add"
"$ROUNDSD" unit add --data "$SRV" --site S1 --unit 3-2-1101 --vacant true \
  >/dev/null || fail "unit add"
"$ROUNDSD" staff add --data "$SRV" --site S1 --staff g-7 --name "Guard Seven" \
  --role guard >/dev/null || fail "staff add"
echo 4711 | "$ROUNDSD" staff pin --data "$SRV" --site S1 --staff g-7 \
  --pin-stdin >/dev/null || fail "staff pin"
record a 2
record b 1
record c 1
hh_sync a >/dev/null && hh_sync b >/dev/null && hh_sync c >/dev/null &&
  hh_sync a >/dev/null || fail "first syncs"
wait_shipped && verify "synced" all
[ "$MIDSHIP" = 1 ] && eq "batches of at most 3 ops, several" "$(q "SELECT
  max(n) <= 3 AND count(*) > 2 FROM (SELECT count(*) n FROM ops
  GROUP BY xmin::text) x")" t
# The shipper's migrations (001-009; the node directory's are 010 on).
eq "schema versions" "$(q "SELECT string_agg(version::text, ',' ORDER BY
  version) FROM rounds_schema WHERE version < 10")" "1,2,3,4"
# The master data's typed views (004): numbers, booleans, never a PIN's
# hash.
eq "route_view" "$(q "SELECT pg_typeof(interval_min)::text || ' ' ||
  interval_min || ' ' || window_min || ' ' || checkpoint_count || ' ' ||
  checkpoints || ' ' || name || ' ' || status FROM route_view
  WHERE route = 'R9'")" "bigint 120 20 3 CP-1,CP-2,CP-3 Outer loop active"
eq "unit_view" "$(q "SELECT pg_typeof(vacant)::text || ' ' || vacant ||
  ' ' || building FROM unit_view WHERE site = 'S1' AND unit = '3-2-1101'")" \
  "boolean true 3"
eq "staff_view" "$(q "SELECT role || ' ' || pin_set || ' ' ||
  (pin_set_at IS NOT NULL) || ' ' || (fields ? 'pin_hash') || ' ' ||
  (SELECT count(*) FROM staff_view v, jsonb_each_text(v.fields) e
   WHERE e.value LIKE '%argon2%') FROM staff_view WHERE staff = 'g-7'")" \
  "guard true true false 0"
# The typed fields: a visit's party is a number, its masked ID a string,
# and the sealed personal data stays sealed in its op (p1. envelope).
eq "typed field" "$(q "SELECT DISTINCT jsonb_typeof(fields->'party') FROM
  records_visit")" number
eq "typed view" "$(q "SELECT DISTINCT pg_typeof(party)::text || ' ' ||
  pg_typeof(anomaly)::text || ' ' || party FROM visit_view, scan_view
  WHERE visit_view.site = scan_view.site")" "bigint boolean 1"
eq "sealed personal data" "$(q "SELECT count(*) FILTER (WHERE
  fields->>'_pii' LIKE 'p1.%') || ' ' || count(*) FILTER (WHERE fields::text
  LIKE '%11010119901%') FROM ops WHERE kind = 2")" "4 0"
eq "no clear ID number in records" "$(q "SELECT count(*) FROM records WHERE
  fields::text LIKE '%11010119901%'")" 0

# check-config reaches PostgreSQL and reads its schema (serve made it),
# without a password in what it prints.
out=$("$ROUNDSD" check-config --data "$SRV" --pg-dsn "$PG_DSN password=s3cret" \
  2>&1)
eq "check-config with PostgreSQL up" "$?" 0
check "check-config: postgresql answers, schema 20 of 20" \
  grep -q "postgresql.*answers; schema version 20 of 20" <<<"$out"
check "check-config hides the password" test "${out/s3cret/}" = "$out"

echo "t=$SECONDS s: PostgreSQL stop"
# 2. PostgreSQL stopped: handhelds sync as usual; the stats show the lag.
pg_stop
# A warning, not a failure: serve (and its ExecStartPre) must start
# without PostgreSQL.
"$ROUNDSD" check-config --data "$SRV" --pg-dsn "$PG_DSN" >"$WORK/cc.out" 2>&1
eq "check-config while PostgreSQL is down" "$?" 0
check "check-config warns it cannot connect" \
  grep -q "WARN  postgresql.*cannot connect" "$WORK/cc.out"
record a 1
record b 1
check "sync a without PostgreSQL" hh_sync a >/dev/null
check "sync b without PostgreSQL" hh_sync b >/dev/null
lagged=""
for _ in $(seq 150); do
  j=$("$ROUNDSD" stats --data "$SRV" --json)
  if echo "$j" | python3 -c 'import json,sys; s=json.load(sys.stdin)["ship"]
sys.exit(0 if not s["connected"] and s["behind"] > 0 and s["lag_ms"] > 0
  and s["last_error"] else 1)'; then lagged=1; break; fi
  sleep 0.1
done
[ -n "$lagged" ] && pass || fail "stats never showed the lag: $j"
"$ROUNDSD" stats --data "$SRV" --prometheus | grep -q \
  '^roundsd_ship_ops_behind [1-9]' && pass ||
  fail "prometheus text without the lag"
pg_start
wait_shipped 40 && verify "after PostgreSQL came back" all

echo "t=$SECONDS s: roundsd killed"
# 3. roundsd killed -9 in the middle of a shipping transaction: it rolls
# back; the restarted roundsd ships it again, once.
server_stop
before=$(q "SELECT count(*) FROM ops")
ROUNDSD_TEST_SHIP_MS=3000 server_start --pg-dsn "$PG_DSN"
record a 1
hh_sync a >/dev/null || fail "sync before the kill"
mid_ship # the transaction is open (its COPY went in)
server_kill
[ "$MIDSHIP" = 1 ] && eq "killed mid-ship: nothing half-shipped" \
  "$(q "SELECT count(*) FROM ops")" "$before"
server_start --pg-dsn "$PG_DSN"
wait_shipped && verify "after roundsd was killed"

echo "t=$SECONDS s: PostgreSQL kill"
# 4. PostgreSQL killed -9 in the middle of a shipping transaction.
server_stop
ROUNDSD_TEST_SHIP_MS=1500 server_start --pg-dsn "$PG_DSN"
record b 1
hh_sync b >/dev/null || fail "sync before PostgreSQL's kill"
mid_ship
pg_kill
check "sync while PostgreSQL is dead" hh_sync a >/dev/null
pg_start
wait_shipped 40 && verify "after PostgreSQL was killed"

echo "t=$SECONDS s: A graceful stop"
# 5. A graceful stop ships what is pending.
server_stop
server_start --pg-dsn "$PG_DSN"
record c 1
hh_sync c >/dev/null || fail "sync before the stop"
check "graceful stop" server_stop
verify "after a graceful stop" all
echo "t=$SECONDS s: done"
finish
