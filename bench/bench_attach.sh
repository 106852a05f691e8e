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
#  3. Rounds' own protocol with attachment chunks: not built yet, so its
#     row shows the targets it must meet, worked out from this run: at
#     least 10x the peer's push and at least half the slower limit (the
#     ChaCha20-Poly1305 seal the server prefers, or the write with
#     fdatasync per photo).
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
  --json          one JSON object instead of the table
The peer needs node and npm: pouchdb-node and pouchdb-server are installed
once from the npm registry into $POUCHDB_PEER_CACHE (default
~/.cache/pouchdb-peer, the cache scripts/bench.sh uses).
USAGE
}

bin="" clients=100 photos=20 size=300000 repeat=3 dir="" run_peer=1 json=0
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
    --json) json=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_attach: unknown flag '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$bin" ] || { echo "bench_attach: --bin BUILD_DIR is required" >&2; exit 2; }
for v in "$clients" "$photos" "$size" "$repeat"; do
  [[ "$v" =~ ^[1-9][0-9]*$ ]] || { echo "bench_attach: '$v' is not a count" >&2; exit 2; }
done
bin=$(cd "$bin" && pwd)
dir=${dir:-$bin}
LIMIT="$bin/bench/bench_attach_limit"
[ -x "$LIMIT" ] || { echo "bench_attach: $LIMIT is missing (build first)" >&2; exit 1; }
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
peer_pid=""
cleanup() {
  [ -n "$peer_pid" ] && kill -TERM "$peer_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
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

# ---- Rounds' own side: not built yet -------------------------------------
# The protocol with attachment chunks (issue 18) plugs in here, as one more
# part: the same C x P photos on enrolled handhelds, all pushing at once
# over TLS to roundsd at nice 10, timed until the last sync returns with
# every photo durable; its JSON goes where "rounds": None is below, and
# its row replaces "not built yet" (docs/perf-attach.md, "Plugging Rounds
# in").

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
  "$wall" "$load0" "$load1" <<'PY'
import json, sys
limit = json.load(open(sys.argv[1]))
peer_state, as_json, wall = sys.argv[3], sys.argv[4] == "1", int(sys.argv[5])
load = {"before": sys.argv[6], "after": sys.argv[7]}
peer = json.load(open(sys.argv[2])) if peer_state == "ok" else None

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
if as_json:
    print(json.dumps({"bench": "attach", "clients": limit["clients"],
                      "photos": limit["photos"],
                      "photo_bytes": limit["photo_bytes"],
                      "total_bytes": limit["total_bytes"], "limit": limit,
                      "peer": peer, "peer_state": peer_state,
                      "rounds": None, "targets": targets, "wall_s": wall,
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
rows.append(("Rounds (protocol with attachments)", "not built yet", "",
             "targets: " + ", ".join(tgt)))
w = max(len(r[0]) for r in rows)
print(f"{'figure':<{w}}  {'MB/s':>14}  {'MB/CPU-s':>9}  note")
for name, v, c, note in rows:
    print(f"{name:<{w}}  {v:>14}  {c:>9}  {note}".rstrip())
print(f"\nThe slower limit is {slower} ({n(limits[slower])} MB/s); "
      f"Rounds' push must reach {n(needs)} MB/s.")
if peer and peer10 > limits[slower]:
    print("Note: 10x the peer is above the slower limit itself. The peer "
          "never calls fsync\n(leveldown writes with sync: false), so its "
          "photos are in the page cache, not\ndurable, when its push ends.")
PY
[ "$peer_state" != failed ]
