#!/usr/bin/env bash
# bench_attach.sh: photo attachments at a shift change (issue 18), in one
# run: C handhelds each sending P photos of SIZE bytes (default 100 x 20 x
# 300,000 = 600 MB), as
#  1. the machine's limits (bench_attach_limit): mbedTLS AEAD seal of 16 KiB
#     records, sequential write with fdatasync per photo, per 256 KiB
#     chunk and (for context) all written then each fdatasync'd, SHA-256
#     of every byte;
#  2. the named peer (bench_attach_peer.js): PouchDB handhelds replicating
#     the photos as attachments to pouchdb-server at once, then a no-op
#     replication and a pull into one fresh PouchDB (the office);
#  3. Rounds (bench_hh, bench_attach_hh): C enrolled handhelds, each with P
#     photos of SIZE bytes attached before the clock, all syncing at once
#     over TLS to a real roundsd on 127.0.0.1; MB/s until the last sync
#     returns, each photo counted only after the server's ATT_DONE (file
#     fdatasync'd and renamed, its folder fsynced); then checked: N x P
#     files on the server, att_up summed to N x P. Beside it, against its
#     targets: at least 10x the peer's push and at least half the slower
#     limit (the ChaCha20-Poly1305 seal the server prefers, or the write
#     with fdatasync per photo);
#  4. ops behind photos: one more handheld (its own site, so a no-op stays
#     a no-op) times R no-op syncs and R syncs of 1,000 new ops, alone and
#     again while the same C handhelds upload P new photos each (started
#     first; the clock waits until a partial upload or a finished photo is
#     on the server); medians, and their ratio (target: at most 2x). Done
#     twice: the uploading handhelds' processes first at nice 10 beside
#     everything (the 100 of them share the VM's CPUs with roundsd and the
#     handheld measured), then at SCHED_IDLE (as on their own devices:
#     the server's contention alone), all of them in one cpu cgroup of the
#     least weight when this user may make one (--no-cgroup: not; see
#     make_cgroup). The measured handheld's store, and
#     at SCHED_IDLE the uploaders' stores, are on /dev/shm (when it has
#     room; --stores-on-disk keeps them here): a phone's commits go to its
#     own flash, not to the journal of the server's disk.
# Then one table (or --json). Normally run as `scripts/bench.sh attach`,
# which builds build-release/ and passes --bin. Progress goes to stderr.
# Exits 0 whether or not targets are met; non-zero when something failed.
# All data is made under --dir and removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

usage() {
  cat <<'USAGE'
usage: bench_attach.sh --bin BUILD_DIR [flags]
  --clients C     handhelds sending at once (default 100)
  --photos P      photos per handheld (default 20)
  --size BYTES    bytes per photo (default 300000)
  --repeat R      runs of each limit; medians (default 3)
  --small         a smoke run: 10 handhelds x 5 photos, 1 limit run
  --dir DIR       where the data goes (default BUILD_DIR); a folder made
                  in it is removed on exit. Needs about 5x C x P x SIZE
                  free for the peer (its server, handhelds and office).
  --no-peer       do not run the peer (its rows say "not run")
  --no-rounds     do not run Rounds' parts (3 and 4)
  --ops-repeat R  syncs of the extra handheld per figure; medians (default 5)
  --json          one JSON object instead of the table
  --stores-on-disk in part 4, the measured handheld and the SCHED_IDLE
                  uploaders keep their stores on this disk (default: on
                  /dev/shm, as on their own devices' flash)
  --no-cgroup     in part 4, the SCHED_IDLE uploaders stay in this shell's
                  cpu cgroup (default: a cgroup of their own with the
                  least CPU weight, when this user may make one)
  --perf FILE     record `perf record -g -a` into FILE during the first
                  upload (for where the CPU goes; needs perf)
The peer needs node and npm: pouchdb-node and pouchdb-server are installed
once from the npm registry into $POUCHDB_PEER_CACHE (default
~/.cache/pouchdb-peer, the cache scripts/bench.sh uses).
USAGE
}

bin="" clients=100 photos=20 size=300000 repeat=3 dir="" run_peer=1 json=0
run_rounds=1 ops_repeat=5 perf_out="" apart_tmpfs=1 apart_cgroup=1
need() { [ $# -ge 2 ] || { echo "bench_attach: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) need "$@"; bin=$2; shift ;;
    --clients) need "$@"; clients=$2; shift ;;
    --photos) need "$@"; photos=$2; shift ;;
    --size) need "$@"; size=$2; shift ;;
    --repeat) need "$@"; repeat=$2; shift ;;
    --small) clients=10 photos=5 repeat=1 ;;
    --dir) need "$@"; dir=$2; shift ;;
    --no-peer) run_peer=0 ;;
    --no-rounds) run_rounds=0 ;;
    --ops-repeat) need "$@"; ops_repeat=$2; shift ;;
    --json) json=1 ;;
    --stores-on-disk) apart_tmpfs=0 ;;
    --no-cgroup) apart_cgroup=0 ;;
    --perf) need "$@"; perf_out=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_attach: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$bin" ] || { echo "bench_attach: --bin BUILD_DIR is required" >&2; exit 2; }
for v in "$clients" "$photos" "$size" "$repeat" "$ops_repeat"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_attach: '$v' is not a count" >&2; exit 2; }
done
bin=$(cd "$bin" && pwd)
dir=${dir:-$bin}
LIMIT="$bin/bench/bench_attach_limit"
ROUNDSD="$bin/server/roundsd" HH="$bin/bench/bench_hh"
AHH="$bin/bench/bench_attach_hh"
for b in "$LIMIT" "$ROUNDSD" "$HH" "$AHH"; do
  [ -x "$b" ] || { echo "bench_attach: $b is missing (build first)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "bench_attach: needs python3" >&2; exit 1; }
log() { echo "bench_attach: $*" >&2; }

# ---- the peer's packages, once ------------------------------------------
# The same cache and pins as scripts/bench.sh and the shared peer
# (/work/shared/bench/pouchdb-peer/package.json); written here when that
# folder is not on this machine.
cache=${POUCHDB_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pouchdb-peer}
if [ "$run_peer" -eq 1 ]; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    log "the peer needs node and npm (or run with --no-peer)"; exit 1
  fi
  if [ ! -d "$cache/node_modules/pouchdb-server" ] ||
     [ ! -d "$cache/node_modules/pouchdb-node" ]; then
    log "installing pouchdb-node and pouchdb-server into $cache"
    mkdir -p "$cache"
    shared=${POUCHDB_PEER:-/work/shared/bench/pouchdb-peer}
    if [ -f "$shared/package.json" ]; then
      cp "$shared/package.json" "$cache/"
    elif [ ! -f "$cache/package.json" ]; then
      cat >"$cache/package.json" <<'PKG'
{
  "name": "pouchdb-peer",
  "private": true,
  "description": "Peer benchmark: PouchDB replication to pouchdb-server",
  "dependencies": {
    "pouchdb-node": "9.0.0",
    "pouchdb-server": "4.2.0"
  }
}
PKG
    fi
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error) >&2
  fi
fi

# ---- the run ---------------------------------------------------------------
mkdir -p "$dir"
work=$(mktemp -d "$dir/rounds-bench-attach-XXXXXX")
peer_pid="" srv_pid="" shift_pid="" apart_dir="" cg=""
# The EXIT trap runs under set -e: a failing last command would become the
# script's status, so it ends with return 0 and the status stays the
# script's own.
cleanup() {
  set +e
  [ -n "$peer_pid" ] && kill -TERM "$peer_pid" 2>/dev/null
  [ -n "$shift_pid" ] && kill -TERM "$shift_pid" 2>/dev/null
  [ -n "$srv_pid" ] && kill -9 "$srv_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
  [ -n "$apart_dir" ] && rm -rf "$apart_dir"
  [ -n "$cg" ] && rmdir "$cg" 2>/dev/null
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
mb=$(( clients * photos * size / 1000000 ))
log "$clients handhelds x $photos photos x $size bytes = $mb MB, data in $work"
log "free there: $(df -h --output=avail "$work" | tail -1 | tr -d ' ')"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
log "load average before: $load0"

# Both sides run at nice 10: the machine is shared, and the same niceness
# on both keeps the comparison fair.
log "limits: $repeat run(s) of AEAD seal, write + fdatasync, SHA-256"
nice -n 10 "$LIMIT" --clients "$clients" --photos "$photos" --size "$size" \
  --repeat "$repeat" --dir "$work" --json >"$work/limit.json"

# ---- Rounds: photos at a shift change, and ops behind them ----------------
# One roundsd (at nice 10, like everything timed here) on 127.0.0.1:0; the
# cap on strangers an address may hold at once is raised past C, since
# every handheld connects from 127.0.0.1 at once (as bench_sync.sh does).
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
srv_files() { # srv_files SITE: whole attachments on the server
  [ -d "$srv/sites/$1/attachments" ] || { echo 0; return; }
  find "$srv/sites/$1/attachments" -path '*/partial' -prune -o \
    -path '*/tmp' -prune -o -type f -print | wc -l
}
# srv_cpu: roundsd's CPU ms so far, per thread: "loop=MS pool=MS" (the
# loop thread is the process's first; every other thread, the thread pool's
# workers and the commit thread, is "pool"). From /proc/PID/task/*/stat.
srv_cpu() {
  local hz; hz=$(getconf CLK_TCK)
  for t in /proc/"$srv_pid"/task/*/stat; do
    # utime and stime are fields 14 and 15; the comm before them may hold
    # spaces, so count from the last ')'.
    sed 's/.*) //' "$t" 2>/dev/null |
      awk -v tid="${t#/proc/$srv_pid/task/}" -v pid="$srv_pid" -v hz="$hz" \
        '{ sub(/\/stat$/, "", tid); print (tid == pid ? "loop" : "pool"), ($12 + $13) * 1000 / hz }'
  done | awk '{ a[$1] += $2 } END { printf "loop=%d pool=%d\n", a["loop"], a["pool"] }'
}
# make_cgroup: sets cg to a new cpu cgroup of the least weight (cgroup v1
# cpu.shares 2, or v2 cpu.weight 1) for the "apart" uploaders, or leaves it
# empty when this user may not make one. SCHED_IDLE alone gives each task
# a weight of 3 against 110 for a thread at nice 10, so 100 runnable
# uploaders weigh 300 together and take most of the CPU from roundsd's
# loop; in one cgroup they weigh 2 together.
make_cgroup() {
  local base d
  for base in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct /sys/fs/cgroup; do
    d="$base/rounds-bench-attach-$$"
    [ -w "$base" ] && mkdir "$d" 2>/dev/null || continue
    if { [ -f "$d/cpu.shares" ] && echo 2 >"$d/cpu.shares"; } 2>/dev/null ||
       { [ -f "$d/cpu.weight" ] && echo 1 >"$d/cpu.weight"; } 2>/dev/null; then
      cg=$d; return 0
    fi
    rmdir "$d" 2>/dev/null
  done
  return 1
}
srv_partials() { # srv_partials SITE: uploads under way
  find "$srv/sites/$1/attachments/partial" -type f 2>/dev/null | wc -l
}
# ops_syncs LABEL: the extra handheld's R no-op syncs and R syncs of 1,000
# new ops (recorded before each, outside its clock), one JSON line each.
ops_syncs() {
  local rc=0
  nice -n 10 "$HH" sync "$ops_dir" --repeat "$ops_repeat" \
    >"$work/$1-noop.jsonl" || rc=1
  nice -n 10 "$HH" sync "$ops_dir" --repeat "$ops_repeat" --add 1000 \
    >"$work/$1-ops.jsonl" || rc=1
  return "$rc"
}
rounds_state="not run"
if [ "$run_rounds" -eq 1 ]; then
  srv="$work/srv"
  "$ROUNDSD" init --data "$srv" >/dev/null
  nice -n 10 "$ROUNDSD" serve --data "$srv" --listen 127.0.0.1:0 \
    --idle-timeout 600 --hello-per-addr 4096 --hello-pool 4096 \
    2>"$work/roundsd.log" &
  srv_pid=$!
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
      "$work/roundsd.log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$srv_pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] || { log "roundsd did not start:"; cat "$work/roundsd.log" >&2; exit 1; }
  enroll() { "$ROUNDSD" enroll --data "$srv" --site "$1" --device "$2" --json | jget credential; }
  # Handhelds that synced before (the first sync binds the credential and
  # gets a TLS session ticket, as yesterday's shift did), then take their
  # photos offline.
  log "rounds: $clients handhelds: enrolled, a first sync, $photos photos each"
  # Four at a time (outside every clock): roundsd enroll takes most of a
  # second, and each handheld writes its photos with an fsync apiece.
  prep() { # prep I: handheld I made, synced once, its photos taken
    local d="$work/hh-$1"
    "$HH" init "$d" PH "HH-$1" "G$1" "127.0.0.1:$port" "$srv/server.crt" \
      "$(enroll PH "HH-$1")" 0 &&
    "$HH" sync "$d" >/dev/null &&
    "$AHH" photos "$d" "$photos" "$size" "$(($1 + 1))" >/dev/null
  }
  four() { # four FN: FN 0..C-1, four at a time; fails if any did
    local i pids=() bad=0 p
    for i in $(seq 0 $((clients - 1))); do
      "$1" "$i" & pids+=($!)
      if [ "${#pids[@]}" -eq 4 ] || [ "$i" -eq $((clients - 1)) ]; then
        for p in "${pids[@]}"; do wait "$p" || bad=1; done
        pids=()
      fi
    done
    return "$bad"
  }
  dirs=()
  for i in $(seq 0 $((clients - 1))); do dirs+=("$work/hh-$i"); done
  four prep || { log "rounds: preparing the handhelds failed"; exit 1; }
  # A tmpfs for the stores of the handhelds in part 4: three times what
  # the uploaders hold (their photos twice, and LMDB), or they stay here.
  # The measured handheld's store is there from the start, so its own
  # commits never wait in this disk's journal behind roundsd's fsyncs of
  # the photos (as on a phone's own flash); the uploaders' move there for
  # the "apart" run.
  if [ "$apart_tmpfs" -eq 1 ] && [ -d /dev/shm ] &&
     [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt \
       $((clients * photos * size * 3 / 1024 + 262144)) ]; then
    apart_dir=$(mktemp -d /dev/shm/rounds-bench-attach-XXXXXX)
  fi
  ops_dir="${apart_dir:-$work}/hh-ops"
  "$HH" init "$ops_dir" OPS HH-OPS G-OPS "127.0.0.1:$port" "$srv/server.crt" \
    "$(enroll OPS HH-OPS)" 0
  "$HH" sync "$ops_dir" >/dev/null
  sync # the photos were taken before the shift change
  log "rounds: $clients handhelds upload $((clients * photos)) photos at once"
  perf_pid=""
  if [ -n "$perf_out" ]; then
    perf record -q -g -a -F 499 -o "$perf_out" 2>/dev/null &
    perf_pid=$!
    sleep 1
  fi
  cpu0=$(srv_cpu)
  if ! nice -n 10 "$AHH" shift "${dirs[@]}" >"$work/rounds-shift.json"; then
    log "rounds: the upload failed; roundsd's log ends:"
    tail -20 "$work/roundsd.log" >&2
    exit 1
  fi
  cpu1=$(srv_cpu)
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  # roundsd's CPU over the upload (ms), loop thread and the rest
  read -r l0 p0 <<<"$(echo "$cpu0" | sed 's/[a-z]*=//g')"
  read -r l1 p1 <<<"$(echo "$cpu1" | sed 's/[a-z]*=//g')"
  srv_loop_ms=$((l1 - l0)) srv_pool_ms=$((p1 - p0))
  log "rounds: roundsd's CPU over the upload: loop thread $srv_loop_ms ms, other threads $srv_pool_ms ms"
  files=$(srv_files PH)
  log "rounds: $(cat "$work/rounds-shift.json"); $files files on the server"
  sync
  log "rounds: the extra handheld alone: $ops_repeat no-op and $ops_repeat 1,000-op syncs"
  ops_syncs alone
  # behind LABEL SEED0 FILES_BEFORE: the C handhelds take P new photos each
  # (outside every clock, seeds SEED0+1..) and upload them while the extra
  # handheld runs its syncs; sets files_now, under_now, waited_now, ok_now.
  #   "during": the uploading handhelds run at nice 10 like everything
  #     else, so on this one VM their 100 processes share the 2 vCPUs with
  #     roundsd and with the extra handheld itself, as 100 phones never do;
  #   "apart": they run at SCHED_IDLE (chrt --idle 0), and together in
  #     one cpu cgroup of the least weight (make_cgroup says why): they get
  #     little more than the CPU time that nothing else wants, as if they
  #     ran on their own devices. What roundsd does for them (TLS, chunks,
  #     fsyncs, pulls) still runs on roundsd's threads at nice 10, so this
  #     is the server's own contention between photos and ops, and the
  #     figure the target is about.
  #     Their stores move to a tmpfs first (/dev/shm, when it has room),
  #     as their own devices' flash: their LMDB commits and fsyncs no longer
  #     queue in this disk's journal beside roundsd's (they did: 30,000
  #     fsyncs by the uploaders in one run, some of them 1 s long).
  behind() {
    local label=$1 seed0=$2 before=$3 prefix=(nice -n 10) hdirs=("${dirs[@]}")
    if [ "$label" = apart ]; then
      prefix=(chrt --idle 0)
      if [ "$apart_cgroup" -eq 1 ] && make_cgroup; then
        log "rounds: the uploaders run in the cpu cgroup $cg"
      fi
      if [ -n "$apart_dir" ]; then
        log "rounds: the handhelds' stores moved to $apart_dir"
        hdirs=()
        for i in $(seq 0 $((clients - 1))); do
          mv "$work/hh-$i" "$apart_dir/hh-$i" &&
            ln -s "$apart_dir/hh-$i" "$work/hh-$i" ||
            { log "rounds: moving the stores failed"; exit 1; }
          hdirs+=("$apart_dir/hh-$i")
        done
      fi
    fi
    log "rounds: $photos new photos on each handheld"
    more() { "$AHH" photos "$work/hh-$1" "$photos" "$size" "$((seed0 + $1 + 1))" >/dev/null; }
    four more || { log "rounds: the new photos failed"; exit 1; }
    sync
    log "rounds: the extra handheld's syncs while the photos upload ($label)"
    ( if [ "$label" = apart ] && [ -n "$cg" ]; then
        echo "$BASHPID" >"$cg/cgroup.procs" || exit 1
      fi
      exec "${prefix[@]}" "$AHH" shift "${hdirs[@]}" ) >"$work/rounds-shift-$label.json" &
    shift_pid=$!
    # Uploads are under way once a partial or a new whole photo is there
    # (each sync pushes and pulls its ops first); at most 120 s.
    waited_now=0
    for _ in $(seq 6000); do
      if [ "$(srv_partials PH)" -gt 0 ] || [ "$(srv_files PH)" -gt "$before" ] ||
         ! kill -0 "$shift_pid" 2>/dev/null; then break; fi
      sleep 0.02
      waited_now=$((waited_now + 20))
    done
    if ! ops_syncs "$label"; then
      # Said, not fatal: the photos' upload goes on and is checked.
      log "rounds: an ops sync behind the photos failed; roundsd's log ends:"
      tail -20 "$work/roundsd.log" >&2
    fi
    if kill -0 "$shift_pid" 2>/dev/null; then under_now=1; else under_now=0; fi
    if wait "$shift_pid"; then ok_now=ok; else
      ok_now=failed
      kill -0 "$srv_pid" 2>/dev/null || log "rounds: roundsd is gone"
      log "rounds: the upload failed; roundsd's log ends:"
      tail -20 "$work/roundsd.log" >&2
    fi
    shift_pid=""
    files_now=$(srv_files PH)
    log "rounds: photos under way after ${waited_now} ms; still uploading when the" \
        "ops syncs ended: $under_now; $(cat "$work/rounds-shift-$label.json" 2>/dev/null); $files_now files"
  }
  behind during "$clients" "$files"
  files2=$files_now under=$under_now waited=$waited_now shift2=$ok_now
  behind apart "$((2 * clients))" "$files2"
  files3=$files_now under3=$under_now waited3=$waited_now shift3=$ok_now
  python3 -S - "$work" "$clients" "$photos" "$size" "$files" "$files2" \
    "$under" "$waited" "$shift2" "$files3" "$under3" "$waited3" "$shift3" \
    "$srv_loop_ms" "$srv_pool_ms" "$([ -n "$apart_dir" ] && echo 1 || echo 0)" \
    "$cg" >"$work/rounds.json" <<'PY'
import json, sys
w, c, p, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
files, files2, under, waited = map(int, sys.argv[5:9])
shift2_ok = sys.argv[9] == "ok"
files3, under3, waited3 = map(int, sys.argv[10:13])
shift3_ok = sys.argv[13] == "ok"
srv_cpu = {"loop_ms": int(sys.argv[14]), "other_ms": int(sys.argv[15])}
stores_on_tmpfs = sys.argv[16] == "1"
apart_cgroup = sys.argv[17] or None
def lines(name):
    return [json.loads(l) for l in open(f"{w}/{name}") if l.strip()]
def med(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
one = json.load(open(f"{w}/rounds-shift.json"))
two = json.load(open(f"{w}/rounds-shift-during.json")) if shift2_ok else None
three = json.load(open(f"{w}/rounds-shift-apart.json")) if shift3_ok else None
ops = {}
for k in ("noop", "ops"):
    a = [r["ms"] for r in lines(f"alone-{k}.jsonl")]
    o = {"alone_ms": round(med(a), 3), "alone_runs": a}
    # "during": uploaders on the same CPUs; "apart": uploaders at
    # SCHED_IDLE (the bench's comment on behind() says why)
    for label in ("during", "apart"):
        d = [r["ms"] for r in lines(f"{label}-{k}.jsonl")]
        o[f"{label}_ms"] = round(med(d), 3) if d else None
        o[f"{label}_ratio"] = round(med(d) / med(a), 2) if d else None
        o[f"{label}_runs"] = d
        o[f"{label}_failed"] = len(d) < len(a)
    o["ratio"] = o["during_ratio"]
    ops[k] = o
want = c * p
checks = {"server_files": files, "att_up": one["att_up"],
          "att_up_bytes": one["att_up_bytes"],
          "ok": files == want and one["att_up"] == want and
                one["att_up_bytes"] == want * size and one["att_refused"] == 0}
checks2 = {"server_files": files2, "ok": shift2_ok and files2 == 2 * want and
           two["att_up"] == want}
checks3 = {"server_files": files3, "ok": shift3_ok and files3 == 3 * want and
           three["att_up"] == want}
# Until durable: the last ATT_DONE when the handhelds say (they upload
# before they pull); else (an older build, uploading after its pull) until
# the last sync returned, which is then the same moment give or take a BYE.
durable = one.get("durable_mb_per_s") or one["mb_per_s"]
print(json.dumps({"shift": one, "check": checks, "mb_per_s": durable,
                  "syncs_end_mb_per_s": one["mb_per_s"],
                  "server_cpu": srv_cpu,
                  "ops_behind_photos": ops, "shift_during": two,
                  "check_during": checks2, "photos_under_way_after_ms": waited,
                  "uploading_when_ops_ended": bool(under),
                  "shift_apart": three, "check_apart": checks3,
                  "apart_photos_under_way_after_ms": waited3,
                  "apart_uploading_when_ops_ended": bool(under3),
                  "stores_on_tmpfs": stores_on_tmpfs,
                  "apart_cgroup": apart_cgroup}))
PY
  if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["check"]["ok"] and d["check_during"]["ok"] and d["check_apart"]["ok"] else 1)' "$work/rounds.json"; then
    rounds_state=ok
  else
    rounds_state=failed; log "rounds: a check failed: $(cat "$work/rounds.json")"
  fi
  kill -TERM "$srv_pid" 2>/dev/null
  wait "$srv_pid" 2>/dev/null || true
  srv_pid=""
  rm -rf "$srv" "$work"/hh-*
  [ -n "$apart_dir" ] && rm -rf "$apart_dir"
  apart_dir=""
fi

peer_state="not run"
if [ "$run_peer" -eq 1 ]; then
  log "peer: PouchDB attachments through pouchdb-server (at most 30 min)"
  mkdir "$work/peer"
  NODE_PATH="$cache/node_modules" timeout 1800 nice -n 10 \
    node "$here/bench_attach_peer.js" --dir "$work/peer" --clients "$clients" \
    --photos "$photos" --size "$size" >"$work/peer.json" &
  peer_pid=$!
  if wait "$peer_pid"; then peer_state=ok
  else peer_state=failed; log "peer failed (its messages are above)"; fi
  peer_pid=""
  rm -rf "$work/peer"
fi
wall=$(( $(date +%s) - start ))
load1=$(cut -d' ' -f1-3 /proc/loadavg)
log "done in $wall s; load average after: $load1"

# ---- the table ---------------------------------------------------------------
python3 -S - "$work/limit.json" "$work/peer.json" "$peer_state" "$json" \
  "$wall" "$load0" "$load1" "$work/rounds.json" "$rounds_state" <<'PY'
import json, sys
limit = json.load(open(sys.argv[1]))
peer_state, as_json, wall = sys.argv[3], sys.argv[4] == "1", int(sys.argv[5])
load = {"before": sys.argv[6], "after": sys.argv[7]}
peer = json.load(open(sys.argv[2])) if peer_state == "ok" else None
rounds_state = sys.argv[9]
rounds = json.load(open(sys.argv[8])) if rounds_state != "not run" else None

# The slower limit: what TLS (ChaCha20-Poly1305, the server's first
# choice) or the disk (one fdatasync per photo) allows, whichever is less.
limits = {"ChaCha20-Poly1305 seal": limit["chachapoly_mb_per_s"],
          "write + fdatasync per photo": limit["write_sync_file_mb_per_s"]}
slower = min(limits, key=limits.get)
half = limits[slower] / 2
peer10 = peer["push_mb_per_s"] * 10 if peer else None
needs = max(half, peer10) if peer else half
targets = {"slower_limit": slower, "slower_limit_mb_per_s": limits[slower],
           "half_slower_limit_mb_per_s": round(half, 1),
           "peer_x10_mb_per_s": round(peer10, 1) if peer else None,
           "needs_mb_per_s": round(needs, 1)}
if rounds:
    r = rounds["mb_per_s"]
    rounds["x_peer"] = round(r / peer["push_mb_per_s"], 2) if peer else None
    rounds["x_slower_limit"] = round(r / limits[slower], 3)
    rounds["pass_peer_x10"] = r >= peer10 if peer else None
    rounds["pass_half_slower_limit"] = r >= half
    for o in rounds["ops_behind_photos"].values():
        for label in ("during", "apart"):
            r = o[f"{label}_ratio"]
            o[f"pass_2x_{label}"] = r is not None and r <= 2.0 \
                and not o[f"{label}_failed"]
        o["pass_2x"] = o["pass_2x_during"]
if as_json:
    print(json.dumps({"bench": "attach", "clients": limit["clients"],
                      "photos": limit["photos"],
                      "photo_bytes": limit["photo_bytes"],
                      "total_bytes": limit["total_bytes"], "limit": limit,
                      "peer": peer, "peer_state": peer_state,
                      "rounds": rounds, "rounds_state": rounds_state,
                      "targets": targets, "wall_s": wall,
                      "load_average": load}))
    sys.exit(0)

def n(v, d=1):
    return f"{v:,.{d}f}"
print(f"attachments at a shift change: {limit['clients']} handhelds x "
      f"{limit['photos']} photos x {limit['photo_bytes']:,} bytes = "
      f"{limit['total_bytes'] / 1e6:,.1f} MB (limits: medians of "
      f"{limit['repeat']}); {wall} s, load average {load['before']} "
      f"before, {load['after']} after\n")
# (figure, MB/s, MB per CPU-second where the figure is CPU-bound, note)
cpu = lambda k: n(limit[k]) if k in limit else "-"
rows = [
    ("limit: mbedTLS ChaCha20-Poly1305 seal, 16 KiB",
     n(limit["chachapoly_mb_per_s"]), cpu("chachapoly_cpu_mb_per_s"), ""),
    ("limit: mbedTLS AES-128-GCM seal, 16 KiB",
     n(limit["aes128gcm_mb_per_s"]), cpu("aes128gcm_cpu_mb_per_s"), ""),
    ("limit: write + fdatasync per photo file",
     n(limit["write_sync_file_mb_per_s"]), "-", ""),
    ("limit: write + fdatasync per 256 KiB chunk",
     n(limit["write_sync_chunk_mb_per_s"]), "-", ""),
    ("limit: write all, then fdatasync each",
     n(limit["write_sync_batch_mb_per_s"]), "-", "group commit, for context"),
    (f"limit: SHA-256 ({limit['sha256_impl']})",
     n(limit["sha256_mb_per_s"]), cpu("sha256_cpu_mb_per_s"), ""),
]
if peer:
    rows += [
        ("peer: PouchDB push, all at once", n(peer["push_mb_per_s"]), "",
         f"{n(peer['push_ms'] / 1e3)} s for {peer['push_docs_written']:,} docs"),
        ("peer: pull into one fresh PouchDB", n(peer["pull_mb_per_s"]), "",
         f"{n(peer['pull_ms'] / 1e3)} s"),
        ("peer: no-op replication, all at once", "-", "",
         f"{peer['noop_ms']:,} ms"),
    ]
else:
    rows.append(("peer: PouchDB push, all at once", peer_state, "", ""))
tgt = [f"\u2265 half the slower limit = {n(half)} MB/s"]
if peer:
    tgt.insert(0, f"\u2265 10x peer = {n(peer10)} MB/s")
verdict = lambda ok: "PASS" if ok else "MISS"
if rounds:
    sh = rounds["shift"]
    dur = (f"{n(sh['durable_ms'] / 1e3)} s to the last ATT_DONE, syncs "
           f"ended at {n(sh['wall_ms'] / 1e3)} s"
           if sh.get("durable_ms") else f"{n(sh['wall_ms'] / 1e3)} s")
    rows.append(("Rounds: upload until durable, all at once",
                 n(rounds["mb_per_s"]), "",
                 f"{dur} for {sh['att_up']:,} photos "
                 f"({rounds['check']['server_files']:,} files on the server)"))
    mbs = rounds["shift"]["att_up_bytes"] / 1e6
    sc = rounds["server_cpu"]
    hc = rounds["shift"].get("sync_cpu_ms", rounds["shift"]["cpu_ms"])
    rows.append(("Rounds: CPU over the upload, per MB", "", "",
                 f"roundsd {n((sc['loop_ms'] + sc['other_ms']) / mbs, 2)} ms "
                 f"(loop {n(sc['loop_ms'] / mbs, 2)}), handhelds' syncs "
                 f"{n(hc / mbs, 2)} ms; {rounds['shift'].get('pulled', 0):,} "
                 "ops pulled"))
    got = []
    if peer:
        got.append(f"{n(rounds['x_peer'])}x peer "
                   f"({verdict(rounds['pass_peer_x10'])} \u2265 10x)")
    got.append(f"{n(rounds['x_slower_limit'], 2)}x the slower limit "
               f"({verdict(rounds['pass_half_slower_limit'])} \u2265 0.5x)")
    rows.append(("Rounds: against its targets", "", "", "; ".join(got)))
    apart_how = ("uploaders at SCHED_IDLE, one cgroup"
                 if rounds.get("apart_cgroup") else "uploaders at SCHED_IDLE")
    for label, how in (("during", "uploaders on the same CPUs"),
                       ("apart", apart_how)):
        for k, what in (("noop", "no-op sync"), ("ops", "1,000-op sync")):
            o = rounds["ops_behind_photos"][k]
            if o[f"{label}_ms"] is None:
                note = f"{n(o['alone_ms'])} ms alone; behind photos: failed"
            else:
                note = (f"{n(o['alone_ms'])} / {n(o[f'{label}_ms'])} ms: "
                        f"{n(o[f'{label}_ratio'], 2)}x "
                        f"({verdict(o[f'pass_2x_{label}'])} \u2264 2x)" +
                        (", one failed" if o[f"{label}_failed"] else ""))
            rows.append((f"Rounds: {what}, alone / behind photos", "", "",
                         f"{note}; {how}"))
else:
    rows.append(("Rounds (protocol with attachments)", rounds_state, "",
                 "targets: " + ", ".join(tgt)))
w = max(len(r[0]) for r in rows)
print(f"{'figure':<{w}}  {'MB/s':>14}  {'MB/CPU-s':>9}  note")
for name, v, c, note in rows:
    print(f"{name:<{w}}  {v:>14}  {c:>9}  {note}".rstrip())
print(f"\nThe slower limit is {slower} ({n(limits[slower])} MB/s); "
      f"Rounds' push must reach {n(needs)} MB/s.")
if rounds:
    o = rounds["ops_behind_photos"]["noop"]
    print(f"Ops behind photos: medians of {len(o['alone_runs'])} syncs of "
          "one more handheld (its own site), alone and\nwhile the same "
          "handhelds upload as many new photos, twice: their processes on "
          "the same\nCPUs as roundsd and the handheld measured (as 100 "
          "phones never are), then at\nSCHED_IDLE (as if on their own "
          "devices; roundsd's work for them still competes)." +
          ("\nAt SCHED_IDLE the uploaders share one cpu cgroup of the "
           "least weight (--no-cgroup: not)." if rounds.get("apart_cgroup")
           else "") +
          ("\nThe measured handheld's store, and at SCHED_IDLE the "
           "uploaders' stores, are on /dev/shm\n(a phone's own flash)."
           if rounds.get("stores_on_tmpfs") else
           "\nAll handhelds' stores are on the server's disk "
           "(--stores-on-disk, or no room on /dev/shm)."))
    for label, key in (("same CPUs", ""), ("SCHED_IDLE", "apart_")):
        print(f"  {label}: photos under way after "
              f"{rounds[key + 'photos_under_way_after_ms']:,} ms, "
              + ("still uploading when the last sync ended."
                 if rounds[key + "uploading_when_ops_ended"] else
                 "NOT still uploading when the last sync ended (too small "
                 "a run to say)."))
if peer and peer10 > limits[slower]:
    print("Note: 10x the peer is above the slower limit itself. The peer "
          "never calls fsync\n(leveldown writes with sync: false), so its "
          "photos are in the page cache, not\ndurable, when its push ends.")
PY
[ "$peer_state" != failed ] && [ "$rounds_state" != failed ]
