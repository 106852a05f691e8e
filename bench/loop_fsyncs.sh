#!/usr/bin/env bash
# loop_fsyncs.sh BUILD_DIR [N]: which of roundsd's threads waits for the
# disk when N handhelds (default 100) end a no-op sync at once. Starts a
# roundsd on 127.0.0.1 from BUILD_DIR (a build with -DROUNDS_BENCH=ON),
# enrolls N handhelds (bench_hh) that sync once, then traces one round of
# N no-op syncs at once (bench_hh shift --full) with `strace -f -T` on the
# fsync family, and prints each call with its duration and the count on
# the loop thread (the process's main thread) against the others. Needs
# strace (Debian package `strace`). docs/PERFORMANCE.md, "Nothing durable
# on the loop thread", quotes it. Exit 0, or 2 on bad usage.
set -euo pipefail
case "${1:-}" in
  ""|-h|--help)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    [ -n "${1:-}" ] && exit 0 || exit 2 ;;
esac
B=$1 N=${2:-100}
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "loop_fsyncs: '$N' is not a count" >&2; exit 2; }
command -v strace >/dev/null || { echo "loop_fsyncs: needs strace" >&2; exit 2; }
W=$(mktemp -d) SP=""
trap '[ -n "$SP" ] && kill "$SP" 2>/dev/null; rm -rf "$W"' EXIT
"$B/server/roundsd" init --data "$W/srv" >/dev/null
# All handhelds come from 127.0.0.1: raise the per-address cap on strangers.
"$B/server/roundsd" serve --data "$W/srv" --listen 127.0.0.1:0 \
  --hello-per-addr 4096 --hello-pool 4096 2>"$W/log" &
SP=$!
P=""
for _ in $(seq 100); do
  P=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/log" | head -1)
  [ -n "$P" ] && break
  sleep 0.1
done
[ -n "$P" ] || { echo "loop_fsyncs: roundsd did not start" >&2; exit 1; }
dirs=()
for i in $(seq 0 $((N - 1))); do
  c=$("$B/server/roundsd" enroll --data "$W/srv" --site S --device "H$i" \
      --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credential"])')
  "$B/bench/bench_hh" init "$W/h$i" S "H$i" "G$i" "127.0.0.1:$P" \
    "$W/srv/server.crt" "$c" 10 >/dev/null
  "$B/bench/bench_hh" sync "$W/h$i" >/dev/null
  dirs+=("$W/h$i")
done
"$B/bench/bench_hh" shift --full "${dirs[@]}" >/dev/null # everyone pulled
strace -f -qq -T -e trace=fsync,fdatasync,msync,sync_file_range \
  -o "$W/trace" -p "$SP" &
ST=$!
# strace says nothing once attached: give it a moment (not a result).
sleep 1
"$B/bench/bench_hh" shift --full "${dirs[@]}"
sleep 0.5
kill "$ST"
wait "$ST" 2>/dev/null || true
cat "$W/trace"
echo "loop thread (tid $SP): $(grep -c "^$SP " "$W/trace" || true) fsync-family calls; other threads: $(grep -vc "^$SP " "$W/trace" || true)"
