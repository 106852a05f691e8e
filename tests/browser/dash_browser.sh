#!/usr/bin/env bash
# dash_browser.sh BIN: the office dashboard in a real browser (issue 17),
# CTest test_dash_browser. A real roundsd (loopback TLS, clock pinned at
# 02:00 Beijing time) holds site S1 with checkpoints, a route, staff and
# units, and office accounts made with `roundsd user add` (an admin, a
# clerk, and one to lock out). `roundsd serve --web-listen 127.0.0.1:0`
# starts the dashboard; its certificate (made by `roundsd init` at test
# time) is pinned in Chromium by its SPKI hash
# (--ignore-certificate-errors-spki-list: that key only, every other
# certificate is still checked). Debian's headless Chromium, driven by
# puppeteer-core (npm_ci.sh installs it from package-lock.json into the
# build folder), walks dash_test.mjs's scenario; then the office's own
# commands check what the page wrote. A handheld attaches a photo to the
# work order the clerk filed and syncs: the order's page shows it (GET
# /api/attachment/HASH). Screenshots:
# BIN/tests/browser/screenshots/dash-<page>-<lang>.png (1366x768) and
# dash-tablet-<page>-<lang>.png (1024x768).
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
need_test_clock

OUT="$BIN/tests/browser"
CHROMIUM=${ROUNDS_CHROMIUM:-/usr/bin/chromium}
for need in node npm "$CHROMIUM"; do
  command -v "$need" >/dev/null || {
    echo "FAIL: $need is missing: run scripts/deps.sh"; exit 1; }
done
fc-list :lang=zh | grep -q . || {
  echo "FAIL: no Chinese font (fonts-wqy-microhei): run scripts/deps.sh"
  exit 1; }
. "$HERE/npm_ci.sh"
browser_npm_ci "$OUT" || { echo "FAIL: npm ci"; exit 1; }
check "i18n: both languages have every key the dashboard uses" \
  node "$HERE/check_i18n.mjs" "$HERE/../../dash/www"

# ---- the office: site S1 and its accounts ------------------------------------
export TZ=Asia/Shanghai
rd() { "$ROUNDSD" "$@" --data "$SRV"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
S=1795802400000 # 2026-11-28T02:00:00+08:00
export ROUNDSD_CLOCK_MS=$S
# The handheld's clock a minute behind the office's: its visitor came in
# before the board's "now".
export ROUNDS_CLOCK_MS=$((S - 60000))
server_init
for i in 1 2 3; do
  rd checkpoint add --site S1 --tag "CP-0$i" --name "$i 号岗" \
    --place "$i 号楼" >/dev/null || fail "checkpoint CP-0$i"
done
rd route add --site S1 --route R1 --name "北区夜巡" --interval-min 120 \
  --window-min 30 --checkpoints CP-01,CP-02,CP-03 >/dev/null ||
  fail "route add"
rd staff add --site S1 --staff tech-zhou --name "周师傅" --role technician \
  >/dev/null || fail "staff tech-zhou"
rd unit add --site S1 --unit 3-2-1201 --vacant true >/dev/null ||
  fail "vacant unit"
rd unit add --site S1 --unit 1-1-101 --resident "Li Ming" >/dev/null ||
  fail "unit"
rd tags init --site S1 >/dev/null || fail "tags init"
# user NAME ROLE SITE PASSWORD
user() {
  printf '%s\n' "$4" | rd user add "$1" --grant "$3=$2" --password-stdin \
    >/dev/null || fail "user add $1"
}
user boss admin '*' 'admin-pass-1'
user desk clerk S1 'clerk-pass-1'
user temp clerk S1 'temp-pass-1'
[ "$FAILS" -eq 0 ] || { finish; exit 1; }

# Handhelds enrolled from the page dial public_address: the sync port,
# known once serve has started on port 0 (and kept on the restart).
server_start
server_stop || fail "serve stops"
printf 'public_address = 127.0.0.1:%s\n' "$PORT" >"$WORK/roundsd.conf"
export ROUNDSD_CONFIG="$WORK/roundsd.conf"
server_start --web-listen 127.0.0.1:0
web_port
WEB="https://127.0.0.1:$WP"
echo "dashboard: $WEB (sync port $PORT)"

# ---- the browser -------------------------------------------------------------
mkdir -p "$OUT/screenshots" "$WORK/downloads"
rm -f "$OUT"/screenshots/dash-*.png
t0=$(date +%s%N)
NODE_PATH="$OUT/node/node_modules" CHROMIUM="$CHROMIUM" WORK="$WORK" \
  SRV="$SRV" ROUNDS="$ROUNDS" ROUNDSD="$ROUNDSD" CERT="$SRV/server.crt" \
  node "$HERE/dash_test.mjs" "$WEB" "$OUT/screenshots" \
  "$HERE/../../dash/www" || fail "the browser scenario (dash_test.mjs)"
echo "browser scenario: $((($(date +%s%N) - t0) / 1000000)) ms"

# ---- what the page wrote, as the office's own commands see it ----------------
eq "enrolled with the CSRF token, once (without it: refused); from the page" \
  "$(rd devices --json | py 'sorted(x["device"] for x in d)')" \
  "['hh-csrf', 'hh-web', 'hh-web2']"
eq "the unit added through the master-data form" \
  "$(rd list units --site S1 --json |
    py 'sum(1 for r in d if "5-1-501" in json.dumps(r))')" 1
check "the handheld enrolled from the page synced its visitor" \
  grep -q "Web 访客" <(rd report inside --site S1 --format csv \
    --table visitors)
finish
