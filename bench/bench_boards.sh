#!/usr/bin/env bash
# bench_boards.sh: does the office's dashboard slow the shift change?
# Issue 17's promise: 100 open boards on event streams while 100
# handhelds sync at once change the shift-change figures by less than
# 10%, and the web side never blocks the sync loop.
#
# One roundsd serve with its dashboard (--web-listen), C enrolled
# handhelds (bench_hh: enrolled, synced once). Then R rounds, each a pair
# in alternating order (ABBA...): the same shift change with no board
# open, and with B boards open (bench/board_clients.py: B event streams,
# each fetching /api/board on every sync event, as the page does):
#   - push: every handheld records OPS/C scans offline, then all push at
#     once (bench_hh shift: wall time from the barrier to the last
#     PUSH_ACK, which the server sends after its durable commit);
#   - with --pull, then: all sync again at once, each pulling the others'
#     new ops (bench_hh shift --full), and once more, nothing to send or
#     take (a no-op sync). Every handheld then stores every op: 100 x
#     100,000 a round, tens of GB over the rounds: use a smaller
#     --shift-ops with it.
# Prints the medians of each side and the change in per cent.
#
#   bench/bench_boards.sh [--bin DIR] [--clients C] [--boards B]
#                         [--shift-ops OPS] [--rounds R] [--pull] [--json]
#                         [--keep]
#
# Defaults: build-release, 100 handhelds, 100 boards, 100,000 ops a shift
# change (the figure of docs/PERFORMANCE.md), 5 rounds. About 3 minutes.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
bin="$top/build-release" clients=100 boards=100 shift_ops=100000 rounds=5
json=0 keep=0 pull=0
usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }
need() { [ $# -ge 2 ] || { echo "bench_boards: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) need "$@"; bin=$2; shift ;;
    --clients) need "$@"; clients=$2; shift ;;
    --boards) need "$@"; boards=$2; shift ;;
    --shift-ops) need "$@"; shift_ops=$2; shift ;;
    --rounds) need "$@"; rounds=$2; shift ;;
    --json) json=1 ;;
    --pull) pull=1 ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_boards: unknown flag $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
for v in "$clients" "$boards" "$shift_ops" "$rounds"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_boards: '$v' is not a count" >&2; exit 2; }
done
ROUNDSD="$bin/server/roundsd" HH="$bin/bench/bench_hh"
for b in "$ROUNDSD" "$HH"; do
  [ -x "$b" ] || { echo "bench_boards: $b is missing (build first)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "bench_boards: needs python3" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rounds-bench-boards-XXXXXX")
SRV_PID="" BOARDS_PID=""
cleanup() {
  [ -n "$BOARDS_PID" ] && kill "$BOARDS_PID" 2>/dev/null || true
  [ -n "$SRV_PID" ] && kill -TERM "$SRV_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$keep" -eq 1 ]; then echo "bench_boards: kept $WORK" >&2
  else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "bench_boards: $*" >&2; }
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

SRV="$WORK/srv" site=SC
"$ROUNDSD" init --data "$SRV" >/dev/null
echo "bench board password" >"$WORK/pw"
"$ROUNDSD" user add bench --grant "$site=clerk" --password-stdin \
  --data "$SRV" <"$WORK/pw" >/dev/null
"$ROUNDSD" serve --data "$SRV" --listen 127.0.0.1:0 --web-listen 127.0.0.1:0 \
  --idle-timeout 600 --hello-per-addr 4096 --hello-pool 4096 \
  2>"$WORK/srv.log" &
SRV_PID=$!
port="" wport=""
for _ in $(seq 400); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/srv.log" | head -1)
  wport=$(sed -n 's|.*web: listening on https://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$WORK/srv.log" | head -1)
  [ -n "$port" ] && [ -n "$wport" ] && break
  kill -0 "$SRV_PID" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$port" ] || [ -z "$wport" ]; then
  log "roundsd and its dashboard did not start:"; cat "$WORK/srv.log" >&2; exit 1
fi
log "roundsd pid $SRV_PID: sync on $port, dashboard on https://127.0.0.1:$wport"

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

boards_start() {
  # The boards' browsers are other machines: here their stand-in runs at
  # nice 10, on the CPU serve leaves, so that what is measured is what the
  # boards cost the server, not what Python's TLS costs this VM.
  coproc BOARDS { nice -n 10 python3 "$here/board_clients.py" \
    --url "https://127.0.0.1:$wport" --cacert "$SRV/server.crt" \
    --site "$site" --user bench --password-file "$WORK/pw" \
    --boards "$boards" 2>"$WORK/boards.err"; }
  BOARDS_PID=$BOARDS_PID
  for _ in $(seq 600); do
    grep -q '^ready' "$WORK/boards.err" 2>/dev/null && break
    kill -0 "$BOARDS_PID" 2>/dev/null || break
    sleep 0.05
  done
  grep -q "^ready $boards\$" "$WORK/boards.err" || {
    log "boards did not open:"; cat "$WORK/boards.err" >&2; exit 1; }
  : >"$WORK/boards.err"
}
boards_stop() { # closes their stdin; their JSON line is the last output
  local out
  exec {BOARDS[1]}>&-
  read -r out <&"${BOARDS[0]}" || out="{}"
  wait "$BOARDS_PID" 2>/dev/null || true
  BOARDS_PID=""
  echo "$out" >>"$WORK/boards.jsonl"
}

# one_round MODE: a push shift change, then (--pull) every handheld pulling
# the others' ops and a no-op sync of all; appends to results.
one_round() {
  local mode=$1 push pulled=null noop=null
  for d in "${dirs[@]}"; do "$HH" add "$d" "$per" >/dev/null; done
  sync
  [ "$mode" = boards ] && boards_start
  push=$("$HH" shift "${dirs[@]}")
  if [ "$pull" -eq 1 ]; then
    pulled=$("$HH" shift --full "${dirs[@]}")
    noop=$("$HH" shift --full "${dirs[@]}")
  fi
  # The boards reload on the last syncs' event (at most a second after
  # they land): give them that before closing them (not timed).
  [ "$mode" = boards ] && { sleep 2; boards_stop; }
  echo "{\"mode\":\"$mode\",\"push\":$push,\"pull\":$pulled,\"noop\":$noop}" >>"$WORK/rounds.jsonl"
}

: >"$WORK/rounds.jsonl"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order="none boards"; else order="boards none"; fi
  for m in $order; do
    log "round $r/$rounds: $m"
    one_round "$m"
  done
done

python3 - "$WORK/rounds.jsonl" "$WORK/boards.jsonl" "$json" "$clients" \
  "$boards" "$((per * clients))" <<'EOF'
import json, statistics, sys
rounds = [json.loads(l) for l in open(sys.argv[1])]
boards = [json.loads(l) for l in open(sys.argv[2])] if sys.argv[2] else []
as_json, clients, nboards, ops = sys.argv[3] == "1", sys.argv[4], sys.argv[5], sys.argv[6]
def med(mode, part, key):
    v = [r[part][key] for r in rounds if r["mode"] == mode and r[part]]
    return (statistics.median(v) if v else None), v
rows = []
for part, key, label in (("push", "push_wall_ms", "shift change, push (ms)"),
                         ("pull", "wall_ms", "then all pull the others' (ms)"),
                         ("noop", "wall_ms", "then a no-op sync of all (ms)")):
    a, av = med("none", part, key)
    b, bv = med("boards", part, key)
    if a is None or b is None:
        continue
    rows.append({"figure": label, "no_boards": a, "boards": b,
                 "change_pct": round((b - a) / a * 100, 1),
                 "runs_no_boards": av, "runs_boards": bv})
ev = sum(b.get("events", 0) for b in boards)
fetch = [b["fetch_ms_median"] for b in boards if b.get("fetch_ms_median") is not None]
srv = [b["server_ms_median"] for b in boards if b.get("server_ms_median") is not None]
extra = {"board_rounds": len(boards), "events": ev,
         "board_fetches": sum(b.get("board_fetches", 0) for b in boards),
         "errors": sum(b.get("errors", 0) for b in boards),
         "stream_retries": sum(b.get("stream_retries", 0) for b in boards),
         "board_fetch_ms_median": statistics.median(fetch) if fetch else None,
         "board_server_ms_median": statistics.median(srv) if srv else None}
if as_json:
    print(json.dumps({"clients": int(clients), "boards": int(nboards),
                      "ops": int(ops), "rows": rows, "boards_seen": extra}))
    sys.exit(0)
print("bench_boards: %s handhelds, %s ops a shift change, %s boards open in "
      "the 'boards' runs; medians of %d rounds each" %
      (clients, ops, nboards, len(rounds) // 2))
print("%-34s %10s %10s %8s  %s" % ("figure", "no boards", "boards", "change",
                                   "target"))
for r in rows:
    verdict = "PASS" if r["change_pct"] < 10 else "MISS"
    print("%-34s %10.1f %10.1f %7.1f%%  < 10%% %s" %
          (r["figure"], r["no_boards"], r["boards"], r["change_pct"], verdict))
print("boards: %(events)d sync events seen, %(board_fetches)d board fetches, "
      "%(errors)d errors, %(stream_retries)d stream opens retried; a fetch %(board_fetch_ms_median)s ms (client), "
      "%(board_server_ms_median)s ms of server time (medians)" % extra)
EOF
