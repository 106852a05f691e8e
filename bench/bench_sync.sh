#!/usr/bin/env bash
# bench_sync.sh: the sync benchmark (issue #7). Runs, in one run, real
# roundsd servers on 127.0.0.1 with handheld stores driven through the C
# API (bench_hh), the machine's limits (bench_limit), 1,000 TLS sessions
# held open (bench_conns), and the PouchDB peer
# (/work/shared/bench/pouchdb-peer/run.sh) on the same checkpoint-scan
# workload; then prints one table: each figure, ours, the peer's, the
# ratio, the target and PASS/MISS (bench/sync_report.py). Normally run as
# `scripts/bench.sh sync|limit|conns|all`, which builds build-release/ and
# passes --bin. `--help` lists the flags. Every server started here is
# stopped and every temporary directory removed on exit.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage() {
  cat <<'EOF'
usage: bench_sync.sh --bin BUILD_DIR [flags]
  --only LIST        parts to run, comma-separated (default: all):
                     sites  push, pull, no-op and incremental sync at each
                            store size
                     shift  C handhelds pushing at once
                     limit  LMDB put rate and mbedTLS AEAD throughput
                     conns  roundsd's RSS with N sessions open
  --sizes LIST       store sizes in ops (default 10000,100000,1000000)
  --clients LIST     shift-change handheld counts (default 10,100)
  --shift-ops N      ops in all per shift change (default 100000)
  --noop-repeat R    no-op syncs timed per size; median (default 20)
  --noop-shift R     after each shift change, R rounds where all its
                     handhelds run a no-op sync at once; median (default
                     10; 0 skips them)
  --incr-ops K       ops per incremental sync (default 1000)
  --incr-repeat R    incremental syncs per size; median (default 5)
  --limit-ops N      ops in the LMDB put run (default: the largest size)
  --limit-repeat R   LMDB put runs; median (default 3)
  --conns N          sessions held open at once (default 1000)
  --peer-docs N      docs of the PouchDB peer's runs (default 100000)
  --peer DIR         the peer's folder (default $POUCHDB_PEER or
                     /work/shared/bench/pouchdb-peer)
  --no-peer          do not run the peer (its columns say "not run")
  --quick            a smoke run: sizes 10000,100000, clients 10, 200
                     conns, peer at 10000 docs, 5 no-op syncs, 3 incr.
  --json             print one JSON object instead of the table
  --keep             keep the work directory (for debugging)
Exits 0 whether or not targets are met; non-zero when something failed.
EOF
}

bin="" only="sites,shift,limit,conns" sizes="10000,100000,1000000"
clients="10,100" shift_ops=100000 noop_repeat=20 incr_ops=1000 incr_repeat=5
noop_shift=10
limit_ops="" limit_repeat=3 nconns=1000 peer_docs=100000 run_peer=1
peer_dir=${POUCHDB_PEER:-/work/shared/bench/pouchdb-peer} json=0 keep=0
need() { [ $# -ge 2 ] || { echo "bench_sync: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) need "$@"; bin=$2; shift ;;
    --only) need "$@"; only=$2; shift ;;
    --sizes) need "$@"; sizes=$2; shift ;;
    --clients) need "$@"; clients=$2; shift ;;
    --shift-ops) need "$@"; shift_ops=$2; shift ;;
    --noop-repeat) need "$@"; noop_repeat=$2; shift ;;
    --noop-shift) need "$@"; noop_shift=$2; shift ;;
    --incr-ops) need "$@"; incr_ops=$2; shift ;;
    --incr-repeat) need "$@"; incr_repeat=$2; shift ;;
    --limit-ops) need "$@"; limit_ops=$2; shift ;;
    --limit-repeat) need "$@"; limit_repeat=$2; shift ;;
    --conns) need "$@"; nconns=$2; shift ;;
    --peer-docs) need "$@"; peer_docs=$2; shift ;;
    --peer) need "$@"; peer_dir=$2; shift ;;
    --no-peer) run_peer=0 ;;
    --quick) sizes=10000,100000 clients=10 nconns=200 peer_docs=10000
             noop_repeat=5 incr_repeat=3 ;;
    --json) json=1 ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_sync: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$bin" ] || { echo "bench_sync: --bin BUILD_DIR is required" >&2; exit 2; }
for v in $shift_ops $noop_repeat $incr_ops $incr_repeat $limit_repeat \
         $nconns $peer_docs ${limit_ops:-1} ${sizes//,/ } ${clients//,/ }; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_sync: '$v' is not a count" >&2; exit 2; }
done
[[ "$noop_shift" =~ ^[0-9]+$ ]] || { echo "bench_sync: '$noop_shift' is not a count" >&2; exit 2; }
for p in ${only//,/ }; do
  case "$p" in sites|shift|limit|conns) ;; *)
    echo "bench_sync: unknown part '$p' (sites, shift, limit, conns)" >&2
    exit 2 ;;
  esac
done
has() { [[ ",$only," == *",$1,"* ]]; }
max_size=0
for s in ${sizes//,/ }; do [ "$s" -gt "$max_size" ] && max_size=$s; done
limit_ops=${limit_ops:-$max_size}

command -v python3 >/dev/null || { echo "bench_sync: needs python3" >&2; exit 1; }
ROUNDSD="$bin/server/roundsd" ROUNDS="$bin/handheld/rounds"
HH="$bin/bench/bench_hh" LIMIT="$bin/bench/bench_limit"
CONNS="$bin/bench/bench_conns"
for b in "$ROUNDSD" "$ROUNDS" "$HH" "$LIMIT" "$CONNS"; do
  [ -x "$b" ] || { echo "bench_sync: $b is missing (build first)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rounds-bench-sync-XXXXXX")
RES="$WORK/results.jsonl"
SRV_PIDS=()
cleanup() {
  local p
  for p in "${SRV_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$keep" -eq 1 ]; then echo "bench_sync: kept $WORK" >&2
  else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench_sync: $*" >&2; }
emit() { echo "$1" >>"$RES"; }
ms_now() { date +%s%N | sed 's/......$//'; } # ms since the epoch
jget() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# A soft limit high enough for 1,000+ sessions on both ends.
want_fds=$((nconns + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want_fds" ]; then
  ulimit -n "$want_fds" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

# ---- the machine -----------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
disk=$(df -PT "${TMPDIR:-/tmp}" | awk 'NR==2 {print $1" "$2}')
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
python3 - "$cpu" "$disk" "$commit" "$dirty" "$(nproc)" "$(uname -sr)" \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${TMPDIR:-/tmp}" "$only" \
  "$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RES" <<'EOF'
import json, sys
a = sys.argv[1:]
print(json.dumps({"kind": "meta", "cpu": a[0], "disk": a[1], "commit": a[2],
                  "dirty_files": int(a[3]), "nproc": int(a[4]), "kernel": a[5],
                  "date": a[6], "tmpdir": a[7], "parts": a[8],
                  "mem_gib": float(a[9]), "loadavg_start": a[10]}))
EOF
t_start=$(date +%s)

# ---- servers ---------------------------------------------------------------
# server_start DATA_DIR: starts roundsd (already initialised) on
# 127.0.0.1:0 and sets SRV_PID and SRV_PORT. Every handheld here comes
# from 127.0.0.1: the cap on strangers an address may hold at once
# (hello_per_addr, 16) and their pool (256) are raised past the largest
# shift change, which connects all its handhelds at once.
server_start() {
  local data=$1
  "$ROUNDSD" serve --data "$data" --listen 127.0.0.1:0 --idle-timeout 600 \
    --hello-per-addr 4096 --hello-pool 4096 2>"$data.log" &
  SRV_PID=$!
  SRV_PIDS+=("$SRV_PID")
  for _ in $(seq 200); do
    SRV_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
      "$data.log" | head -1)
    [ -n "$SRV_PORT" ] && return 0
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  log "roundsd did not start:"; cat "$data.log" >&2; exit 1
}

server_stop() { # graceful; waits at most 30 s, then SIGKILL
  local i
  kill -TERM "$SRV_PID" 2>/dev/null || return 0
  for i in $(seq 300); do
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
}

# srv_cpu: roundsd's CPU time so far, all its threads, in µs (from
# /proc/PID/task/*/schedstat, which counts in ns, not in clock ticks).
srv_cpu() { cat /proc/"$SRV_PID"/task/*/schedstat | awk '{t += $1} END {printf "%d", t / 1000}'; }
# srv_commit_cpu: the same for roundsd's commit thread alone (every thread
# but the main one, which runs the event loop).
srv_commit_cpu() {
  local t sum=0
  for t in /proc/"$SRV_PID"/task/*; do
    [ "${t##*/}" = "$SRV_PID" ] && continue
    sum=$((sum + $(cut -d' ' -f1 "$t/schedstat") / 1000))
  done
  echo "$sum"
}

# settle: flushes what earlier steps wrote (sync(1)), so that the kernel's
# writeback of those files does not land inside the next timing.
settle() { sync; }

# rss_kb PID FIELD: a line of /proc/PID/status, in kB.
rss_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# enroll DATA SITE NAME: prints the credential.
enroll() {
  "$ROUNDSD" enroll --data "$1" --site "$2" --device "$3" --json | jget credential
}

# handheld DATA DIR SITE NAME USER N: a new enrolled handheld with N scans.
handheld() {
  local cred
  cred=$(enroll "$1" "$3" "$4")
  "$HH" init "$2" "$3" "$4" "$5" "127.0.0.1:$SRV_PORT" "$1/server.crt" \
    "$cred" "$6"
}

# ---- the peer --------------------------------------------------------------
# peer_run DOCS CLIENTS: runs the peer once (at most 30 minutes) and records
# its JSON line, or that it failed. run.sh's own exit status is not used: it
# ends with the status of its server's kill in its EXIT trap (143) even when
# it succeeded; its output line is checked instead.
peer_run() {
  local out
  if [ "$run_peer" -eq 0 ]; then return 0; fi
  log "peer: PouchDB, $1 docs, $2 clients"
  out=$(timeout 1800 "$peer_dir/run.sh" "$1" "$2" 2>"$WORK/peer.err" |
        tail -1) || true
  if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d.get("docs_written") == d.get("docs") and d.get("pull_docs") == d.get("docs") else 1)' "$out" 2>/dev/null; then
    emit "{\"kind\":\"peer\",\"docs\":$1,\"clients\":$2,\"result\":$out}"
  else
    log "peer failed: $out $(tail -3 "$WORK/peer.err")"
    emit "{\"kind\":\"peer_failed\",\"docs\":$1,\"clients\":$2}"
  fi
}

if has sites || has shift; then
  if [ "$run_peer" -eq 1 ] && [ ! -x "$peer_dir/run.sh" ]; then
    log "no peer at $peer_dir: run with --no-peer or --peer DIR"; exit 1
  fi
  if [ "$run_peer" -eq 1 ] && ! command -v node >/dev/null; then
    log "the peer needs node and npm: install them or run with --no-peer"
    exit 1
  fi
  if has sites; then
    peer_run "$peer_docs" 1
    for s in ${sizes//,/ }; do
      [ "$s" -lt "$peer_docs" ] && peer_run "$s" 1
    done
  fi
  if has shift; then
    for c in ${clients//,/ }; do peer_run "$peer_docs" "$c"; done
  fi
fi

# ---- limit -----------------------------------------------------------------
if has limit; then
  log "limit: $limit_ops ops in one LMDB txn, AEAD throughput"
  out=$("$LIMIT" --ops "$limit_ops" --repeat "$limit_repeat" --json)
  emit "{\"kind\":\"limit\",\"result\":$out}"
fi

# ---- sites: push, pull, no-op, incremental at each store size -------------
if has sites || has shift; then
  SRV="$WORK/srv"
  "$ROUNDSD" init --data "$SRV" >/dev/null
  server_start "$SRV"
  log "roundsd pid $SRV_PID on 127.0.0.1:$SRV_PORT"
fi

if has sites; then
  for s in ${sizes//,/ }; do
    site="G$s" a="$WORK/hh-$site-A" b="$WORK/hh-$site-B"
    log "sites: $s ops: recording on handheld A"
    t0=$(ms_now)
    handheld "$SRV" "$a" "$site" HH-A G0 "$s" >/dev/null
    emit "{\"kind\":\"record\",\"size\":$s,\"ms\":$(($(ms_now) - t0))}"
    log "sites: $s ops: A pushes"
    settle
    c0=$(srv_cpu) k0=$(srv_commit_cpu)
    out=$("$HH" sync "$a")
    emit "{\"kind\":\"push\",\"size\":$s,\"result\":$out,\"server_cpu_us\":$(($(srv_cpu) - c0)),\"commit_cpu_us\":$(($(srv_commit_cpu) - k0))}"
    log "sites: $s ops: fresh handheld B pulls"
    handheld "$SRV" "$b" "$site" HH-B G1 0 >/dev/null
    settle
    c0=$(srv_cpu)
    out=$("$HH" sync "$b")
    emit "{\"kind\":\"pull\",\"size\":$s,\"result\":$out,\"server_cpu_us\":$(($(srv_cpu) - c0))}"
    log "sites: $s ops: $noop_repeat no-op syncs (after one to warm up)"
    "$HH" sync "$a" >/dev/null
    settle
    c0=$(srv_cpu)
    out=$("$HH" sync "$a" --repeat "$noop_repeat" | tr '\n' ',' | sed 's/,$//')
    emit "{\"kind\":\"noop\",\"size\":$s,\"runs\":[$out],\"server_cpu_us\":$(($(srv_cpu) - c0))}"
    runs=""
    for _ in $(seq "$noop_repeat"); do
      t0=$(date +%s%N)
      ROUNDS_DATA="$a" "$ROUNDS" sync >/dev/null
      runs="$runs${runs:+,}$(( ($(date +%s%N) - t0) / 1000 ))"
    done
    emit "{\"kind\":\"noop_cli\",\"size\":$s,\"runs_us\":[$runs]}"
    log "sites: $s ops: $incr_repeat x ($incr_ops-op push by A, pull by B)"
    pushes="" pulls=""
    settle
    c0=$(srv_cpu)
    for _ in $(seq "$incr_repeat"); do
      pushes="$pushes${pushes:+,}$("$HH" sync "$a" --add "$incr_ops")"
      pulls="$pulls${pulls:+,}$("$HH" sync "$b")"
    done
    emit "{\"kind\":\"incr\",\"size\":$s,\"ops\":$incr_ops,\"push\":[$pushes],\"pull\":[$pulls],\"server_cpu_us\":$(($(srv_cpu) - c0))}"
    emit "{\"kind\":\"store\",\"size\":$s,\"server_kb\":$(du -sk "$SRV/sites/$site" | cut -f1),\"handheld_kb\":$(du -sk "$a" | cut -f1)}"
  done
  emit "{\"kind\":\"server_mem\",\"after\":\"sites\",\"rss_kb\":$(rss_kb "$SRV_PID" VmRSS),\"hwm_kb\":$(rss_kb "$SRV_PID" VmHWM),\"anon_kb\":$(rss_kb "$SRV_PID" RssAnon)}"
fi

# ---- shift change: C handhelds push at once --------------------------------
if has shift; then
  first_c=""
  for c in ${clients//,/ }; do
    site="SC$c" per=$(( (shift_ops + c - 1) / c )) dirs=()
    # Handhelds that synced before (their first sync binds the credential
    # and gets a TLS session ticket, as yesterday's shift did), then record
    # the shift's scans offline.
    log "shift: $c handhelds: first sync, then $per scans each offline"
    for i in $(seq 0 $((c - 1))); do
      dirs+=("$WORK/hh-$site-$i")
      handheld "$SRV" "${dirs[$i]}" "$site" "HH-$i" "G$i" 0 >/dev/null
      "$HH" sync "${dirs[$i]}" >/dev/null
      "$HH" add "${dirs[$i]}" "$per" >/dev/null
    done
    settle
    log "shift: $c handhelds push at once"
    c0=$(srv_cpu) k0=$(srv_commit_cpu)
    out=$("$HH" shift "${dirs[@]}")
    emit "{\"kind\":\"shift\",\"clients\":$c,\"ops\":$((per * c)),\"result\":$out,\"server_cpu_us\":$(($(srv_cpu) - c0)),\"commit_cpu_us\":$(($(srv_commit_cpu) - k0))}"
    if [ -z "$first_c" ]; then
      first_c=$c
      log "shift: the same $c handhelds pull each other's ops at once"
      settle
      c0=$(srv_cpu)
      out=$("$HH" shift --full "${dirs[@]}")
      emit "{\"kind\":\"shift_pull\",\"clients\":$c,\"ops\":$((per * c)),\"result\":$out,\"server_cpu_us\":$(($(srv_cpu) - c0))}"
    fi
    if [ "$noop_shift" -gt 0 ]; then
      # Every handheld holds everything: each round is C no-op syncs that
      # start and end together (HELLO, an empty pull, BYE), which is when
      # roundsd's loop records C sync notes at once.
      [ "$first_c" = "$c" ] || "$HH" shift --full "${dirs[@]}" >/dev/null
      log "shift: $c handhelds: $noop_shift rounds of no-op syncs at once"
      settle
      c0=$(srv_cpu) runs=""
      for _ in $(seq "$noop_shift"); do
        runs="$runs${runs:+,}$("$HH" shift --full "${dirs[@]}")"
      done
      emit "{\"kind\":\"noop_shift\",\"clients\":$c,\"runs\":[$runs],\"server_cpu_us\":$(($(srv_cpu) - c0))}"
    fi
    rm -rf "${dirs[@]}"
  done
fi

if has sites || has shift; then
  server_stop
fi

# ---- conns: RSS with N sessions open ---------------------------------------
if has conns; then
  CSRV="$WORK/srv-conns"
  "$ROUNDSD" init --data "$CSRV" >/dev/null
  log "conns: enrolling $nconns handhelds"
  for i in $(seq "$nconns"); do
    printf 'C HH-%d %s\n' "$i" "$(enroll "$CSRV" C "HH-$i")"
  done >"$WORK/devices.txt"
  server_start "$CSRV"
  log "conns: $nconns sessions at once"
  out=$("$CONNS" --port "$SRV_PORT" --cert "$CSRV/server.crt" \
    --devices "$WORK/devices.txt" --pid "$SRV_PID" --json)
  emit "{\"kind\":\"conns\",\"result\":$out}"
  server_stop
fi

emit "{\"kind\":\"end\",\"seconds\":$(($(date +%s) - t_start)),\"loadavg_end\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
report_args=(--results "$RES")
[ "$json" -eq 1 ] && report_args+=(--json)
python3 "$here/sync_report.py" "${report_args[@]}"
