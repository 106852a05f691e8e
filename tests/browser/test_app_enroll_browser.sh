#!/usr/bin/env bash
# test_app_enroll_browser.sh BIN: a new handheld enrolls from the office's
# QR code in its own app (issue 17). A real roundsd (loopback TLS, clock
# pinned) holds site S1 with a guard; a handheld initialised and not
# enrolled runs `rounds app`; Debian's headless Chromium (puppeteer-core,
# as test_app_browser installs it) opens it: the enroll screen comes
# first; a typed code with one wrong fingerprint digit is refused and
# nothing is stored; the camera (Chromium's fake one playing the QR code of
# `roundsd enroll --payload`, written by qr_y4m) reads the right code: the
# handheld enrolls, syncs, and its staff list offers guard-li's sign-in.
# Then the handheld holds the server's address and nothing unsynced.
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
need_test_clock

OUT="$BIN/tests/browser"
CHROMIUM=${ROUNDS_CHROMIUM:-/usr/bin/chromium}
APP_PID=""
stop_app() {
  [ -n "$APP_PID" ] && kill -TERM "$APP_PID" 2>/dev/null && wait "$APP_PID"
  local rc=$?
  APP_PID=""
  return $rc
}
trap 'stop_app; cleanup' EXIT
for need in node npm "$CHROMIUM"; do
  command -v "$need" >/dev/null || {
    echo "FAIL: $need is missing: run scripts/deps.sh"; exit 1; }
done
# The one puppeteer-core install of this build folder (npm_ci.sh), under
# CTest's resource lock browser_npm: two npm ci at once in one folder
# break each other.
. "$HERE/npm_ci.sh"
browser_npm_ci "$OUT" || { echo "FAIL: npm ci"; exit 1; }

rd() { "$ROUNDSD" "$@" --data "$SRV"; }
export ROUNDSD_CLOCK_MS=1795825200000 # 2026-11-28T08:20:00+08:00
export ROUNDS_CLOCK_MS=$((ROUNDSD_CLOCK_MS + 60000))
server_init
rd staff add --site S1 --staff guard-li --name "李娜" --role guard \
  >/dev/null || fail "staff guard-li"
echo 2468 | rd staff pin --site S1 --staff guard-li --pin-stdin >/dev/null ||
  fail "pin guard-li"
server_start
ADDR="127.0.0.1:$PORT"
PAYLOAD=$(rd enroll --site S1 --device e --payload --public-address "$ADDR" \
  2>/dev/null)
FP=$(sed 's/.*&fp=\([0-9a-f]*\)&.*/\1/' <<<"$PAYLOAD")
[ "${FP:0:1}" = 0 ] && w=1 || w=0
BAD=${PAYLOAD/fp=$FP/fp=$w${FP:1}}
"$OUT/qr_y4m" "$WORK/camera.y4m" "$PAYLOAD" 30 || fail "qr_y4m"
hh e init --site S1 --name e >/dev/null || fail "init e"

ROUNDS_DATA="$WORK/hh-e" "$ROUNDS" app --url-file "$WORK/url" \
  >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
for _ in $(seq 400); do
  [ -s "$WORK/url" ] && break
  kill -0 "$APP_PID" 2>/dev/null || break
  sleep 0.05
done
[ -s "$WORK/url" ] || { fail "rounds app did not start"; cat "$WORK/app.err";
  finish; exit 1; }
mkdir -p "$OUT/screenshots"
NODE_PATH="$OUT/node/node_modules" CHROMIUM="$CHROMIUM" BAD="$BAD" \
  CAMERA_Y4M="$WORK/camera.y4m" TZ=Asia/Shanghai \
  node "$HERE/app_enroll.mjs" "$(cat "$WORK/url")" "$OUT/screenshots" ||
  fail "the browser scenario (app_enroll.mjs)"
stop_app || fail "rounds app exits 0 on SIGTERM"
eq "the handheld is enrolled with the payload's server" \
  "$(hh e status --json | jget server)" "$ADDR"
check "the handheld synced" test "$(hh e status --json | jget last_sync)" != None
eq "the server knows it" \
  "$(rd devices --site S1 --json | python3 -c 'import json,sys; print([d["device_id"] != "" for d in json.load(sys.stdin)])')" \
  "[True]"
finish
