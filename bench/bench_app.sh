#!/usr/bin/env bash
# bench_app.sh: the handheld app's benchmark (issue 16; docs/PERFORMANCE.md
# "The handheld app"), on a handheld store of 1,000,000 ops, in one run:
#  1. the library (bench_now): hh_report_now, hh_open + hh_report_now in a
#     fresh process, hh_record of a scan;
#  2. the API (bench_app_api.py) against `rounds app` on 127.0.0.1:
#     GET /api/now and POST /api/record of a scan, over keep-alive HTTP;
#  3. the first screen (bench_app_screen.mjs): Debian's headless Chromium
#     already running, `rounds app` launched, its address opened, until
#     the page says the frame with body[data-ready="1"] is painted (a
#     DevTools binding the page calls); its breakdown by
#     step (launch, navigation, /open, app.js, the app's marks, data-ready,
#     drawn) goes to stderr, and into --json's "screen" as "steps";
#  4. the named peer (bench_app_peer.js): PouchDB (pouchdb-node, LevelDB)
#     get, range read and put on a store of --peer-docs scan documents.
# Then one table: each figure, its median, the peer's, the ratio and the
# issue's target (first screen 300 ms, a scan confirmed at the API 50 ms).
# Normally run as `scripts/bench.sh app` (builds build-release/). Exits 0
# whether or not targets are met; non-zero when something failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

usage() {
  cat <<'USAGE'
usage: bench_app.sh --bin BUILD_DIR [flags]
  --ops N          handheld store size in ops (default 1000000)
  --runs R         runs per figure; medians (default 21; first screen:
                   R/2, at least 5)
  --peer-docs M    the PouchDB peer's documents (default: --ops)
  --no-peer        do not run the peer
  --no-browser     skip the first-screen figure
  --keep-store     reuse the stores of an earlier run (else rebuilt: the
                   store's month ends now)
  --json           one JSON object instead of the table
USAGE
}

bin="" ops=1000000 runs=21 peer_docs="" run_peer=1 browser=1 keep=0 json=0
need() { [ $# -ge 2 ] || { echo "bench_app: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) need "$@"; bin=$2; shift ;;
    --ops) need "$@"; ops=$2; shift ;;
    --runs) need "$@"; runs=$2; shift ;;
    --peer-docs) need "$@"; peer_docs=$2; shift ;;
    --no-peer) run_peer=0 ;;
    --no-browser) browser=0 ;;
    --keep-store) keep=1 ;;
    --json) json=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_app: unknown flag $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ -n "$bin" ] || { usage >&2; exit 2; }
bin=$(cd "$bin" && pwd)
peer_docs=${peer_docs:-$ops}
ROUNDS="$bin/handheld/rounds"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-app-XXXXXX")
app_pid=""
trap '[ -n "$app_pid" ] && kill -TERM "$app_pid" 2>/dev/null;
      wait 2>/dev/null; rm -rf "$work"' EXIT

# ---- 1. the library ------------------------------------------------------
[ "$keep" = 1 ] || rm -rf "$bin/bench-now-$ops"
echo "bench_app: the library on a handheld store of $ops ops ..." >&2
"$bin/bench/bench_now" --ops "$ops" --dir "$bin/bench-now" --runs "$runs" \
  >"$work/lib.json" 2>"$work/lib.err" || { cat "$work/lib.err" >&2; exit 1; }
store=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["store"])' \
  <"$work/lib.json")

# ---- 2. the API ----------------------------------------------------------
echo "bench_app: the API (rounds app) ..." >&2
"$ROUNDS" app --data "$store" --url-file "$work/url" >/dev/null \
  2>"$work/app.err" &
app_pid=$!
for _ in $(seq 400); do [ -s "$work/url" ] && break; sleep 0.025; done
[ -s "$work/url" ] || { echo "bench_app: rounds app did not start:" >&2;
  cat "$work/app.err" >&2; exit 1; }
python3 "$here/bench_app_api.py" "$(cat "$work/url")" "$runs" tech-li 2468 \
  >"$work/api.json"
kill -TERM "$app_pid"; wait "$app_pid" || true; app_pid=""

# ---- 3. the first screen -------------------------------------------------
echo '{}' >"$work/screen.json"
if [ "$browser" = 1 ]; then
  echo "bench_app: the first screen (headless Chromium) ..." >&2
  node_dir="$bin/bench/node"
  lock="$top/tests/browser/package-lock.json"
  want=$(sha256sum "$lock" | cut -d' ' -f1)
  if [ "$(cat "$node_dir/node_modules/.lock-hash" 2>/dev/null)" != "$want" ]
  then # puppeteer-core exactly as tests/browser locks it
    mkdir -p "$node_dir"
    cp "$top/tests/browser/package.json" "$lock" "$node_dir/"
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2
    echo "$want" >"$node_dir/node_modules/.lock-hash"
  fi
  sruns=$(( runs / 2 < 5 ? 5 : runs / 2 ))
  NODE_PATH="$node_dir/node_modules" node "$here/bench_app_screen.mjs" \
    "$ROUNDS" "$store" "$sruns" >"$work/screen.json"
fi

# ---- 4. the peer ---------------------------------------------------------
echo '{}' >"$work/peer.json"
if [ "$run_peer" = 1 ]; then
  cache=${POUCHDB_PEER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pouchdb-peer}
  if [ ! -d "$cache/node_modules/pouchdb-node" ]; then
    peer=${POUCHDB_PEER:-/work/shared/bench/pouchdb-peer}
    mkdir -p "$cache"
    cp "$peer/package.json" "$cache/"
    (cd "$cache" && npm install --no-audit --no-fund --loglevel=error) >&2
  fi
  echo "bench_app: the PouchDB peer on $peer_docs docs ..." >&2
  [ "$keep" = 1 ] || rm -rf "$bin/bench-app-peer-$peer_docs"{,.built}
  NODE_PATH="$cache/node_modules" node "$here/bench_app_peer.js" \
    --dir "$bin/bench-app-peer" --docs "$peer_docs" --runs "$runs" \
    >"$work/peer.json"
fi

python3 - "$work" "$json" <<'PY'
import json, sys
w, as_json = sys.argv[1], sys.argv[2] == "1"
load = lambda n: json.load(open(f"{w}/{n}.json"))
lib, api, scr, peer = load("lib"), load("api"), load("screen"), load("peer")
rows = [
  # figure, ours (ms), peer (ms) or None, peer's name, target (ms) or None
  ("Now, library (hh_report_now, warm)", lib["now_ms"],
   peer.get("range_ms"), "allDocs of the last 2 h", None),
  ("Now, library, fresh process (open+now)", lib["open_now_ms"],
   None, "", None),
  ("  peer: get of one document", None, peer.get("get_ms"), "get", None),
  ("Now, API (GET /api/now)", api["now_ms"], peer.get("range_ms"),
   "allDocs of the last 2 h", None),
  ("scan, library (hh_record, durable)", lib["scan_ms"], peer.get("put_ms"),
   "put (LevelDB, not fsynced)", 50),
  ("scan, API (POST /api/record)", api["scan_ms"], peer.get("put_ms"),
   "put (LevelDB, not fsynced)", 50),
  ("first screen from launch", scr.get("screen_ms"), None, "", 300),
  ("  by the page's clock (drawn)", scr.get("drawn_ms"), None, "", 300),
  ("  of which: launch to address", scr.get("url_ms"), None, "", None),
]
out = {"store_ops": lib["ops"], "runs": lib["runs"], "library": lib,
       "api": api, "screen": scr, "peer": peer, "rows": []}
for name, ours, p, pname, target in rows:
    r = {"figure": name, "median_ms": ours, "peer_ms": p, "peer": pname,
         "ratio": round(ours / p, 3) if ours and p else None,
         "target_ms": target,
         "meets": (ours <= target) if ours is not None and target else None}
    out["rows"].append(r)
if as_json:
    print(json.dumps(out))
    sys.exit(0)
print(f"bench_app: handheld store of {lib['ops']} ops, medians of "
      f"{lib['runs']} runs (first screen: {scr.get('runs', '-')}); peer: "
      f"{peer.get('peer', 'not run')} on {peer.get('docs', '-')} docs")
print(f"{'figure':42} {'ours ms':>9} {'peer ms':>9} {'ratio':>7} "
      f"{'target':>7}  result")
for r in out["rows"]:
    f = lambda v: "-" if v is None else f"{v:.2f}"
    res = "-" if r["meets"] is None else ("PASS" if r["meets"] else "MISS")
    print(f"{r['figure']:42} {f(r['median_ms']):>9} {f(r['peer_ms']):>9} "
          f"{f(r['ratio']):>7} {f(r['target_ms']):>7}  {res}"
          + (f"  (peer: {r['peer']})" if r["peer_ms"] else ""))
print(f"Now document: {api['now_bytes']} bytes; first screen drawn: "
      f"{scr.get('screen', '-')}")
PY
