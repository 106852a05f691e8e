#!/usr/bin/env bash
# test_app_browser.sh BIN: the handheld app in a real browser (issue 16).
# A real roundsd (loopback TLS, clock pinned at 02:00 Beijing time, so the
# app is in its night theme) holds site S1: checkpoints and a route, signed
# tags, staff with PINs, a vacant unit, a resident's plate, a blacklisted
# person. A real handheld enrolls and syncs, then `rounds app` serves it and
# Debian's headless Chromium (puppeteer-core, installed by `npm ci` from
# package-lock.json into the build folder) walks app_test.mjs's scenario:
# lockout after 5 bad PINs, a signed tag through the wedge input and a
# forged one, the camera reading a signed tag's QR code (Chromium's fake
# camera playing a film qr_y4m writes; zxing-wasm decodes), a blacklisted
# visitor, a work order completed with a drawn
# signature and a photo attached through the Photo button's file input (a
# text file refused in words), a handover acknowledged with the second guard's PIN, a sync.
# Then the records are checked with `rounds list --json` and the office's
# reports. Screenshots: BIN/tests/browser/screenshots/<screen>-<lang>.png.
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
fc-list :lang=zh | grep -q . || {
  echo "FAIL: no Chinese font (fonts-wqy-microhei): run scripts/deps.sh"
  exit 1; }

# ---- puppeteer-core, exactly as locked, into the build folder --------------
. "$HERE/npm_ci.sh"
browser_npm_ci "$OUT" || { echo "FAIL: npm ci"; exit 1; }
check "i18n: both languages have every key the page uses" \
  node "$HERE/check_i18n.mjs" "$HERE/../../app/www"

# ---- the office: site S1 -----------------------------------------------------
rd() { "$ROUNDSD" "$@" --data "$SRV"; }
py() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
S=1795802400000 # 2026-11-28T02:00:00+08:00
export ROUNDSD_CLOCK_MS=$S
export ROUNDS_CLOCK_MS=$((S + 60000))
server_init
for i in 1 2 3 4 5; do
  rd checkpoint add --site S1 --tag "CP-0$i" --name "$i 号岗" \
    --place "$i 号楼" >/dev/null || fail "checkpoint CP-0$i"
done
rd route add --site S1 --route R1 --name "北区夜巡" --interval-min 120 \
  --window-min 30 --checkpoints CP-01,CP-02,CP-03,CP-04,CP-05 >/dev/null ||
  fail "route add"
rd staff add --site S1 --staff guard-li --name "李娜" --role guard \
  >/dev/null || fail "staff guard-li"
rd staff add --site S1 --staff guard-wang --name "王芳" --role guard \
  >/dev/null || fail "staff guard-wang"
rd staff add --site S1 --staff guard-zhao --name "赵强" --role guard \
  >/dev/null || fail "staff guard-zhao"
echo 2468 | rd staff pin --site S1 --staff guard-li --pin-stdin >/dev/null ||
  fail "pin guard-li"
echo 1357 | rd staff pin --site S1 --staff guard-wang --pin-stdin >/dev/null ||
  fail "pin guard-wang"
echo 9753 | rd staff pin --site S1 --staff guard-zhao --pin-stdin >/dev/null ||
  fail "pin guard-zhao"
rd unit add --site S1 --unit 3-2-1201 --vacant true >/dev/null ||
  fail "vacant unit"
rd unit add --site S1 --unit 1-1-101 --resident "Li Ming" >/dev/null ||
  fail "unit"
rd plate add --site S1 --plate "京A·12345" --unit 1-1-101 >/dev/null ||
  fail "plate"
rd blacklist add --site S1 --person "钱宝" --id-no 110101199001011234 \
  --reason "2025 年盗窃" >/dev/null || fail "blacklist"
rd blacklist add --site S1 --person "Zhao Si" --reason "harassed residents" \
  >/dev/null || fail "blacklist 2"
rd tags init --site S1 >/dev/null || fail "tags init"
P4=$(rd tags payload --site S1 --tag CP-04)
P2=$(rd tags payload --site S1 --tag CP-02)
P3=$(rd tags payload --site S1 --tag CP-03)
# The fake camera's film: CP-03's signed payload as a QR code.
"$OUT/qr_y4m" "$WORK/camera.y4m" "$P3" 30 || fail "qr_y4m"
# The forged tag: CP-04's payload with its signature's last character
# changed.
last=${P4: -1}
[ "$last" = A ] && sub=B || sub=A
FORGED="${P4:0:${#P4}-1}$sub"

server_start
hh_new a
hh_sync a >/dev/null || fail "a syncs the master data"
[ "$FAILS" -eq 0 ] || { finish; exit 1; }

# ---- the app -----------------------------------------------------------------
ROUNDS_DATA="$WORK/hh-a" "$ROUNDS" app --url-file "$WORK/url" \
  >"$WORK/app.out" 2>"$WORK/app.err" &
APP_PID=$!
for _ in $(seq 400); do
  [ -s "$WORK/url" ] && break
  kill -0 "$APP_PID" 2>/dev/null || break
  sleep 0.05
done
[ -s "$WORK/url" ] || { fail "rounds app did not start"; cat "$WORK/app.err";
  finish; exit 1; }
eq "url file mode 0600" "$(stat -c %a "$WORK/url")" 600

rm -rf "$OUT/screenshots"
mkdir -p "$OUT/screenshots"
t0=$(date +%s%N)
NODE_PATH="$OUT/node/node_modules" CHROMIUM="$CHROMIUM" \
  P4="$P4" P2="$P2" FORGED="$FORGED" CAMERA_Y4M="$WORK/camera.y4m" \
  TZ=Asia/Shanghai \
  node "$HERE/app_test.mjs" "$(cat "$WORK/url")" "$OUT/screenshots" \
  "$HERE/../../app/www" || fail "the browser scenario (app_test.mjs)"
echo "browser scenario: $((($(date +%s%N) - t0) / 1000000)) ms"
stop_app || fail "rounds app exits 0 on SIGTERM"

# ---- what the handheld recorded -----------------------------------------------
rows() { hh a list "$1" --all --json; }
eq "scans: CP-04 (nfc, verified, by guard-li) and CP-02 (by guard-wang)" \
  "$(rows scans | py 'sorted((r["fields"]["tag"], r["fields"].get("verified"), r["fields"]["by"]) for r in d if not r["fields"].get("anomaly") and r["fields"].get("method") != "qr")')" \
  "[('CP-02', True, 'guard-wang'), ('CP-04', True, 'guard-li')]"
eq "camera scans: CP-03 read from the QR code, verified, method qr" \
  "$(rows scans | py 'sorted((r["fields"]["tag"], r["fields"].get("verified"), r["fields"].get("method"), r["fields"]["by"]) for r in d if r["fields"].get("method") == "qr")')" \
  "[('CP-03', True, 'qr', 'guard-li'), ('CP-03', True, 'qr', 'guard-wang')]"
eq "the anomaly at CP-04 opened a work order" \
  "$(rows scans | py 'sum(1 for r in d if r["fields"].get("anomaly") is True and r["fields"].get("workorder"))')" 1
eq "the anomaly's work order: door/window at CP-04" \
  "$(rows workorders | py '[(r["fields"]["category"], r["fields"]["place"]) for r in d if r["fields"]["description"].endswith("4 号楼后门没关好")]')" \
  "[('door_window', 'checkpoint CP-04')]"
eq "visits: the blacklisted ones carry blacklist_hit" \
  "$(rows visitors | py 'sorted((r["fields"]["name"], r["fields"].get("blacklist_hit")) for r in d)')" \
  "[('Zhao Si', True), ('钱宝', True)]"
eq "the ID number is masked in the list" \
  "$(rows visitors | py '[r["fields"]["id_no"] for r in d if r["fields"]["name"] == "钱宝"][0] != "110101199001011234"')" True
rows workorders >"$WORK/wo-list.json"
wo=$(rows workorders | py '[r["id"] for r in d if r["fields"].get("place") == "2-1-302"][0]')
eq "the work order is completed by guard-li" \
  "$(hh a show "$wo" --json | py '(d["status"], d["fields"].get("complete_by"), d["fields"].get("labour_min"), d["fields"].get("signature"))')" \
  "('completed', 'guard-li', 45, '张伟')"
check "the drawn signature was recorded (signature_strokes)" test "$(hh a show \
  "$wo" --json | py 'len(d["fields"].get("signature_strokes", "").split(";"))')" -ge 2
hh a attachment list --json >"$WORK/att-list.json"
eq "each work order of the app has its photo (rounds attachment list)" \
  "$(python3 -c 'import json,sys
wo = {w["id"]: w["fields"]["place"] for w in json.load(open(sys.argv[1]))}
print(sorted((wo.get(a["record"]), a["type"], a["role"])
             for a in json.load(open(sys.argv[2]))))' \
    "$WORK/wo-list.json" "$WORK/att-list.json")" \
  "[('1-2-201', 'image/jpeg', 'photo'), ('2-1-302', 'image/jpeg', 'photo')]"
eq "handovers: li -> wang acknowledged by wang, wang -> li by li" \
  "$(rows handovers | py 'sorted((r["fields"]["by"], r["fields"]["to"], r["status"], r["fields"].get("ack_by")) for r in d)')" \
  "[('guard-li', 'guard-wang', 'acknowledged', 'guard-wang'), ('guard-wang', 'guard-li', 'acknowledged', 'guard-li')]"
eq "duty log entry by guard-wang" \
  "$(rows log | py '[(r["fields"]["text"], r["fields"]["by"]) for r in d]')" \
  "[('3 号楼电梯间灯坏了', 'guard-wang')]"
eq "everything synced" "$(hh a status --json | jget unsynced)" 0

# ---- what the office sees -------------------------------------------------------
R=(--site S1 --from $((S - 3600000)) --to $((S + 86400000)) --json)
rd report tags "${R[@]}" >"$WORK/tags.json" || fail "report tags"
eq "report tags: verified scans per guard" \
  "$(py '[(g["guard"], g["scans"], g["verified"]) for g in d["sections"]["guards"]]' <"$WORK/tags.json")" \
  "[('guard-li', 3, 3), ('guard-wang', 2, 2)]"
rd report handover "${R[@]}" >"$WORK/handover.json" || fail "report handover"
eq "report handover: both acknowledged, counts matching" \
  "$(py '[d["summary"][k] for k in ("handovers", "acknowledged", "item_mismatches")]' <"$WORK/handover.json")" \
  "[2, 2, 0]"
rd report inside "${R[@]}" >"$WORK/inside.json" || fail "report inside"
eq "report inside: two visitors inside, two blacklist hits" \
  "$(py '[d["summary"][k] for k in ("visitors_inside", "blacklist_hits")]' <"$WORK/inside.json")" \
  "[2, 2]"
rd report workorders "${R[@]}" >"$WORK/wo.json" || fail "report workorders"
eq "report workorders: 2-1-302 completed by the app" \
  "$(py '[(o["status"], o["assignee"]) for o in d["sections"]["orders"] if o["place"] == "2-1-302"]' <"$WORK/wo.json")" \
  "[('completed', 'guard-li')]"
finish
