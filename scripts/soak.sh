#!/usr/bin/env bash
# Sync soak: one roundsd and many handhelds syncing for MINUTES, with cut
# connections and a server restart in the middle, then a check that every
# replica converged and the server holds exactly the ops each handheld
# wrote (none lost, none duplicated). Not part of CTest.
#
# Usage: scripts/soak.sh [MINUTES] [HANDHELDS]
#   MINUTES    default 10
#   HANDHELDS  default 100
# A pool of SOAK_WORKERS (default 8) workers loops over the handhelds (each
# worker owns its own share, so no handheld syncs twice at once): record 1
# to 4 random records (duty log, checkpoint scan, visitor), then `rounds
# sync`, one in four through cutproxy with a random direction and cut
# point. Half-way the server gets SIGTERM and is started again on the same
# port and data. At the end every handheld syncs twice, then the script
# checks: each `rounds dump` digest equals `roundsd dump`'s; each
# handheld's own ops are all on the server (held = own ops, acked); the
# server's op count is the sum of the handhelds' own ops and the office's
# (counted before the first sync); every handheld holds every op once.
# Prints a summary; exit 0 only when all hold.
# Builds a Release roundsd, rounds and cutproxy in build-syncsoak/; the
# stores live in a temp dir (TMPDIR), kept when the soak fails.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
minutes=${1:-10}
nhh=${2:-100}
workers=${SOAK_WORKERS:-8}
build="$top/build-syncsoak"

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROUNDS_SANITIZE=OFF \
  -DROUNDS_BENCH=OFF >/dev/null || exit 1
cmake --build "$build" -j "$(nproc)" --target roundsd rounds cutproxy \
  >"$build/soak-build.log" 2>&1 || {
  tail -30 "$build/soak-build.log"; echo "soak: build failed"; exit 1; }
ROUNDSD="$build/server/roundsd"
ROUNDS="$build/handheld/rounds"
CUTPROXY="$build/tests/integration/cutproxy"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rounds-soak-XXXXXX")
SRV="$WORK/server"
SRV_PID=""
ok=0
cleanup() {
  [ -n "$SRV_PID" ] && kill -9 "$SRV_PID" 2>/dev/null
  jobs -p | xargs -r kill 2>/dev/null
  wait 2>/dev/null
  if [ "$ok" = 1 ]; then rm -rf "$WORK"; else echo "soak: kept $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

jget() {
  python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
hh() { local n=$1; shift; ROUNDS_DATA="$WORK/hh/$n" "$ROUNDS" "$@"; }

PORT=0
RUN=0
server_start() { # each run of the server logs to server.RUN.log
  RUN=$((RUN + 1))
  local log="$WORK/server.$RUN.log"
  "$ROUNDSD" serve --data "$SRV" --listen "127.0.0.1:$PORT" 2>"$log" &
  SRV_PID=$!
  for _ in $(seq 200); do
    if grep -q "listening on" "$log"; then
      PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$log")
      return 0
    fi
    sleep 0.05
  done
  echo "soak: roundsd did not start"; cat "$log"; exit 1
}
hwm_mb() { sed -n 's/^VmHWM:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$SRV_PID/status" \
  | awk '{printf "%d", $1 / 1024}'; }
server_stop() {
  kill -TERM "$SRV_PID" && wait "$SRV_PID"
  local rc=$?
  SRV_PID=""
  return $rc
}

"$ROUNDSD" init --data "$SRV" >/dev/null || exit 1
server_start
echo "soak: roundsd on 127.0.0.1:$PORT, $nhh handhelds, $workers workers," \
  "$minutes min, data in $WORK"
mkdir -p "$WORK/hh" "$WORK/stats"
for i in $(seq -f "%03g" 1 "$nhh"); do
  hh "$i" init --site S1 --name "hh-$i" --user "guard-$i" >/dev/null || exit 1
  cred=$("$ROUNDSD" enroll --data "$SRV" --site S1 --device "hh-$i" --json \
    | jget credential) || exit 1
  hh "$i" enroll --server "127.0.0.1:$PORT" --cert "$SRV/server.crt" \
    --credential "$cred" >/dev/null || exit 1
done

# record N: 1..4 random records on handheld N.
record() {
  local n=$1 k r
  for ((k = 0; k < 1 + RANDOM % 4; k++)); do
    r=$RANDOM
    case $((r % 3)) in
      0) hh "$n" log --text "soak note $r from $n" ;;
      1) hh "$n" scan --tag "CP-$((r % 40))" --route R1 ;;
      2) hh "$n" visit enter --name "V$n-$r" --id-type id_card \
           --id-no "11010119900$r" --unit "1-1-$((r % 30))" \
           --purpose visit --gate A ;;
    esac >/dev/null 2>&1 && echo "record" >>"$stats"
  done
}

# sync_cut N: one sync through a proxy that cuts after a random byte.
sync_cut() {
  local n=$1 dir=up pport ppid
  [ $((RANDOM % 2)) = 0 ] && dir=down
  "$CUTPROXY" "$PORT" "$dir" $((1 + RANDOM % 20000)) >"$WORK/p.$n" &
  ppid=$!
  for _ in $(seq 100); do [ -s "$WORK/p.$n" ] && break; sleep 0.02; done
  pport=$(cat "$WORK/p.$n")
  timeout 60 env ROUNDS_DATA="$WORK/hh/$n" "$ROUNDS" sync \
    --server "127.0.0.1:$pport" --timeout 10 >/dev/null 2>&1
  local rc=$?
  kill "$ppid" 2>/dev/null
  wait "$ppid" 2>/dev/null
  return $rc
}

worker() {
  local w=$1 end=$2 n i
  stats="$WORK/stats/w$w"
  local mine=()
  for ((i = w + 1; i <= nhh; i += workers)); do
    mine+=("$(printf %03d $i)")
  done
  [ ${#mine[@]} -eq 0 ] && return
  while [ "$(date +%s)" -lt "$end" ]; do
    n=${mine[$((RANDOM % ${#mine[@]}))]}
    record "$n"
    if [ $((RANDOM % 4)) = 0 ]; then
      if sync_cut "$n"; then echo "cut-ok"; else echo "cut-fail"; fi
    else
      if timeout 60 env ROUNDS_DATA="$WORK/hh/$n" "$ROUNDS" sync \
        --timeout 10 >/dev/null 2>&1; then echo "sync-ok"
      else echo "sync-fail"; fi
    fi >>"$stats"
  done
}

# What the site holds before any handheld pushed: the office's own ops
# (enrollment publishes the site's key, for one).
office_ops=$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')
start=$(date +%s)
end=$((start + minutes * 60))
wpids=()
for ((w = 0; w < workers; w++)); do worker "$w" "$end" & wpids+=($!); done

# The restart, half-way.
sleep $((minutes * 30))
hwm1=$(hwm_mb)
t=$(date +%s%N)
server_stop; stop_rc=$?
server_start
restart_ms=$((($(date +%s%N) - t) / 1000000))
echo "soak: server restarted half-way (SIGTERM exit $stop_rc," \
  "back in ${restart_ms} ms)"
for p in "${wpids[@]}"; do wait "$p"; done
soaked=$(($(date +%s) - start))

# Every handheld syncs twice: the first round pushes everything, the
# second pulls what the others pushed after it.
final_fail=0
for round in 1 2; do
  for i in $(seq -f "%03g" 1 "$nhh"); do echo "$i"; done |
    xargs -P "$workers" -I{} env ROUNDS_DATA="$WORK/hh/{}" "$ROUNDS" sync \
      --timeout 30 >/dev/null 2>"$WORK/final-$round.err" ||
    final_fail=$((final_fail + 1))
done
hwm2=$(hwm_mb)

# The checks.
fails=0
bad() { echo "soak: FAIL: $*"; fails=$((fails + 1)); }
[ "$final_fail" = 0 ] || bad "final syncs failed: $(head -3 "$WORK"/final-*.err)"
want=$("$ROUNDSD" dump --data "$SRV" --site S1 | sed -n 's/^digest //p')
srv_ops=$("$ROUNDSD" dump --data "$SRV" --site S1 --ops | sed -n 's/^ops //p')
"$ROUNDSD" devices --data "$SRV" --site S1 --json >"$WORK/devices.json"
sum_own=0
for i in $(seq -f "%03g" 1 "$nhh"); do
  hh "$i" status --json >"$WORK/st.json" || { bad "status of $i"; continue; }
  own=$(jget own_ops <"$WORK/st.json")
  total=$(jget ops_total <"$WORK/st.json")
  acked=$(jget acked_seq <"$WORK/st.json")
  held=$(python3 -c 'import json,sys
d=[x for x in json.load(open(sys.argv[1])) if x["device"]==sys.argv[2]]
print(d[0]["held_seq"] if d else -1)' "$WORK/devices.json" "hh-$i")
  sum_own=$((sum_own + own))
  [ "$held" = "$own" ] || bad "hh-$i wrote $own ops, the server holds $held"
  [ "$acked" = "$own" ] || bad "hh-$i: acked $acked of $own"
  digest=$(hh "$i" dump | sed -n 's/^digest //p')
  [ "$digest" = "$want" ] || bad "hh-$i digest $digest != server's $want"
  echo "$total" >>"$WORK/totals"
done
[ "$srv_ops" = $((sum_own + office_ops)) ] ||
  bad "the server holds $srv_ops ops; the handhelds wrote $sum_own," \
    "the office $office_ops"
bad_totals=$(grep -cvx "$srv_ops" "$WORK/totals")
[ "$bad_totals" = 0 ] || bad "$bad_totals handhelds do not hold all $srv_ops ops"
server_stop || bad "roundsd did not stop cleanly"

count() { cat "$WORK"/stats/w* 2>/dev/null | grep -cx "$1"; }
echo "soak: summary"
echo "  soaked          ${soaked}s with $nhh handhelds, $workers workers"
echo "  records         $(count record)"
echo "  syncs direct    $(count sync-ok) ok, $(count sync-fail) failed"
echo "  syncs cut       $(count cut-ok) ok, $(count cut-fail) cut short"
echo "  restart         SIGTERM exit $stop_rc, listening again in ${restart_ms} ms"
echo "  final syncs     2 x $nhh, $final_fail failed"
echo "  server ops      $srv_ops (handhelds' own $sum_own + office $office_ops)"
echo "  digest          $want (all $nhh handhelds compared)"
echo "  server VmHWM    ${hwm1} MB before the restart, ${hwm2} MB after"
if [ "$fails" = 0 ]; then
  echo "soak: PASS"
  ok=1
  exit 0
fi
echo "soak: FAIL ($fails checks)"
exit 1
