#!/usr/bin/env bash
# The main job end to end, with an embedded default day: installs missing
# packages, builds (Release) into build-release/, starts roundsd on loopback
# TLS, enrolls a gate handheld and a butler's handheld, records a day's work
# offline on both, syncs them at shift change, and prints what the office
# reads. roundsd also serves the office dashboard over HTTPS (a demo login
# is printed). Then it opens the gate handheld's app (rounds app) and
# prints both addresses: on a terminal they stay open until Enter,
# otherwise it checks both answer and stops. Leaves its data in
# ${ROUNDS_DEMO_DIR:-./demo-data}.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
build="$top/build-release"
# A scripted day: the office's clock is pinned below for the master data
# written "this morning", which only a test-clock build honours.
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROUNDS_SANITIZE=OFF \
  -DBUILD_TESTING=OFF -DROUNDS_TEST_CLOCK=ON >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
R="$build/handheld/rounds"
D="$build/server/roundsd"
# The build's own catalogues (an installed roundsd finds its own): the
# dashboard's titles in Chinese, and the CLIs' in a zh_CN locale.
export ROUNDS_LOCALEDIR="$build/locale"
demo=${ROUNDS_DEMO_DIR:-$top/demo-data}
rm -rf "$demo"
mkdir -p "$demo"
say() { printf '\n== %s\n' "$*"; }
id_of() { sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p'; }
gate() { ROUNDS_DATA="$demo/hh-gate" "$R" "$@"; }
butler() { ROUNDS_DATA="$demo/hh-butler" "$R" "$@"; }
srv_pid=""
app_pid=""
trap '[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null
      [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; wait 2>/dev/null' EXIT
LI_PIN=246810    # the demo's PINs; a real office gives each person their own
CHEN_PIN=135790
OFFICE_PW="rounds-demo-office"   # the demo's dashboard logins
CLERK_PW="rounds-demo-clerk"

say "The office sets up roundsd (TLS on loopback, its dashboard on HTTPS) and enrolls two handhelds"
"$D" init --data "$demo/server"
"$D" user add office --grant '*=admin' --password-stdin \
  --data "$demo/server" <<<"$OFFICE_PW"
"$D" user add clerk-wu --grant 'S1=clerk' --password-stdin \
  --data "$demo/server" <<<"$CLERK_PW"
"$D" serve --data "$demo/server" --listen 127.0.0.1:0 \
  --web-listen 127.0.0.1:0 2>"$demo/server.log" &
srv_pid=$!
for _ in $(seq 200); do
  grep -q "web: listening on" "$demo/server.log" && break
  sleep 0.05
done
port=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$demo/server.log" | head -1)
web=$(sed -n 's|.*web: listening on \(https://[0-9.]*:[0-9]*\).*|\1|p' "$demo/server.log" | head -1)
echo "roundsd listening on 127.0.0.1:$port; dashboard on $web"
cred_gate=$("$D" enroll --data "$demo/server" --site S1 --device HH-GATE --json |
  sed -n 's/.*"credential":"\([^"]*\)".*/\1/p')
cred_butler=$("$D" enroll --data "$demo/server" --site S1 --device HH-BUTLER --json |
  sed -n 's/.*"credential":"\([^"]*\)".*/\1/p')
gate init --site S1 --name HH-GATE --user guard-li
gate enroll --server "127.0.0.1:$port" --cert "$demo/server/server.crt" --credential "$cred_gate"
butler init --site S1 --name HH-BUTLER --user butler-zhou
butler enroll --server "127.0.0.1:$port" --cert "$demo/server/server.crt" --credential "$cred_butler"

say "The office writes master data; the handhelds take it at their first sync"
# The route has existed since this morning (the office's clock, pinned for
# these commands), so the patrol report below holds the day's rounds.
export ROUNDSD_CLOCK_MS=$(( $(date +%s) * 1000 - 13 * 3600 * 1000 ))
places=("" "B1 car park ramp" "B1 pump room" "east gate" "stairwell 5-1")
for i in 1 2 3 4; do
  "$D" checkpoint add --data "$demo/server" --site S1 --tag "CP-0$i" \
    --name "checkpoint $i" --place "${places[$i]}" >/dev/null
done
"$D" route add --data "$demo/server" --site S1 --route R1 --name "Night round" \
  --interval-min 120 --checkpoints CP-01,CP-02,CP-03,CP-04
"$D" plate add --data "$demo/server" --site S1 --plate 沪A88888 --unit 3-2-1201 \
  --owner "Mr Wang"
"$D" blacklist add --data "$demo/server" --site S1 --plate 沪C44444 \
  --reason "repeated tailgating, banned by the owners' committee"
"$D" unit add --data "$demo/server" --site S1 --unit 7-2-1702 --cluster C7 \
  --vacant true >/dev/null
"$D" unit add --data "$demo/server" --site S1 --unit 7-2-1801 --cluster C7 \
  --vacant true >/dev/null
for p in guard-li:guard guard-chen:guard butler-zhou:butler tech-zhang:technician; do
  "$D" staff add --data "$demo/server" --site S1 --staff "${p%%:*}" \
    --name "${p%%:*}" --role "${p##*:}" >/dev/null
done
# The guards sign in with PINs (only their Argon2id hashes are stored and
# synced); the butler and the technician are still recorded by name.
"$D" staff pin --data "$demo/server" --site S1 --staff guard-li --pin-stdin <<<"$LI_PIN"
"$D" staff pin --data "$demo/server" --site S1 --staff guard-chen --pin-stdin <<<"$CHEN_PIN"
unset ROUNDSD_CLOCK_MS
gate sync
butler sync
gate list routes
say "Guard Li signs in on the gate handheld with her PIN, offline"
gate scan --tag CP-01 --route R1 ||
  echo "(refused: guard-li has a PIN, nobody records in her name until she signs in)"
gate signin --staff guard-li --pin-stdin <<<"$LI_PIN"

say "Night patrol, no signal in the car park: checkpoint scans"
for cp in CP-01 CP-02 CP-03; do gate scan --tag $cp --route R1; done
gate scan --tag CP-04 --route R1 --anomaly true \
  --note "stairwell door ajar, latch broken" --workorder door_window

say "Visitors and an unfamiliar van at gate A"
v1=$(gate --json visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199001011234 --unit 3-2-1201 --purpose delivery --gate A | id_of)
gate visit enter --name "Zhang San" --id-type id_card --id-no 310101198502023456 \
  --unit 5-1-301 --purpose renovation --gate A --pass P7
gate visit refuse --name "unknown man" --reason "no ID, would not say why" --gate A
gate vehicle enter --plate 沪B12345 --type van --unit 5-1-301 --gate A
gate vehicle enter --plate 沪A88888 --gate A ||
  echo "(not registered: a resident's car, known offline)"
gate vehicle enter --plate 沪C44444 --unit 2-1-502 --gate A   # warns, records the hit
gate visit exit "$v1" --gate B

say "Butler Zhou, offline too: a burst pipe (urgent) and a vacant-unit inspection"
wo=$(butler --json workorder create --place 3-2-1201 --category plumbing \
  --description "burst pipe under kitchen sink" --urgent-reason pump_pipe_leak \
  --contact "Mr Wang 13800000000" | id_of)
butler workorder dispatch "$wo" --assignee tech-zhang
# A photo of the pipe: checked by its bytes, its GPS location taken out,
# kept under its SHA-256; the sync sends it after the records.
butler attach "$wo" "$top/scripts/demo/burst-pipe.jpg"
butler inspect --unit 7-2-1702 --leaks fail --note "water stain on ceiling"
butler log --text "called back 2-1-502 about the lift noise"

say "Shift change: both handhelds sync with the office"
gate sync
butler sync
gate sync   # picks up what the butler pushed after the gate's first sync

say "The gate handheld now sees the butler's work orders (and fetched the photo of the open one)"
gate list workorders
gate attachment list
say "The technician, on the butler's handheld, finishes the urgent order"
butler workorder arrive "$wo" --by tech-zhang
butler workorder complete "$wo" --by tech-zhang --signature "Wang" \
  --labour-min 40 --materials "PPR pipe 1m, 2 elbows"
butler sync
gate sync
gate show "$wo"

say "Handover at the gate (open items listed automatically)"
ho=$(gate --json handover create --to guard-chen --keys "gate keys x3, torch x1" \
  --notes "van 沪B12345 still inside for renovation" | id_of)
# Guard Chen signs in on the same handheld with her own PIN and acknowledges.
gate signin --staff guard-chen --pin-stdin <<<"$CHEN_PIN"
gate handover ack "$ho"
gate sync
butler sync

say "The butler's handheld sees who is still inside the gate (ID numbers masked)"
butler list visitors
butler list vehicles

say "The gate's own shift report, offline (rounds report shift)"
gate report shift
say "Office report: patrol (rounds of route R1 in the last 12 hours)"
"$D" report patrol --data "$demo/server" --site S1 --hours 12
say "Office report: who is still inside, blacklist hits"
"$D" report inside --data "$demo/server" --site S1
say "Office report: work orders and their SLA clocks"
"$D" report workorders --data "$demo/server" --site S1
say "Office report: vacant units overdue for inspection"
"$D" report vacant --data "$demo/server" --site S1
say "Office report: handovers and acknowledgements"
"$D" report handover --data "$demo/server" --site S1
say "Office report: handhelds, last sync, ops behind, clocks, chains"
"$D" report devices --data "$demo/server" --site S1
say "Office report: every device's op chain verified end to end"
"$D" report integrity --data "$demo/server" --site S1 | head -4
say "The visitor's ID number is sealed for the office; opening it is logged"
"$D" pii show "$v1" --data "$demo/server" --site S1 \
  --reason "demo: a delivery complaint needs the courier's ID" --by clerk-zhou
"$D" pii log --data "$demo/server" --site S1
gate sync     # the access is an office op: every handheld gets it
butler sync
say "Office report: every record of site S1 (same digest on every replica)"
"$D" dump --data "$demo/server" --site S1 --ops | tail -2
echo "gate   $(gate dump | tail -1)"
echo "butler $(butler dump | tail -1)"
say "Server log: one line per sync"
grep '^sync ' "$demo/server.log" || cat "$demo/server.log"

say "The gate handheld's app (rounds app): the same records on a screen"
rm -f "$demo/app.url"
# (exec in a subshell, not the gate function with &: $! must be rounds
# itself, or the kill below stops only a subshell and the app outlives the
# demo)
(ROUNDS_DATA="$demo/hh-gate" exec "$R" app --url-file "$demo/app.url" \
  >/dev/null 2>"$demo/app.log") &
app_pid=$!
for _ in $(seq 200); do [ -s "$demo/app.url" ] && break; sleep 0.05; done
url=$(cat "$demo/app.url")
echo "rounds app listening: $url"
echo "(loopback only; the link carries this launch's secret. Signed in: guard-chen,"
echo " PIN $CHEN_PIN; guard-li's PIN is $LI_PIN.)"
jar="$demo/app.cookies"
if command -v curl >/dev/null; then
  curl -s -c "$jar" -o /dev/null "$url"
  base=${url%%/open*}
  echo "GET /api/session: $(curl -s -b "$jar" "$base/api/session" | head -c 300)"
fi

say "The office dashboard (roundsd serve --web-listen): the shift-change board"
echo "dashboard: $web/   login: office / $OFFICE_PW (admin, every site),"
echo "           clerk-wu / $CLERK_PW (clerk of S1)"
echo "(the certificate is the demo server's own, self-signed: $demo/server/server.crt)"
if command -v curl >/dev/null; then
  # The demo's certificate names the host "roundsd": curl is told that
  # roundsd is 127.0.0.1 and checks the certificate against it.
  ojar="$demo/office.cookies" wport=${web##*:}
  office=(curl -s --cacert "$demo/server/server.crt"
          --resolve "roundsd:$wport:127.0.0.1")
  "${office[@]}" -c "$ojar" -o /dev/null \
    -H 'Content-Type: application/json' -H "Origin: https://roundsd:$wport" \
    --data "{\"name\":\"office\",\"password\":\"$OFFICE_PW\"}" \
    "https://roundsd:$wport/api/login" || true
  echo "GET /api/board?site=S1: $("${office[@]}" -b "$ojar" \
    "https://roundsd:$wport/api/board?site=S1" | head -c 300)..."
fi
if [ -t 0 ] && [ -t 1 ]; then
  read -r -p "Open the links in a browser (360x640 is a handheld; the dashboard wants 1366x768). Enter stops both. " _
else
  echo "(not a terminal: both stop with the demo; run them again with"
  echo " ROUNDS_DATA=$demo/hh-gate $R app   and"
  echo " $D serve --data $demo/server --web-listen 127.0.0.1:8443)"
fi
kill "$app_pid" 2>/dev/null
wait "$app_pid" 2>/dev/null || true
app_pid=""
echo
echo "demo data kept in $demo"
