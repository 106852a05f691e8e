# lib.sh: shared set-up for the end-to-end tests: a real roundsd on
# loopback TLS and real rounds handhelds, each in its own temp directory.
# Sourced by test_e2e_*.sh with BIN (the build dir) set. Everything started
# here is stopped by the EXIT trap.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/python.sh"
ROUNDSD="$BIN/server/roundsd"
ROUNDS="$BIN/handheld/rounds"
CUTPROXY="$BIN/tests/integration/cutproxy"
TLSRAW="$BIN/tests/integration/tlsraw"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/rounds-e2e-XXXXXX")
SRV="$WORK/server"
SRV_PID=""
PORT=""
FAILS=0
PASSES=0
# Ops the office writes on a site before any record: the key for personal
# data that the first `roundsd enroll` of the site publishes (server/pii.h).
OFFICE_OPS=1

# ROUNDS_VALGRIND=1: every roundsd this test starts with `serve` runs under
# valgrind memcheck; any error or definite leak makes it exit 99, which
# server_stop and finish report. ROUNDS_VALGRIND_ROUNDSD names the roundsd
# to use (valgrind cannot run an ASan build; the Release build of
# scripts/test.sh is the usual one); the test is skipped (exit 77) when it
# or valgrind is missing.
VALGRIND=()
vg_skip() { echo "SKIP: $*"; rm -rf "$WORK"; exit 77; }
if [ "${ROUNDS_VALGRIND:-0}" = 1 ]; then
  ROUNDSD=${ROUNDS_VALGRIND_ROUNDSD:-$ROUNDSD}
  if ! command -v valgrind >/dev/null; then
    vg_skip "ROUNDS_VALGRIND=1 but valgrind is not installed"
  fi
  if [ ! -x "$ROUNDSD" ]; then
    vg_skip "no roundsd without sanitizers at $ROUNDSD (run" \
      "scripts/test.sh, which builds build-release/, or configure with" \
      "-DROUNDS_PLAIN_BIN_DIR=DIR)"
  fi
  if ldd "$ROUNDSD" | grep -q libasan; then
    vg_skip "$ROUNDSD is an ASan build; valgrind cannot run it"
  fi
  VALGRIND=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-origins=yes --log-file="$WORK/valgrind.%p.log")
  echo "roundsd under valgrind: $ROUNDSD"
fi

# Reports a roundsd that valgrind found at fault (exit 99).
valgrind_status() { # valgrind_status EXIT_CODE
  [ ${#VALGRIND[@]} -gt 0 ] && grep -h "ERROR SUMMARY\|definitely lost" \
    "$WORK"/valgrind.*.log 2>/dev/null | sed 's/^==[0-9]*== /valgrind: /'
  if [ "$1" = 99 ]; then
    fail "valgrind memcheck reported errors in roundsd:"
    cat "$WORK"/valgrind.*.log
  fi
}

# need_test_clock: this test pins clocks ($ROUNDS_CLOCK_MS, $ROUNDSD_CLOCK_MS),
# which only a build made with -DROUNDS_TEST_CLOCK=ON honours: skip (77)
# otherwise.
need_test_clock() {
  case "${RND_TEST_CLOCK:-}" in
    ON | on | 1 | TRUE | true | YES | yes) return 0 ;;
  esac
  echo "SKIP: this test pins clocks: configure with -DROUNDS_TEST_CLOCK=ON"
  rm -rf "$WORK"
  exit 77
}

cleanup() {
  [ -n "$SRV_PID" ] && kill -9 "$SRV_PID" 2>/dev/null
  wait 2>/dev/null
  # pg.sh's cluster, when the test sourced it
  declare -F pg_cleanup >/dev/null && pg_cleanup
  if [ "$FAILS" -eq 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { PASSES=$((PASSES + 1)); }
check() { # check DESCRIPTION COMMAND...: the command must succeed
  local d=$1; shift
  if "$@"; then pass; else fail "$d"; fi
}
eq() { # eq DESCRIPTION GOT WANT
  if [ "$2" == "$3" ]; then pass; else fail "$1: got '$2', want '$3'"; fi
}
finish() {
  # Under valgrind the server must stop cleanly for its leak check to run.
  [ ${#VALGRIND[@]} -gt 0 ] && [ -n "$SRV_PID" ] && server_stop
  echo "$PASSES passed, $FAILS failed"
  [ "$FAILS" -eq 0 ]
}
jget() { # jget KEY < json: prints a top-level field
  python3 -c 'import json,sys; v=json.load(sys.stdin)[sys.argv[1]]; print(str(v).lower() if isinstance(v,bool) else v)' "$1"
}

server_init() {
  "$ROUNDSD" init --data "$SRV" >/dev/null || { echo "roundsd init failed"; exit 1; }
}

# server_start [EXTRA FLAGS]: starts roundsd on 127.0.0.1 (same port as
# before if it ran already) and waits for its "listening on" line.
server_start() {
  local listen="127.0.0.1:${PORT:-0}"
  : >"$WORK/server.log.new"
  "${VALGRIND[@]}" "$ROUNDSD" serve --data "$SRV" --listen "$listen" "$@" \
    2>>"$WORK/server.log.new" &
  SRV_PID=$!
  # Under valgrind the start alone takes seconds.
  for _ in $(seq $(( ${#VALGRIND[@]} ? 1200 : 200 ))); do
    # (not the dashboard's "web: listening on https://...")
    if grep -q "listening on [0-9[]" "$WORK/server.log.new"; then
      PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' \
        "$WORK/server.log.new" | tail -1)
      cat "$WORK/server.log.new" >>"$WORK/server.log"
      return 0
    fi
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "roundsd did not start:"; cat "$WORK/server.log.new"; exit 1
}

# web_port: after server_start --web-listen 127.0.0.1:0, waits for the
# dashboard's "web: listening on https://HOST:PORT" line (its Nth when N
# is given: a restarted dashboard's) and sets WP to its port.
web_port() {
  local n=${1:-1}
  for _ in $(seq 400); do
    if [ "$(grep -c 'web: listening on https://' "$WORK/server.log.new")" \
      -ge "$n" ]; then
      WP=$(sed -n 's|.*web: listening on https://.*:\([0-9]*\)$|\1|p' \
        "$WORK/server.log.new" | tail -1)
      return 0
    fi
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "the dashboard did not start:"; cat "$WORK/server.log.new"; exit 1
}

server_stop() { # graceful
  local rc=0
  [ -n "$SRV_PID" ] && kill -TERM "$SRV_PID" 2>/dev/null && {
    wait "$SRV_PID"; rc=$?; }
  cat "$WORK/server.log.new" >>"$WORK/server.log" 2>/dev/null
  SRV_PID=""
  valgrind_status "$rc"
  return "$rc"
}

server_kill() { # SIGKILL, no goodbye
  [ -n "$SRV_PID" ] && kill -9 "$SRV_PID" 2>/dev/null
  wait "$SRV_PID" 2>/dev/null
  SRV_PID=""
}

# hh NAME ARGS...: runs rounds on handheld NAME's data directory.
hh() { local n=$1; shift; ROUNDS_DATA="$WORK/hh-$n" "$ROUNDS" "$@"; }

# hh_new NAME [SITE]: init + enroll on the server + enroll on the handheld.
hh_new() {
  local n=$1 site=${2:-S1}
  hh "$n" init --site "$site" --name "$n" --user "guard-$n" >/dev/null
  local cred
  cred=$("$ROUNDSD" enroll --data "$SRV" --site "$site" --device "$n" --json \
    | jget credential)
  hh "$n" enroll --server "127.0.0.1:$PORT" --cert "$SRV/server.crt" \
    --credential "$cred" >/dev/null
  echo "$cred" >"$WORK/cred-$n"
}

hh_sync() { local n=$1; shift; hh "$n" sync "$@"; }
hh_digest() { hh "$1" dump | sed -n 's/^digest //p'; }
srv_digest() { "$ROUNDSD" dump --data "$SRV" --site "${1:-S1}" | sed -n 's/^digest //p'; }
hh_ops() { hh "$1" status --json | jget ops_total; }
hh_own() { hh "$1" status --json | jget own_ops; }

# record NAME COUNT: a spread of record kinds, COUNT rounds of them.
record() {
  local n=$1 count=$2 i
  for i in $(seq "$count"); do
    hh "$n" scan --tag "CP-$i" --route R1 >/dev/null || fail "scan on $n"
    hh "$n" visit enter --name "V$n-$i" --id-type id_card --id-no "1101011990$i" \
      --unit "1-1-10$i" --purpose visit --gate A >/dev/null \
      || fail "visit on $n"
    hh "$n" log --text "note $i from $n" >/dev/null || fail "log on $n"
  done
}
