#!/usr/bin/env bash
# The main job end to end, with an embedded default day: installs missing
# packages, builds (Release) into build-release/, makes a handheld, records a
# guard's and a butler's work offline, and prints what the office would read.
# Leaves its data in ${ROUNDS_DEMO_DIR:-./demo-data} for you to explore.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
build="$top/build-release"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DROUNDS_SANITIZE=OFF \
  -DBUILD_TESTING=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
R="$build/handheld/rounds"
demo=${ROUNDS_DEMO_DIR:-$top/demo-data}
rm -rf "$demo"
mkdir -p "$demo"
export ROUNDS_DATA="$demo/hh-gate"
say() { printf '\n== %s\n' "$*"; }
id_of() { sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p'; }

say "A gate handheld is set up for site S1 and guard Li takes it"
"$R" init --site S1 --name HH-GATE --user guard-li

say "Night patrol, no signal in the car park: checkpoint scans"
for cp in CP-01 CP-02 CP-03; do "$R" scan --tag $cp --route R1; done
"$R" scan --tag CP-04 --route R1 --anomaly true \
  --note "stairwell door ajar, latch broken" --workorder door_window

say "Visitors and an unfamiliar van at gate A"
v1=$("$R" --json visit enter --name "Wang Wei" --id-type id_card \
  --id-no 110101199001011234 --unit 3-2-1201 --purpose delivery --gate A | id_of)
"$R" visit enter --name "Zhang San" --id-type id_card --id-no 310101198502023456 \
  --unit 5-1-301 --purpose renovation --gate A --pass P7
"$R" visit refuse --name "unknown man" --reason "no ID, would not say why" --gate A
"$R" vehicle enter --plate 沪B12345 --type van --unit 5-1-301 --gate A
"$R" visit exit "$v1" --gate B

say "A resident calls: burst pipe (urgent), dispatched and fixed"
wo=$("$R" --json workorder create --place 3-2-1201 --category plumbing \
  --description "burst pipe under kitchen sink" --urgent-reason pump_pipe_leak \
  --contact "Mr Wang 13800000000" | id_of)
"$R" workorder dispatch "$wo" --assignee tech-zhang
"$R" workorder arrive "$wo" --by tech-zhang
"$R" workorder complete "$wo" --by tech-zhang --signature "Wang" \
  --labour-min 40 --materials "PPR pipe 1m, 2 elbows"
"$R" workorder arrive "$wo" || echo "(refused as it should be: already completed)"

say "Butler Zhou inspects a vacant unit: a leak opens a work order"
"$R" inspect --unit 7-2-1702 --leaks fail --note "water stain on ceiling" --by butler-zhou

say "Duty log and the handover to the incoming shift"
"$R" log --text "fire door drill done at 02:00"
ho=$("$R" --json handover create --to guard-chen --keys "gate keys x3, torch x1" \
  --notes "van 沪B12345 still inside for renovation" | id_of)
"$R" handover ack "$ho" --by guard-chen

say "Who is still inside (ID numbers masked)"
"$R" list visitors
"$R" list vehicles
say "Open work orders"
"$R" list workorders
say "The handover"
"$R" show "$ho"
say "Device status"
"$R" status
echo
echo "demo data kept in $demo; try: ROUNDS_DATA=$ROUNDS_DATA $R list scans --json"
