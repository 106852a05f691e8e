#!/usr/bin/env bash
# bench_pgship.sh: the PostgreSQL shipper (server/ship.c, docs/POSTGRES.md)
# measured. Issue 19's figures:
#   - ship rate: ops/s into PostgreSQL when the shipper catches up a
#     backlog (a shift change's ops, shipped from the start of a serve
#     with pg_dsn, from its "connected" log line to the last position),
#     beside PostgreSQL's own COPY of the same rows (psql \copy of CSV
#     files of the ops and records tables into the same, emptied tables,
#     in one transaction): target within 2x;
#   - the shipper's effect on the push: the same shift change (C
#     handhelds push SHIFT_OPS scans in all at once, bench_hh shift) with
#     and without pg_dsn, R rounds in ABBA order, medians: target < 10%;
#   - the lag at the end of that shift change: from the last PUSH_ACK to
#     the last op in PostgreSQL (ms), and the ops behind at that moment.
# PostgreSQL is the test's own (tests/integration/pg.sh: initdb in a
# temporary folder, fsync on), on this machine. The output ends with the
# load average at the start and the end and each ship-rate run: on a
# shared machine they say how far to trust the figures.
#
#   bench/bench_pgship.sh [--bin DIR] [--clients C] [--shift-ops OPS]
#                         [--rounds R] [--json] [--keep]
#
# Defaults: build-release, 100 handhelds, 100,000 ops a shift change, 3
# rounds of each. About 3 minutes. Needs postgresql-15 (scripts/deps.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin="$top/build-release" clients=100 shift_ops=100000 rounds=3 json=0 keep=0
usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
need() { [ $# -ge 2 ] || { echo "bench_pgship: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) need "$@"; bin=$2; shift ;;
    --clients) need "$@"; clients=$2; shift ;;
    --shift-ops) need "$@"; shift_ops=$2; shift ;;
    --rounds) need "$@"; rounds=$2; shift ;;
    --json) json=1 ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_pgship: unknown flag $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for v in "$clients" "$shift_ops" "$rounds"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_pgship: '$v' is not a count" >&2; exit 2; }
done
ROUNDSD="$bin/server/roundsd" HH="$bin/bench/bench_hh"
for b in "$ROUNDSD" "$HH"; do
  [ -x "$b" ] || { echo "bench_pgship: $b is missing (build first)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rounds-bench-pgship-XXXXXX")
FAILS=0
[ "$keep" -eq 1 ] && FAILS=1 # pg_cleanup keeps the cluster then
. "$top/tests/integration/pg.sh"
SRV_PID=""
cleanup() {
  [ -n "$SRV_PID" ] && kill -TERM "$SRV_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  pg_cleanup
  if [ "$keep" -eq 1 ]; then echo "bench_pgship: kept $WORK" >&2
  else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "bench_pgship: $*" >&2; }
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi
now_ms() { date +%s%3N; }
q() { pg_psql -tAq -c "$1"; }

# The machine's load at the start and the end, printed with the figures:
# on a shared machine they say how far to trust them.
load_now() { cut -d' ' -f1 /proc/loadavg; }
load_start=$(load_now)
pg_start
SRV="$WORK/srv" site=SP port=0
"$ROUNDSD" init --data "$SRV" >/dev/null

# serve_start [--pg-dsn DSN]: a serve on the same port as before.
serve_start() {
  : >"$WORK/srv.log"
  "$ROUNDSD" serve --data "$SRV" --listen "127.0.0.1:$port" \
    --idle-timeout 600 --hello-per-addr 4096 --hello-pool 4096 "$@" \
    2>"$WORK/srv.log" &
  SRV_PID=$!
  local p=""
  for _ in $(seq 400); do
    p=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/srv.log" | head -1)
    [ -n "$p" ] && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$p" ] || { log "roundsd did not start:"; cat "$WORK/srv.log" >&2; exit 1; }
  port=$p
}
serve_stop() {
  kill -TERM "$SRV_PID"
  wait "$SRV_PID" || true
  SRV_PID=""
}
shipped() { q "SELECT coalesce(sum(seq), 0) FROM ship_position"; }
# wait_shipped WANT: polls until PostgreSQL holds WANT ops; prints the
# wall clock (ms) when it saw them.
wait_shipped() {
  for _ in $(seq 12000); do
    if [ "$(shipped)" -ge "$1" ]; then now_ms; return 0; fi
    sleep 0.01
  done
  log "PostgreSQL never got $1 ops (it has $(shipped))"; exit 1
}
# The time of the "ship: connected" line, in ms since the epoch.
connected_ms() {
  for _ in $(seq 1000); do
    local t
    t=$(sed -n 's/^\([0-9T:.-]*\)Z roundsd.*ship: connected to PostgreSQL.*/\1/p' \
      "$WORK/srv.log" | head -1)
    [ -n "$t" ] && { date -u -d "$t" +%s%3N; return 0; }
    sleep 0.01
  done
  log "the shipper never connected:"; cat "$WORK/srv.log" >&2; exit 1
}

serve_start
per=$(( (shift_ops + clients - 1) / clients ))
dirs=()
log "$clients handhelds: enrolled and synced once"
for i in $(seq 0 $((clients - 1))); do
  d="$WORK/hh-$i"
  dirs+=("$d")
  cred=$("$ROUNDSD" enroll --data "$SRV" --site "$site" --device "HH-$i" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["credential"])')
  "$HH" init "$d" "$site" "HH-$i" "G$i" "127.0.0.1:$port" "$SRV/server.crt" \
    "$cred" 0 >/dev/null
  "$HH" sync "$d" >/dev/null
done
serve_stop
total() { "$ROUNDSD" dump --data "$SRV" --site "$site" --ops | sed -n 's/^ops //p'; }

# one_round MODE: a shift change with (pg) or without (none) the shipper.
# A pg round first catches up what the stores hold and PostgreSQL lacks
# (the previous none round's shift change): that is the ship rate.
: >"$WORK/rounds.jsonl"
one_round() {
  local mode=$1 catch=null lag=null behind=null push
  if [ "$mode" = pg ]; then
    local before want=$expect t0 t1
    before=$(shipped)
    serve_start --pg-dsn "$PG_DSN"
    t0=$(connected_ms)
    t1=$(wait_shipped "$want")
    if [ "$want" -gt "$before" ] && [ "$before" -gt 0 ]; then
      catch="{\"ops\":$((want - before)),\"ms\":$((t1 - t0))}"
    fi
  else
    serve_start
  fi
  for d in "${dirs[@]}"; do "$HH" add "$d" "$per" >/dev/null; done
  sync
  push=$("$HH" shift "${dirs[@]}")
  expect=$((expect + per * clients))
  if [ "$mode" = pg ]; then
    local end t1
    end=$(now_ms)
    behind=$((expect - $(shipped)))
    t1=$(wait_shipped "$expect")
    lag=$((t1 - end))
  fi
  serve_stop
  echo "{\"mode\":\"$mode\",\"push\":$push,\"catch\":$catch,\"lag_ms\":$lag,\"behind\":$behind}" \
    >>"$WORK/rounds.jsonl"
}

# A first pg round ships the enrollment's ops and makes the schema.
expect=$(total)
serve_start --pg-dsn "$PG_DSN"
wait_shipped "$expect" >/dev/null
serve_stop
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="none pg"; else order="pg none"; fi
  for m in $order; do
    log "round $r/$rounds: $m"
    one_round "$m"
  done
done
# The last none round's ops: one more catch-up.
before=$(shipped)
serve_start --pg-dsn "$PG_DSN"
t0=$(connected_ms)
t1=$(wait_shipped "$expect")
serve_stop
echo "{\"mode\":\"catchup\",\"push\":null,\"catch\":{\"ops\":$((expect - before)),\"ms\":$((t1 - t0))},\"lag_ms\":null,\"behind\":null}" \
  >>"$WORK/rounds.jsonl"
[ "$(total)" = "$expect" ] || { log "the stores hold $(total) ops, not $expect"; exit 1; }

# PostgreSQL's own COPY of the same rows: every op and record shipped, as
# CSV, into the same tables emptied, in one transaction (best of 3).
log "PostgreSQL's own COPY of the same rows"

pg_psql -qc "\\copy ops TO '$WORK/ops.csv' CSV"
pg_psql -qc "\\copy (SELECT * FROM records) TO '$WORK/records.csv' CSV"
nops=$(q "SELECT count(*) FROM ops")
nrecs=$(q "SELECT count(*) FROM records")
: >"$WORK/peer.txt"
for _ in 1 2 3; do
  q "TRUNCATE ops, records"
  a=$(now_ms)
  pg_psql -q -1 -c "\\copy ops FROM '$WORK/ops.csv' CSV" \
    -c "\\copy records FROM '$WORK/records.csv' CSV"
  b=$(now_ms)
  echo $((b - a)) >>"$WORK/peer.txt"
done

python3 - "$WORK/rounds.jsonl" "$WORK/peer.txt" "$json" "$clients" \
  "$((per * clients))" "$nops" "$nrecs" "$load_start" "$(load_now)" <<'EOF'
import json, statistics, sys
rounds = [json.loads(l) for l in open(sys.argv[1])]
peer_ms = [int(l) for l in open(sys.argv[2]) if l.strip()]
as_json = sys.argv[3] == "1"
clients, ops, nops, nrecs = (int(x) for x in sys.argv[4:8])
load = [float(x) for x in sys.argv[8:10]]
med = statistics.median
rates = [r["catch"]["ops"] / (r["catch"]["ms"] / 1000.0)
         for r in rounds
         if r["catch"] and r["catch"]["ops"] > 0 and r["catch"]["ms"] > 0]
ship = med(rates) if rates else None
peer = nops / (med(peer_ms) / 1000.0)
none = [r["push"]["push_wall_ms"] for r in rounds if r["mode"] == "none"]
pg = [r["push"]["push_wall_ms"] for r in rounds if r["mode"] == "pg"]
a, b = med(none), med(pg)
change = (b - a) / a * 100
lags = [r["lag_ms"] for r in rounds if r["mode"] == "pg"]
behind = [r["behind"] for r in rounds if r["mode"] == "pg"]
out = {"clients": clients, "shift_ops": ops, "ship_ops_per_s": ship,
       "ship_runs": rates, "peer_copy_ops_per_s": peer,
       "peer_copy_ms": peer_ms, "peer_rows": {"ops": nops, "records": nrecs},
       "ratio_ship_to_copy": ship / peer if ship else None,
       "push_ms_without": a, "push_ms_with": b, "push_change_pct": change,
       "push_runs_without": none, "push_runs_with": pg,
       "lag_ms_median": med(lags), "lag_runs_ms": lags,
       "behind_at_push_end": behind, "load_start_end": load}
if as_json:
    print(json.dumps(out))
    sys.exit(0)
print("bench_pgship: %d handhelds, %d ops a shift change; PostgreSQL 15 of "
      "its own on this machine; medians of %d rounds" %
      (clients, ops, len(none)))
print("%-52s %12s %12s %8s  %s" % ("figure", "ours", "peer", "ratio", "target"))
if ship:
    r = ship / peer
    print("%-52s %12.0f %12.0f %7.2fx  >= 0.5x (within 2x) %s" %
          ("ship rate: a backlog into PostgreSQL (ops/s)", ship, peer, r,
           "PASS" if r >= 0.5 else "MISS"))
print("  (peer: psql \\copy of the same %d ops and %d records, one "
      "transaction, best-of-3 median %d ms)" % (nops, nrecs, med(peer_ms)))
print("%-52s %12.1f %12.1f %7.1f%%  < 10%% %s" %
      ("shift change push, with vs without the shipper (ms)", b, a, change,
       "PASS" if change < 10 else "MISS"))
print("%-52s %12d %12s %8s  (ops behind then: %s)" %
      ("lag at the end of the shift change (ms)", med(lags), "-", "-",
       ", ".join(str(x) for x in behind)))
print("  (load average: %.2f at the start, %.2f at the end; ship runs: %s)" %
      (load[0], load[1], ", ".join("%.0f" % x for x in rates)))
EOF
