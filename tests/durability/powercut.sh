# powercut.sh: helpers of the durability tests, sourced after
# tests/integration/lib.sh with SHIM set to the power-cut shim
# (powercut.c). PCLOG collects the shim's lines.
PCLOG="$WORK/powercut.log"
: >"$PCLOG"

# under_cut AT COMMAND...: runs COMMAND with the power going at AT (exit,
# push_ack:N). The shim is no ASan build and comes first in the preload
# list, which ASan would refuse without verify_asan_link_order=0; a
# preload already set (faketime's, which moves the whole suite's clocks)
# stays after it.
under_cut() {
  local at=$1; shift
  env LD_PRELOAD="$SHIM${LD_PRELOAD:+:$LD_PRELOAD}" \
    ROUNDS_POWERCUT_AT="$at" ROUNDS_POWERCUT_LOG="$PCLOG" \
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    TSAN_OPTIONS="${TSAN_OPTIONS:-}" "$@"
}

# held NAME: the highest seq of handheld NAME that the site store holds
# (roundsd devices reads it from the store).
held() {
  "$ROUNDSD" devices --data "$SRV" --json | python3 -c '
import json, sys
for d in json.load(sys.stdin):
    if d["device"] == sys.argv[1]:
        print(d["held_seq"])' "$1"
}
